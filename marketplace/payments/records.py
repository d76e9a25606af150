"""What every payment flow shares: the event log of an attempt, references, amounts, the
payment timeouts, and recording a payment (`record_paid`), which passes the running total
charged on to `checkout_mark_charged` and `order_mark_charged` (always the *sum* of
successful charges, so repeating it is harmless).

Locks, always in this order: the refund row; the transaction row; the checkout row (inside
`checkout_mark_charged`); the order row (inside `order_mark_charged`). No Alipay call is
made while a transaction row is locked, except the refund call (see `refunds`).

Idempotency lives in the database: a notification, a query or a refund records its
`TransactionEvent` under a key that is UNIQUE per transaction, and one transaction holds at
most one CHARGE_SUCCESS. Seeing the key again is a no-op.

Settings (optional): `PAYMENT_TIMEOUT_MINUTES` (30) after which an unpaid trade is closed;
`PAYMENT_RECONCILE_AFTER_MINUTES` (2) after which an attempt with no news is queried.

The payments package, module by module (none imports the GraphQL layer): `initialize`
starts an attempt, `notify` takes Alipay's word (notifications, queries, closing), `cash`
takes cash at the counter, `refunds` gives money back, `cancellation` pairs a shop order's
cancellation with its refund, `ledger` posts the money that arrived or left for the shops;
all build on this module.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import Q, Sum
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.checkout.models import Checkout
from marketplace.checkout.services import checkout_mark_charged
from marketplace.core.errors import refuse
from marketplace.orders.lifecycle import (
    order_mark_charged,
)
from marketplace.orders.models import (
    OrderChargeStatus,
    OrderStatus,
)
from marketplace.orders.selectors import order_live_total
from marketplace.payments.alipay.protocol import CHINA_TZ
from marketplace.payments.ledger import payment_received_post
from marketplace.payments.models import (
    Refund,
    RefundStatus,
    TransactionEvent,
    TransactionEventType,
    TransactionItem,
    TransactionStatus,
)
from marketplace.payments.notifications import order_paid_notify_after_commit

logger = logging.getLogger("ruralmart.payments")

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def payment_timeout() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "PAYMENT_TIMEOUT_MINUTES", 30)))


def reconcile_after() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "PAYMENT_RECONCILE_AFTER_MINUTES", 2)))


def new_reference(prefix: str) -> str:
    """32 characters: a prefix, Beijing time to the second, and 16 random hex digits, so
    references sort by time in Alipay's console and never repeat."""
    return f"{prefix}{timezone.now().astimezone(CHINA_TZ):%Y%m%d%H%M%S}{uuid.uuid4().hex[:16]}"


def event_add(
    tx: TransactionItem,
    type: str,
    *,
    amount: Decimal = ZERO,
    key: str = "",
    message: str = "",
    raw: Mapping[str, Any] | None = None,
    user: User | None = None,
) -> TransactionEvent:
    return TransactionEvent.objects.create(
        transaction=tx,
        type=type,
        amount=amount,
        currency=tx.currency,
        psp_reference=tx.psp_trade_no or tx.psp_reference,
        idempotency_key=key,
        message=message[:512],
        raw=dict(raw or {}),
        created_by=user if user is not None and user.is_authenticated else None,
    )


def event_seen(tx: TransactionItem, key: str) -> bool:
    """Whether an event with this key was recorded: the check before the UNIQUE backstop."""
    return TransactionEvent.objects.filter(transaction=tx, idempotency_key=key).exists()


def transaction_lock(transaction_id: int) -> TransactionItem:
    return TransactionItem.objects.select_for_update().get(pk=transaction_id)


def check_amount(value: Decimal, field: str, code: Any) -> Decimal:
    message = f"{value} is not an amount in yuan with at most 2 decimals."
    try:
        cents = value.quantize(CENT)
    except InvalidOperation:  # too many digits to quantize, e.g. 1e999999
        raise refuse(field, message, code) from None
    if not value.is_finite() or value != cents:
        raise refuse(field, message, code)
    return cents


def _charged_total(checkout_id: UUID) -> Decimal:
    return (
        TransactionItem.objects.filter(
            checkout_id=checkout_id, status=TransactionStatus.CHARGED
        ).aggregate(total=Sum("charged_amount"))["total"]
        or ZERO
    )


def _propagate_charge(tx: TransactionItem) -> None:
    """Pass the checkout's running total charged on to checkout and order (tx locked)."""
    if tx.checkout_id is None:
        return
    # Lock the checkout before summing, so two attempts charged at once both see each
    # other's committed charge (READ COMMITTED re-reads after the lock).
    checkout = Checkout.objects.select_for_update().get(pk=tx.checkout_id)
    total = _charged_total(checkout.pk)
    checkout_mark_charged(checkout_id=checkout.pk, amount=total)
    if checkout.order_id is not None:
        if tx.order_id is None:
            tx.order_id = checkout.order_id
            tx.save(update_fields=["order", "modified_at"])
        order = order_mark_charged(
            order_id=checkout.order_id,
            amount=total,
            returned=_returned_for_cancelled(checkout.order_id),
        )
        if order.charge_status in (OrderChargeStatus.FULL, OrderChargeStatus.OVERCHARGED):
            order_paid_notify_after_commit(str(order.pk))


def _returned_for_cancelled(order_id: UUID | None) -> Decimal:
    """What was refunded for the order's cancelled shop orders: no longer paid for them."""
    if order_id is None:
        return ZERO
    return (
        Refund.objects.filter(
            shop_order__order_id=order_id,
            shop_order__status=OrderStatus.CANCELED,
            status=RefundStatus.SUCCESS,
        ).aggregate(total=Sum("amount"))["total"]
        or ZERO
    )


def _order_charged_total(order_id: UUID) -> Decimal:
    return (
        TransactionItem.objects.filter(
            Q(order_id=order_id) | Q(checkout__order_id=order_id),
            status=TransactionStatus.CHARGED,
        ).aggregate(total=Sum("charged_amount"))["total"]
        or ZERO
    )


def order_charge_sync(order_id: UUID) -> Decimal:
    """Recompute the order's charge status from the charges and the refunds of cancelled
    shop orders (after a cancellation or such a refund); returns what its live shop orders
    still owe (0 when nothing, or more than they cost, was paid). Locks the order row."""
    charged, returned = _order_charged_total(order_id), _returned_for_cancelled(order_id)
    order_mark_charged(order_id=order_id, amount=charged, returned=returned)
    live = order_live_total(order_id=order_id)
    return max((live or ZERO) - (charged - returned), ZERO)


def record_paid(
    tx: TransactionItem,
    *,
    paid_amount: Decimal,
    trade_no: str,
    key: str,
    raw: Mapping[str, Any],
    source: str,
    user: User | None = None,
) -> str:
    """Alipay (or the counter) says the attempt is paid; `tx` is locked. Returns what was
    done: "charged", "already" or "held"."""
    if event_seen(tx, key):
        return "already"
    if paid_amount != tx.amount:
        # Never accepted: a person decides (refund the trade, or correct the order).
        reason = f"{source} reports ¥{paid_amount} paid, but the attempt is for ¥{tx.amount}."
        logger.error("Payment %s held for review: %s", tx.psp_reference, reason)
        tx.needs_review = True
        tx.review_reason = reason
        tx.save(update_fields=["needs_review", "review_reason", "modified_at"])
        event_add(
            tx, TransactionEventType.INFO, amount=paid_amount, key=key, message=reason, raw=raw
        )
        return "held"
    if tx.status == TransactionStatus.CHARGED:
        event_add(
            tx, TransactionEventType.INFO, key=key, message=f"{source}: already charged.", raw=raw
        )
        return "already"
    if tx.status in (TransactionStatus.CANCELLED, TransactionStatus.FAILED):
        # Money really arrived on an attempt we had given up on: keep it (it is the buyer's
        # money and Alipay has it), but a person must look at the stock it no longer holds.
        tx.needs_review = True
        tx.review_reason = f"Paid after the attempt was {tx.status.lower()}."
    tx.status = TransactionStatus.CHARGED
    tx.charged_amount = paid_amount
    if trade_no:
        tx.psp_trade_no = trade_no
    tx.save()
    event_add(
        tx,
        TransactionEventType.CHARGE_SUCCESS,
        amount=paid_amount,
        key=key,
        message=f"Paid ({source}).",
        raw=raw,
        user=user,
    )
    _propagate_charge(tx)
    # In the same database transaction as the charge: the ledger holds the money for its
    # shops exactly when the payment is charged (a retry finds the event and stops above).
    payment_received_post(tx=tx, actor=user)
    return "charged"
