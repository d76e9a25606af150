"""Payment records in the style of Saleor's transactions.

- `TransactionItem`: one payment attempt with one gateway (one Alipay trade, or one
  pay-at-the-counter cash promise). `psp_reference` is the attempt's own `out_trade_no`.
- `TransactionEvent`: the attempt's append-only history (Saleor's TransactionEventTypeEnum).
  Its UNIQUE keys are what make a replayed notification, a re-run reconciliation or a
  retried refund a no-op.
- `Refund`: money given back for one shop order, under an `out_request_no` made once and
  reused on every retry.

Only the payments services (`initialize`, `notify`, `cash`, `refunds`, `cancellation`, on
`records`) write these rows.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q


def _money(**kw: object) -> models.DecimalField:
    return models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"), **kw)  # type: ignore[arg-type]


class GatewayId(models.TextChoices):
    ALIPAY = "ruralmart.payments.alipay", "Alipay"
    CASH = "ruralmart.payments.cash", "Cash at the village counter"
    # Saleor's dummy payment app's id, so Saleor's own storefront offers it unchanged. Only
    # where settings.DEMO_PAYMENT_GATEWAY is on (the demo and tests, never production).
    DEMO = "saleor.io.dummy-payment-app", "Demo payments (no money moves)"


class PaymentMethod(models.TextChoices):
    PAGE = "PAGE", "Alipay desktop cashier"
    WAP = "WAP", "Alipay mobile cashier"
    QR = "QR", "Alipay face-to-face QR"
    CASH = "CASH", "Cash"
    DEMO = "DEMO", "Demo payment"


class TransactionStatus(models.TextChoices):
    # Waiting for the buyer (an open Alipay trade, or cash not yet taken at the counter).
    PENDING = "PENDING", "Pending"
    CHARGED = "CHARGED", "Charged"
    # Closed unpaid (timed out, superseded, or closed by Alipay).
    CANCELLED = "CANCELLED", "Cancelled"
    # The gateway refused to create the trade.
    FAILED = "FAILED", "Failed"


class TransactionItem(models.Model):
    """One payment attempt. A checkout may have several (the buyer switches from the
    desktop cashier to a QR code); each gets a fresh `psp_reference`, so Alipay never sees
    an `out_trade_no` twice."""

    token = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=64, blank=True)
    gateway_id = models.CharField(max_length=64, choices=GatewayId.choices)
    method = models.CharField(max_length=8, choices=PaymentMethod.choices)
    # Alipay's `out_trade_no` (our reference for the trade); "CASH-…" for cash.
    psp_reference = models.CharField(max_length=64, unique=True)
    # Alipay's own `trade_no`, once it reports one.
    psp_trade_no = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        max_length=10, choices=TransactionStatus.choices, default=TransactionStatus.PENDING
    )
    checkout = models.ForeignKey(
        "checkout.Checkout",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transactions",
    )
    # Filled in once the checkout has become an order (see services.transaction_attach_order).
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transactions",
    )
    currency = models.CharField(max_length=3, default="CNY")
    # What this attempt asks the buyer to pay (the Alipay trade's total_amount).
    amount = _money()
    authorized_amount = _money()
    charged_amount = _money()
    refunded_amount = _money()
    # A notification or query disagreed with what we asked for (e.g. another total): a
    # person must look before anything is accepted.
    needs_review = models.BooleanField(default=False)
    review_reason = models.TextField(blank=True)
    message = models.CharField(max_length=512, blank=True)
    # Alipay's time_expire: the trade cannot be paid after it.
    expires_at = models.DateTimeField(null=True, blank=True)
    # When reconciliation last asked Alipay about this trade.
    last_checked_at = models.DateTimeField(null=True, blank=True)
    # The buyer app's idempotencyKey: a retried transactionInitialize carrying it gets this
    # attempt back instead of opening a second trade. Empty when none was sent; at most one
    # attempt per checkout and key (see Meta).
    idempotency_key = models.CharField(max_length=128, blank=True)
    # The `data` transactionInitialize answered (payUrl, qrCode or payAtCounter), kept for
    # keyed attempts so that a retry receives the very same answer. NULL until known.
    initialize_data = models.JSONField(null=True, blank=True, editable=False)
    # The buyer's IP: the address the request came from, or the one a platform admin's
    # backend reported on the buyer's behalf. For the audit trail and fraud review.
    customer_ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            # The reconcile and close sweeps scan open attempts by age.
            models.Index(
                fields=["created_at"],
                name="transaction_pending_by_age",
                condition=Q(status="PENDING"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(gateway_id__in=GatewayId.values), name="transaction_gateway_valid"
            ),
            models.CheckConstraint(
                condition=Q(method__in=PaymentMethod.values), name="transaction_method_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=TransactionStatus.values), name="transaction_status_valid"
            ),
            models.CheckConstraint(
                # Cash is paid at the counter; Alipay by one of its cashiers.
                condition=Q(gateway_id=GatewayId.CASH, method=PaymentMethod.CASH)
                | Q(gateway_id=GatewayId.DEMO, method=PaymentMethod.DEMO)
                | (
                    Q(gateway_id=GatewayId.ALIPAY)
                    & ~Q(method__in=[PaymentMethod.CASH, PaymentMethod.DEMO])
                ),
                name="transaction_method_matches_gateway",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="transaction_amount_positive"),
            models.CheckConstraint(
                condition=Q(authorized_amount__gte=0)
                & Q(charged_amount__gte=0)
                & Q(charged_amount__lte=F("amount"))
                & Q(refunded_amount__gte=0)
                & Q(refunded_amount__lte=F("charged_amount")),
                name="transaction_amounts_within_bounds",
            ),
            models.CheckConstraint(
                # Charged exactly when money arrived; never charged and cancelled at once.
                condition=Q(status=TransactionStatus.CHARGED, charged_amount__gt=0)
                | (~Q(status=TransactionStatus.CHARGED) & Q(charged_amount=0)),
                name="transaction_charged_iff_status",
            ),
            models.CheckConstraint(
                condition=Q(checkout__isnull=False) | Q(order__isnull=False),
                name="transaction_has_checkout_or_order",
            ),
            # A retried transactionInitialize can never open a second attempt under the
            # same key, whatever path the write takes.
            models.UniqueConstraint(
                fields=["checkout", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="transaction_once_per_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_gateway_id_display()} {self.psp_reference}"

    @property
    def charge_pending_amount(self) -> Decimal:
        return self.amount if self.status == TransactionStatus.PENDING else Decimal("0.00")


class TransactionEventType(models.TextChoices):
    """Saleor's TransactionEventTypeEnum."""

    AUTHORIZATION_SUCCESS = "AUTHORIZATION_SUCCESS", "Authorization success"
    AUTHORIZATION_FAILURE = "AUTHORIZATION_FAILURE", "Authorization failure"
    AUTHORIZATION_ADJUSTMENT = "AUTHORIZATION_ADJUSTMENT", "Authorization adjustment"
    AUTHORIZATION_REQUEST = "AUTHORIZATION_REQUEST", "Authorization request"
    AUTHORIZATION_ACTION_REQUIRED = "AUTHORIZATION_ACTION_REQUIRED", "Authorization action required"
    CHARGE_ACTION_REQUIRED = "CHARGE_ACTION_REQUIRED", "Charge action required"
    CHARGE_SUCCESS = "CHARGE_SUCCESS", "Charge success"
    CHARGE_FAILURE = "CHARGE_FAILURE", "Charge failure"
    CHARGE_BACK = "CHARGE_BACK", "Chargeback"
    CHARGE_REQUEST = "CHARGE_REQUEST", "Charge request"
    REFUND_SUCCESS = "REFUND_SUCCESS", "Refund success"
    REFUND_FAILURE = "REFUND_FAILURE", "Refund failure"
    REFUND_REVERSE = "REFUND_REVERSE", "Refund reverse"
    REFUND_REQUEST = "REFUND_REQUEST", "Refund request"
    CANCEL_SUCCESS = "CANCEL_SUCCESS", "Cancel success"
    CANCEL_FAILURE = "CANCEL_FAILURE", "Cancel failure"
    CANCEL_REQUEST = "CANCEL_REQUEST", "Cancel request"
    INFO = "INFO", "Info"


class TransactionEvent(models.Model):
    """One thing that happened to an attempt. Never edited: corrections are new events."""

    transaction = models.ForeignKey(
        TransactionItem, on_delete=models.CASCADE, related_name="events"
    )
    type = models.CharField(max_length=32, choices=TransactionEventType.choices)
    amount = _money()
    currency = models.CharField(max_length=3, default="CNY")
    psp_reference = models.CharField(max_length=64, blank=True)
    # What the event answers to, unique per transaction: Alipay's notify_id for a
    # notification, "query:<trade_no>" for a reconciliation, "refund:<out_request_no>" for
    # a refund. Empty for events that need no de-duplication.
    idempotency_key = models.CharField(max_length=128, blank=True)
    message = models.CharField(max_length=512, blank=True)
    # Everything the gateway sent, signature included, for the audit trail.
    raw = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(type__in=TransactionEventType.values),
                name="transaction_event_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="transaction_event_amount_non_negative"
            ),
            models.UniqueConstraint(
                fields=["transaction", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="transaction_event_once_per_key",
            ),
            # One Alipay trade is paid at most once, however many ways we hear about it
            # (notification, its replays, reconciliation).
            models.UniqueConstraint(
                fields=["transaction"],
                condition=Q(type="CHARGE_SUCCESS"),
                name="transaction_charged_once",
            ),
            models.UniqueConstraint(
                fields=["transaction"],
                condition=Q(type="CANCEL_SUCCESS"),
                name="transaction_cancelled_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.transaction_id}: {self.type} {self.amount}"


class RefundStatus(models.TextChoices):
    # Asked for; Alipay's answer not (yet) known. Retrying sends the same out_request_no.
    PENDING = "PENDING", "Pending"
    SUCCESS = "SUCCESS", "Refunded"
    FAILED = "FAILED", "Refused by the gateway"


class Refund(models.Model):
    """Money given back for one shop order. Several partial refunds may add up, never
    beyond what that shop order was paid."""

    shop_order = models.ForeignKey(
        "orders.ShopOrder", on_delete=models.PROTECT, related_name="refunds"
    )
    transaction = models.ForeignKey(
        TransactionItem, on_delete=models.PROTECT, related_name="refunds"
    )
    # Alipay's out_request_no: made once, sent again on every retry (Alipay refunds each
    # number at most once).
    out_request_no = models.CharField(max_length=64, unique=True)
    # The caller's key for "this same refund request"; a retry with it gets this row back.
    idempotency_key = models.CharField(max_length=128)
    amount = _money()
    currency = models.CharField(max_length=3, default="CNY")
    status = models.CharField(
        max_length=8, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    reason = models.CharField(max_length=256, blank=True)
    failure_message = models.CharField(max_length=512, blank=True)
    # For tourism refunds: the booking-hold keys cancelled and the percentage applied.
    details = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=RefundStatus.values), name="refund_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=RefundStatus.PENDING, completed_at__isnull=True)
                | (~Q(status=RefundStatus.PENDING) & Q(completed_at__isnull=False)),
                name="refund_completed_iff_settled",
            ),
            models.UniqueConstraint(
                fields=["shop_order", "idempotency_key"], name="refund_once_per_request"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.out_request_no}: ¥{self.amount} {self.status}"
