"""Agency services: providers, the catalogue, orders, withdrawals, tickets and the daily
reconciliation. Money is CNY with 2 places; every row that moves money carries the
client's request id under a UNIQUE constraint, so a retry finds the first row."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class ServiceCategory(models.TextChoices):
    UTILITY = "UTILITY", "水电燃气 Utility bills"
    TELECOM = "TELECOM", "话费宽带 Phone and broadband"
    CABLE_TV = "CABLE_TV", "有线电视 Cable TV"
    SOCIAL_INSURANCE = "SOCIAL_INSURANCE", "城乡居民社保 Pension and medical insurance"
    COMMERCIAL_INSURANCE = "COMMERCIAL_INSURANCE", "车险财产险 Vehicle and property insurance"
    TICKET = "TICKET", "车票机票 Tickets"
    CASH_WITHDRAWAL = "CASH_WITHDRAWAL", "助农取款 Small cash withdrawal"
    PARCEL = "PARCEL", "快递代收代寄 Parcels"
    GOVERNMENT = "GOVERNMENT", "政务代办 Government services"


class ProviderKind(models.TextChoices):
    UTILITY = "UTILITY", "Utility bill aggregator"
    TELECOM = "TELECOM", "Telecom top-up"
    INSURANCE = "INSURANCE", "Insurance"
    TICKETS = "TICKETS", "Tickets"
    ACQUIRER = "ACQUIRER", "Withdrawal acquirer"


class AgencyProvider(models.Model):
    """One outside service the counter talks to through an adapter. Its URL, merchant id,
    sign type and keys come from settings (AGENCY_PROVIDERS), so production points the same adapter
    at a real aggregator; only what the operator may see is kept here."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=128)
    kind = models.CharField(max_length=16, choices=ProviderKind.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class FeeRule(models.TextChoices):
    NONE = "NONE", "No fee"
    FIXED = "FIXED", "Fixed fee"
    PERCENT = "PERCENT", "Percent of the amount"


class ItemFlow(models.TextChoices):
    # Paid at the counter and carried out by the provider.
    PAYMENT = "PAYMENT", "Bill payment or top-up"
    TICKET = "TICKET", "Ticket search, book, issue"
    WITHDRAWAL = "WITHDRAWAL", "Cash withdrawal"
    # No provider: the operator does it on the villager's behalf and notes the outcome.
    TASK = "TASK", "Task done by the operator"


class ServiceItem(models.Model):
    """One service the counter offers. `input_fields` lists what the operator types in,
    with the rules `marketplace.agency.validation` applies to each."""

    code = models.SlugField(max_length=48, unique=True)
    name = models.CharField(max_length=64)
    category = models.CharField(max_length=24, choices=ServiceCategory.choices)
    flow = models.CharField(max_length=16, choices=ItemFlow.choices)
    provider = models.ForeignKey(
        AgencyProvider, on_delete=models.PROTECT, null=True, blank=True, related_name="items"
    )
    # [{"name": "account", "label": "户号", "kind": "account", "pattern": "^\\d{10}$"}, ...]
    input_fields = models.JSONField(default=list, blank=True)
    amount_min = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    amount_max = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    fee_rule = models.CharField(max_length=8, choices=FeeRule.choices, default=FeeRule.NONE)
    # Yuan for FIXED, a fraction (0.005 = 0.5 %) for PERCENT.
    fee_value = models.DecimalField(max_digits=8, decimal_places=4, default=0)
    # What the provider pays the village per order, as a fraction of the amount; it is
    # withheld from what the village owes the provider.
    commission_rate = models.DecimalField(max_digits=6, decimal_places=4, default=0)
    description = models.CharField(max_length=255, blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category", "sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_min__gte=0) & Q(amount_max__gte=F("amount_min")),
                name="agency_item_amount_range",
            ),
            models.CheckConstraint(
                condition=Q(fee_value__gte=0) & Q(commission_rate__gte=0, commission_rate__lt=1),
                name="agency_item_fee_nonnegative",
            ),
            models.CheckConstraint(
                condition=Q(flow="TASK", provider__isnull=True)
                | (~Q(flow="TASK") & Q(provider__isnull=False)),
                name="agency_item_provider_unless_task",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class OrderStatus(models.TextChoices):
    # Paid by Alipay payment code: waiting for the buyer to confirm (or for Alipay to
    # answer). Nothing is posted and the provider is not asked until the payment is in.
    PAYING = "PAYING", "Waiting for the Alipay payment"
    # The Alipay payment was refused, closed or cancelled: no money moved, nothing to undo.
    NOT_PAID = "NOT_PAID", "Payment not taken"
    # Written and paid at the counter; the provider has not answered yet.
    SUBMITTING = "SUBMITTING", "Submitting"
    PROCESSING = "PROCESSING", "Accepted, result pending"
    # The call timed out or the answer was lost: queried, never resubmitted.
    UNKNOWN = "UNKNOWN", "Outcome unknown"
    SUCCESS = "SUCCESS", "Succeeded"
    # Refused or failed at the provider; the villager got the money back.
    FAILED = "FAILED", "Failed and refunded"
    MANUAL_REVIEW = "MANUAL_REVIEW", "Needs manual review"
    TASK_OPEN = "TASK_OPEN", "Task open"
    TASK_DONE = "TASK_DONE", "Task done"
    TASK_REJECTED = "TASK_REJECTED", "Task rejected"


OPEN_ORDER_STATUSES = (OrderStatus.SUBMITTING, OrderStatus.PROCESSING, OrderStatus.UNKNOWN)


class PaymentMethod(models.TextChoices):
    CASH = "CASH", "Cash"
    # The villager shows an Alipay payment code; the operator scans it (alipay.trade.pay).
    ALIPAY_CODE = "ALIPAY_CODE", "Alipay payment code"


class AgencyOrder(models.Model):
    """One agency service bought at the counter. `request_id` is the client's key: a second
    press or a retried submit finds this row, never a second payment."""

    request_id = models.CharField(max_length=64, unique=True)
    # `request_fingerprint` of the whole cleaned request: a retry under the same request id
    # must match it, or it is another villager's payment and is refused. Blank on orders
    # taken before it existed, which a retry therefore cannot match.
    request_fingerprint = models.CharField(max_length=64, blank=True)
    supermarket = models.ForeignKey(
        "red_supermarket.RedSupermarket", on_delete=models.PROTECT, related_name="agency_orders"
    )
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="orders")
    fields = models.JSONField(default=dict, blank=True)
    # The account, meter or phone number the payment is for (masked in lists).
    account = models.CharField(max_length=64, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    fee = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    # Collective income from this order: the fee plus the provider's commission.
    commission = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    payment_method = models.CharField(max_length=16, choices=PaymentMethod.choices)
    status = models.CharField(max_length=16, choices=OrderStatus.choices)
    provider_order_no = models.CharField(max_length=64, blank=True)
    failure_reason = models.CharField(max_length=255, blank=True)
    operator_note = models.TextField(blank=True)
    query_attempts = models.PositiveIntegerField(default=0)
    next_query_at = models.DateTimeField(null=True, blank=True)
    # Alipay payment code orders only. The code is UNIQUE: a code pays once, anywhere.
    auth_code = models.CharField(max_length=32, null=True, blank=True, unique=True)
    out_trade_no = models.CharField(max_length=64, null=True, blank=True, unique=True)
    alipay_trade_no = models.CharField(max_length=64, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # Set once Alipay confirmed the refund of a failed order (alipay.trade.refund).
    alipay_refunded_at = models.DateTimeField(null=True, blank=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["supermarket", "status"]),
            models.Index(fields=["status", "next_query_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(payment_method="ALIPAY_CODE", out_trade_no__isnull=False)
                | (~Q(payment_method="ALIPAY_CODE") & Q(out_trade_no__isnull=True)),
                name="agency_order_alipay_has_trade",
            ),
            models.CheckConstraint(
                condition=Q(alipay_refunded_at__isnull=True) | Q(paid_at__isnull=False),
                name="agency_order_refund_after_payment",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(fee__gte=0) & Q(commission__gte=0),
                name="agency_order_amounts_nonnegative",
            ),
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values), name="agency_order_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.item_id} {self.status}"


class WithdrawalStatus(models.TextChoices):
    SUBMITTING = "SUBMITTING", "Submitting"
    UNKNOWN = "UNKNOWN", "Outcome unknown"
    SUCCESS = "SUCCESS", "Cash handed out"
    FAILED = "FAILED", "Declined"
    MANUAL_REVIEW = "MANUAL_REVIEW", "Needs manual review"


# Withdrawals that count against the daily limits and the till: all but the declined.
LIMIT_COUNTING_WITHDRAWALS = (
    WithdrawalStatus.SUBMITTING,
    WithdrawalStatus.UNKNOWN,
    WithdrawalStatus.SUCCESS,
    WithdrawalStatus.MANUAL_REVIEW,
)


class CashWithdrawal(models.Model):
    """A small cash withdrawal (助农取款): the acquirer debits the villager's bank card and
    the operator hands the cash out of the till. The card number is kept for the acquirer's
    statement and shown only to the supermarket's operators; everyone else sees the mask."""

    request_id = models.CharField(max_length=64, unique=True)
    supermarket = models.ForeignKey(
        "red_supermarket.RedSupermarket", on_delete=models.PROTECT, related_name="withdrawals"
    )
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="withdrawals")
    card_number = models.CharField(max_length=19)
    card_masked = models.CharField(max_length=24)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    commission = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    # The counter's day in Asia/Shanghai: what the daily limits count.
    business_day = models.DateField()
    status = models.CharField(max_length=16, choices=WithdrawalStatus.choices)
    provider_order_no = models.CharField(max_length=64, blank=True)
    failure_reason = models.CharField(max_length=255, blank=True)
    query_attempts = models.PositiveIntegerField(default=0)
    next_query_at = models.DateTimeField(null=True, blank=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["card_number", "business_day"]),
            models.Index(fields=["supermarket", "business_day"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="withdrawal_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=WithdrawalStatus.values), name="withdrawal_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.card_masked} {self.amount}"


class WithdrawalCardDay(models.Model):
    """The lock row for one card on one day: withdrawals on the same card at different
    supermarkets queue on it, so the card's daily limit holds across the county."""

    card_number = models.CharField(max_length=19)
    business_day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["card_number", "business_day"], name="withdrawal_card_day_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.business_day}"


class TicketStatus(models.TextChoices):
    HELD = "HELD", "Seat held"
    ISSUED = "ISSUED", "Issued"
    REFUNDED = "REFUNDED", "Refunded"
    CANCELLED = "CANCELLED", "Hold released"


class TicketBooking(models.Model):
    """A bus, train or air ticket: held at the provider, issued once the villager pays at
    the counter, refunded within the provider's rules."""

    request_id = models.CharField(max_length=64, unique=True)
    supermarket = models.ForeignKey(
        "red_supermarket.RedSupermarket", on_delete=models.PROTECT, related_name="tickets"
    )
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="tickets")
    trip_id = models.CharField(max_length=64)
    origin = models.CharField(max_length=32)
    destination = models.CharField(max_length=32)
    departure_at = models.DateTimeField()
    seat_class = models.CharField(max_length=32)
    passenger_name = models.CharField(max_length=32)
    passenger_id_number = models.CharField(max_length=18)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    fee = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    booking_no = models.CharField(max_length=64, unique=True)
    ticket_no = models.CharField(max_length=64, blank=True)
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=TicketStatus.choices)
    refund_fee = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    refund_amount = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gt=0) & Q(fee__gte=0) & Q(refund_fee__gte=0),
                name="ticket_amounts_valid",
            ),
            models.CheckConstraint(
                condition=Q(refund_amount__lte=F("price")), name="ticket_refund_within_price"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booking_no} {self.origin}-{self.destination}"


class ReconciliationRun(models.Model):
    """One comparison of a source's records with ours for a day: a log entry per run."""

    business_day = models.DateField()
    source = models.CharField(max_length=32)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    theirs_count = models.PositiveIntegerField(default=0)
    ours_count = models.PositiveIntegerField(default=0)
    flagged_count = models.PositiveIntegerField(default=0)
    new_items_count = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.business_day} {self.source}"


class DiscrepancyKind(models.TextChoices):
    MISSING = "MISSING", "In their statement, not in our records"
    EXTRA = "EXTRA", "In our records, not in their statement"
    MISMATCHED = "MISMATCHED", "Amount or status differ"


class ReconciliationItem(models.Model):
    """One difference found by reconciliation, for the operator and the township to clear.
    UNIQUE per (day, source, external id): re-running a day adds nothing twice."""

    run = models.ForeignKey(ReconciliationRun, on_delete=models.PROTECT, related_name="items")
    business_day = models.DateField()
    source = models.CharField(max_length=32)
    external_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=DiscrepancyKind.choices)
    supermarket = models.ForeignKey(
        "red_supermarket.RedSupermarket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reconciliation_items",
    )
    ours_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    theirs_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    ours_status = models.CharField(max_length=32, blank=True)
    theirs_status = models.CharField(max_length=32, blank=True)
    cleared = models.BooleanField(default=False)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-business_day", "source", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["business_day", "source", "external_id"],
                name="reconciliation_item_once_per_day_source",
            ),
            models.CheckConstraint(
                condition=Q(cleared=False) | Q(cleared_at__isnull=False),
                name="reconciliation_item_cleared_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.business_day} {self.source} {self.external_id} {self.kind}"


class ReviewOutcome(models.TextChoices):
    SUCCESS = "SUCCESS", "Resolved as succeeded"
    FAILED = "FAILED", "Resolved as failed (refunded)"


class ManualReviewResolution(models.Model):
    """How staff settled one order or withdrawal left in MANUAL_REVIEW: who, when, why, and
    what the provider said when asked once more. One-to-one with its subject, so the
    database itself refuses a second resolution (and with it a second refund)."""

    order = models.OneToOneField(
        AgencyOrder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="review_resolution",
    )
    withdrawal = models.OneToOneField(
        CashWithdrawal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="review_resolution",
    )
    outcome = models.CharField(max_length=8, choices=ReviewOutcome.choices)
    reason = models.CharField(max_length=255)
    # The provider's answer to the query made just before resolving (PROCESSING, UNKNOWN…).
    provider_status = models.CharField(max_length=16, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-resolved_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(order__isnull=False, withdrawal__isnull=True)
                | Q(order__isnull=True, withdrawal__isnull=False),
                name="manual_review_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=ReviewOutcome.values), name="manual_review_outcome_valid"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="manual_review_reason_given"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id or self.withdrawal_id} {self.outcome}"
