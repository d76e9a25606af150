"""Refunds of shop orders, for an amount or for what the cancellation policy entitles:
- through `alipay.trade.refund`, by the shop's managers or a platform admin;
- in cash handed back at the counter (`shop_order_cash_refund_record`, called by the Red
  Supermarket's counter, which owns the till side: who may, the open shift, the cash).
Both share one set of rules (`_refund_prepare`: what is left, the policy amount, which
payment it comes out of) and one way of recording success (`_refund_settle`).

Locks: `shop_order_refund` locks its shop order row before anything else, in a transaction
of its own; sending holds only the refund row while Alipay answers, so a concurrent retry
waits and then sees the outcome. A cash refund locks the shop order inside the counter's
transaction, after the till shift.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.accounts.permissions import can_manage_shop
from marketplace.bookings.services import booking_cancel_many
from marketplace.core.errors import PermissionRefused, refuse
from marketplace.orders.lifecycle import (
    order_event_add,
)
from marketplace.orders.models import (
    Order,
    OrderChargeStatus,
    OrderEventType,
    OrderStatus,
    ShopOrder,
)
from marketplace.orders.selectors import order_line_hold_keys
from marketplace.payments.alipay.gateway import AlipayError
from marketplace.payments.error_codes import (
    RefundErrorCode,
)
from marketplace.payments.gateways import alipay_gateway
from marketplace.payments.ledger import payment_refunded_post
from marketplace.payments.models import (
    GatewayId,
    Refund,
    RefundStatus,
    TransactionEventType,
    TransactionItem,
    TransactionStatus,
)
from marketplace.payments.records import (
    ZERO,
    check_amount,
    event_add,
    new_reference,
    order_charge_sync,
    transaction_lock,
)

logger = logging.getLogger("ruralmart.payments")


def can_refund(*, user: User | None, shop_order: ShopOrder) -> bool:
    """The shop's own manager, or a platform admin."""
    return can_manage_shop(user=user, shop=shop_order.shop)


def _default_refund_key(amount: Decimal | None, reason: str) -> str:
    """Without a caller's key, the same amount and reason on the same shop order is the
    same request: what a flaky network retries. A second identical partial refund needs
    its own key (or another reason)."""
    text = f"{amount if amount is not None else 'policy'}|{reason.strip()}"
    return "auto:" + hashlib.sha256(text.encode()).hexdigest()[:32]


# What each gateway a refund can go back through calls itself when refusing an order it
# did not pay.
_NOT_PAID_BY = {
    GatewayId.ALIPAY: "The order was not paid with Alipay; refund cash at the counter.",
    GatewayId.CASH: "The order was not paid in cash at the counter; refund it through Alipay.",
}
_PAYMENT_NAMES = {GatewayId.ALIPAY: "Alipay trades", GatewayId.CASH: "cash payments"}


def order_alipay_transaction(order: Order) -> TransactionItem | None:
    """The first charged Alipay attempt that paid (part of) the order."""
    return _order_payments(order, gateway_id=GatewayId.ALIPAY).first()


def _order_payments(order: Order, *, gateway_id: GatewayId) -> QuerySet[TransactionItem]:
    return TransactionItem.objects.filter(
        Q(order=order) | Q(checkout__order=order),
        gateway_id=gateway_id,
        status=TransactionStatus.CHARGED,
    ).order_by("created_at", "pk")


def _payment_for_refund(order: Order, amount: Decimal, *, gateway_id: GatewayId) -> TransactionItem:
    """The charged payment through `gateway_id` a refund of `amount` comes out of: the
    first one with that much not yet refunded (nor being refunded). One refund comes out
    of one payment (one `alipay.trade.refund` names one trade; one cash refund gives back
    one payment's cash): an order paid in several parts is refunded part by part, and an
    amount no single payment still holds is refused with AMOUNT_TOO_HIGH saying how much
    one refund can be (shop order lock held)."""
    payments = list(_order_payments(order, gateway_id=gateway_id))
    if not payments:
        raise refuse(None, _NOT_PAID_BY[gateway_id], RefundErrorCode.NOT_PAID)
    taken = dict(
        Refund.objects.filter(
            transaction__in=payments, status__in=[RefundStatus.PENDING, RefundStatus.SUCCESS]
        )
        .values("transaction")
        .annotate(total=Sum("amount"))
        .values_list("transaction", "total")
    )
    room = {tx.pk: tx.charged_amount - (taken.get(tx.pk) or ZERO) for tx in payments}
    for tx in payments:
        if room[tx.pk] >= amount:
            return tx
    raise refuse(
        "amount",
        f"This order was paid in {len(payments)} {_PAYMENT_NAMES[gateway_id]} and one refund "
        f"comes out of one of them: at most ¥{max(room.values())} at a time here; refund "
        "the rest separately.",
        RefundErrorCode.AMOUNT_TOO_HIGH,
    )


def _policy_amount(shop_order: ShopOrder, now: datetime) -> tuple[Decimal, dict[str, Any]]:
    """What the shop order's cancellation entitles the buyer to: everything, except that
    each tourism line gives back only its tier's percentage. Cancels the bookings, all in
    one call (which frees their capacity; cancelling again answers the same percentage).
    `shop_order.order` must be loaded."""
    lines = list(shop_order.lines.filter(booking_start_date__isnull=False).order_by("pk"))
    keys = order_line_hold_keys(lines=lines)
    if not keys:
        return shop_order.total_amount, {"bookings": []}
    outcomes = {
        outcome.hold.key: outcome
        for outcome in booking_cancel_many(keys=keys.values(), on_date=now)
    }
    withheld = ZERO
    cancelled: list[dict[str, Any]] = []
    for line in lines:
        if line.pk not in keys:
            continue
        outcome = outcomes[keys[line.pk]]
        refunded = outcome.refund_amount(line.total_price_amount)
        withheld += line.total_price_amount - refunded
        cancelled.append(
            {"key": keys[line.pk], "percent": outcome.refund_percent, "refund": str(refunded)}
        )
    return max(shop_order.total_amount - withheld, ZERO), {"bookings": cancelled}


@transaction.atomic
def _refund_prepare(
    *,
    shop_order: ShopOrder,
    amount: Decimal | None,
    reason: str,
    key: str | Callable[[ShopOrder], str],
    actor: User | None,
    now: datetime,
    gateway_id: GatewayId = GatewayId.ALIPAY,
    before_create: Callable[[TransactionItem, Decimal], None] | None = None,
) -> tuple[Refund, bool]:
    """The refund under `key` (a callable is asked for the key with the shop order locked)
    with False, or a new PENDING one for `amount` out of a payment through `gateway_id`
    with True. Shop order row locked first (after whatever the caller holds).
    `before_create` is shown the payment and the amount decided before a new refund is
    written: a refund only the caller can allow (the till holds that cash) refuses there."""
    locked = ShopOrder.objects.select_for_update().select_related("order").get(pk=shop_order.pk)
    if callable(key):
        key = key(locked)
    existing = Refund.objects.filter(shop_order=locked, idempotency_key=key).first()
    if existing is not None:
        return existing, False
    order = locked.order
    if order.charge_status not in (OrderChargeStatus.FULL, OrderChargeStatus.OVERCHARGED):
        raise refuse(
            None, "The order is not paid, so there is nothing to refund.", RefundErrorCode.NOT_PAID
        )
    if not _order_payments(order, gateway_id=gateway_id).exists():
        raise refuse(None, _NOT_PAID_BY[gateway_id], RefundErrorCode.NOT_PAID)
    taken = (
        Refund.objects.filter(
            shop_order=locked, status__in=[RefundStatus.PENDING, RefundStatus.SUCCESS]
        ).aggregate(total=Sum("amount"))["total"]
        or ZERO
    )
    left = locked.total_amount - taken
    details: dict[str, Any] = {}
    if amount is None:
        entitled, details = _policy_amount(locked, now)
        amount = min(entitled - taken, left)
        if amount <= 0:
            raise refuse(
                "amount",
                "The cancellation policy leaves nothing to refund.",
                RefundErrorCode.INVALID,
            )
    amount = check_amount(Decimal(amount), "amount", RefundErrorCode.INVALID)
    if amount <= 0:
        raise refuse("amount", "A refund must be more than ¥0.", RefundErrorCode.INVALID)
    if amount > left:
        raise refuse(
            "amount",
            f"¥{amount} is more than the ¥{left} left to refund on this shop order.",
            RefundErrorCode.AMOUNT_TOO_HIGH,
        )
    tx = _payment_for_refund(order, amount, gateway_id=gateway_id)
    if before_create is not None:
        before_create(tx, amount)
    refund = Refund.objects.create(
        shop_order=locked,
        transaction=tx,
        out_request_no=new_reference("RF"),
        idempotency_key=key,
        amount=amount,
        currency=locked.currency,
        reason=reason[:256],
        details=details,
        requested_by=actor if actor is not None and actor.is_authenticated else None,
    )
    with transaction.atomic():
        event_add(
            transaction_lock(tx.pk),
            TransactionEventType.REFUND_REQUEST,
            amount=amount,
            key=f"refund-request:{refund.out_request_no}",
            message=reason,
            user=actor,
        )
    return refund, True


def shop_order_refund(
    *,
    shop_order: ShopOrder,
    actor: User | None,
    reason: str,
    amount: Decimal | None = None,
    idempotency_key: str | None = None,
) -> Refund:
    """Refund part or all of one shop order through `alipay.trade.refund`.

    `amount` None means "what the cancellation entitles": the shop order's total, with
    tourism lines cut to their cancellation tier (their bookings are cancelled). Never more
    than is left on the shop order. Idempotent per `idempotency_key` (default: the same
    amount and reason): a retry gets the same refund back, and if Alipay's answer was lost
    it sends the same `out_request_no` again, which Alipay refunds at most once.

    Raises PermissionRefused unless `actor` manages the shop or is a platform admin;
    ValidationError (RefundErrorCode) when there is nothing to refund, the amount is too
    high, or Alipay refused (FAILED) or could not be reached (still PENDING).
    """
    key = (idempotency_key or "").strip() or _default_refund_key(amount, reason)
    return refund_run(shop_order=shop_order, actor=actor, reason=reason, amount=amount, key=key)


def refund_run(
    *,
    shop_order: ShopOrder,
    actor: User | None,
    reason: str,
    amount: Decimal | None,
    key: str | Callable[[ShopOrder], str],
) -> Refund:
    """`shop_order_refund` with the key given, or chosen under the shop order's lock."""
    if not can_refund(user=actor, shop_order=shop_order):
        raise PermissionRefused("Only the shop's manager or a platform admin refunds its orders.")
    refund, _ = _refund_prepare(
        shop_order=shop_order,
        amount=amount,
        reason=reason,
        key=key,
        actor=actor,
        now=timezone.now(),
    )
    if refund.status == RefundStatus.PENDING:
        refund = refund_send(refund_id=refund.pk)
    if refund.status == RefundStatus.FAILED:
        raise refuse(
            None,
            f"Alipay refused the refund: {refund.failure_message}",
            RefundErrorCode.GATEWAY_REFUSED,
        )
    return refund


def cash_refund_key(request_id: UUID) -> str:
    """A cash refund's idempotency key: the counter's request id, made once per submit."""
    return f"cash:{request_id}"


def refund_amount_parse(value: object, *, field: str = "amount") -> Decimal | None:
    """An amount typed by a person, as the refund rules take it: None (nothing typed)
    means the cancellation policy's amount; what is not a number is INVALID. Zero,
    negative and fractions of a fen are the rules' to refuse (`_refund_prepare`)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (bool, float)):
        # A float has already lost the fen it was typed with.
        raise refuse(field, f"{value!r} is not an amount in yuan.", RefundErrorCode.INVALID)
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise refuse(
            field, f"{value!r} is not an amount in yuan.", RefundErrorCode.INVALID
        ) from None


@transaction.atomic
def shop_order_cash_refund_record(
    *,
    shop_order: ShopOrder,
    actor: User,
    reason: str,
    amount: Decimal | None,
    request_id: UUID,
    before_create: Callable[[TransactionItem, Decimal], None],
) -> tuple[Refund, bool]:
    """Record `amount` (None: what the cancellation entitles) of a cash-paid shop order as
    handed back in cash: a SUCCESS refund at once (there is no gateway to ask), settled as
    an Alipay refund that succeeded is (PAYMENT_REFUNDED Dr SHOP / Cr the till that took
    the cash; the clawback task takes back lines already settled). Returns (refund, True),
    or (the same refund, False) for a retry of `request_id`, which gives nothing more.

    The counter's half of the work, so it runs inside the counter's transaction: the
    caller checks who may, holds the till shift, vets the payment and the amount in
    `before_create` (called under the shop order's lock, for a new refund only), and calls
    `refund_after_commit` once its transaction has committed."""
    refund, created = _refund_prepare(
        shop_order=shop_order,
        amount=amount,
        reason=reason,
        key=cash_refund_key(request_id),
        actor=actor,
        now=timezone.now(),
        gateway_id=GatewayId.CASH,
        before_create=before_create,
    )
    if created:
        _refund_settle(refund, ok=True, message="", raw={"handed_back_by": actor.pk})
    return refund, created


def refund_after_commit(refund: Refund) -> None:
    """What follows a successful refund once its own transaction has committed (see
    `_order_charge_sync_if_cancelled` for why it cannot be inside it)."""
    if refund.status == RefundStatus.SUCCESS:
        _order_charge_sync_if_cancelled(refund)


def refund_send(*, refund_id: int) -> Refund:
    """Send a PENDING refund to Alipay (again) under its own out_request_no.

    Holds the refund row while Alipay answers, so concurrent retries queue and then find
    it settled. An unreachable Alipay leaves it PENDING and raises GATEWAY_UNAVAILABLE."""
    unavailable: AlipayError | None = None
    with transaction.atomic():
        refund = Refund.objects.select_for_update().select_related("transaction").get(pk=refund_id)
        if refund.status != RefundStatus.PENDING:
            return refund
        tx = refund.transaction
        try:
            result = alipay_gateway().refund(
                out_trade_no=tx.psp_reference,
                out_request_no=refund.out_request_no,
                refund_amount=refund.amount,
                reason=refund.reason,
            )
        except AlipayError as exc:
            if exc.retryable:
                unavailable = exc
            else:
                _refund_settle(refund, ok=False, message=str(exc))
        else:
            _refund_settle(refund, ok=True, message="", raw=asdict(result))
    if unavailable is not None:
        logger.warning("Refund %s outcome unknown: %s", refund.out_request_no, unavailable)
        raise refuse(
            None,
            f"Alipay did not answer ({unavailable.message}); the refund is pending: retry it.",
            RefundErrorCode.GATEWAY_UNAVAILABLE,
        )
    if refund.status == RefundStatus.SUCCESS:
        _order_charge_sync_if_cancelled(refund)
    return refund


def _order_charge_sync_if_cancelled(refund: Refund) -> None:
    """A cancelled part was given back: an order overcharged by it is paid in full again.
    In a transaction of its own, after the refund row's, holding only the order row: inside
    it (refund, transaction, then order) a concurrent cancellation (order, then shop order)
    and refund preparation (shop order, then transaction) could close a deadlock cycle. If
    this step is lost, the next cancellation call of the order recomputes the same."""
    shop_order = ShopOrder.objects.only("status", "order_id").get(pk=refund.shop_order_id)
    if shop_order.status == OrderStatus.CANCELED:
        with transaction.atomic():
            order_charge_sync(shop_order.order_id)


def _refund_settle(
    refund: Refund, *, ok: bool, message: str, raw: Mapping[str, Any] | None = None
) -> None:
    """Record Alipay's answer (refund row locked)."""
    refund.status = RefundStatus.SUCCESS if ok else RefundStatus.FAILED
    refund.failure_message = message[:512]
    refund.completed_at = timezone.now()
    refund.save(update_fields=["status", "failure_message", "completed_at"])
    tx = transaction_lock(refund.transaction_id)
    if ok:
        tx.refunded_amount += refund.amount
        tx.save(update_fields=["refunded_amount", "modified_at"])
        # The money left the payment account now, settled or not: SHOP gives it back.
        payment_refunded_post(refund=refund)
    refund.transaction = tx  # callers read the refunded total from the refund
    shop_order = refund.shop_order
    event_add(
        tx,
        TransactionEventType.REFUND_SUCCESS if ok else TransactionEventType.REFUND_FAILURE,
        amount=refund.amount,
        key=f"refund:{refund.out_request_no}",
        message=message or refund.reason,
        raw={k: str(v) for k, v in (raw or {}).items()},
        user=refund.requested_by,
    )
    order_event_add(
        order=shop_order.order,
        type=OrderEventType.OTHER,
        user=refund.requested_by,
        shop=shop_order.shop,
        parameters={
            "refund": refund.out_request_no,
            "amount": str(refund.amount),
            "status": refund.status,
            "reason": refund.reason,
        },
    )
