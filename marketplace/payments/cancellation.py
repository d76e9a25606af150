"""Cancelling shop orders together with their money: the refund of what was paid, the
counter's cash attempts, and the sweep of counter orders nobody paid.

The orders domain cancels (stock and booking days back, statuses, events; see
`marketplace.orders.lifecycle`) and knows nothing of money; this is where a cancellation is
paired with its refund, because orders must not import payments. The sequence is safe to
repeat: the cancellation commits first (with what the counter and open Alipay trades ask
for settled in the same transaction), then the refund goes to Alipay under a key derived
from the shop order, so a retry finds the same refund (or, after Alipay refused it, makes
the next one). A cancellation locks the order's open cash attempts, then (in orders) the
order row and its shop orders.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum

from marketplace.accounts.models import User
from marketplace.core.errors import refuse
from marketplace.orders.error_codes import OrderErrorCode
from marketplace.orders.lifecycle import (
    order_cancel,
    order_event_add,
    shop_order_cancel,
)
from marketplace.orders.models import (
    Order,
    OrderChargeStatus,
    OrderEvent,
    OrderEventType,
    OrderStatus,
    ShopOrder,
)
from marketplace.payments.models import (
    GatewayId,
    PaymentMethod,
    Refund,
    RefundStatus,
    TransactionEventType,
    TransactionItem,
    TransactionStatus,
)
from marketplace.payments.notify import transaction_close_after_commit
from marketplace.payments.records import ZERO, event_add, new_reference, order_charge_sync
from marketplace.payments.refunds import order_alipay_transaction, refund_run

logger = logging.getLogger("ruralmart.payments")


def counter_payment_days() -> int:
    return int(getattr(settings, "COUNTER_PAYMENT_DAYS", 3))


def cancel_refund_key(shop_order_id: int) -> str:
    """The idempotency key of a cancelled shop order's refund: one per shop order, whoever
    cancels it and however often."""
    return f"cancel:{shop_order_id}"


@dataclass(frozen=True)
class CancelOutcome:
    order: Order
    shop_orders: list[ShopOrder]
    # The Alipay refunds of the cancelled shop orders that had been paid (SUCCESS).
    refunds: list[Refund]


def _cancel_closing_cash(*, order_id: UUID, cancel: Callable[[], Any], why: str) -> Any:
    """Run `cancel()` with the order's open cash attempts locked first (payments' lock
    order: transaction rows before the order row, which `cancel()` locks), and settle what
    the buyer is asked to pay in the same transaction, so the counter can never take money
    for what was cancelled (a confirmation waiting on the lock finds its attempt closed):

    - the order wholly cancelled: its cash attempts are closed, nothing is due;
    - partly cancelled: the charge status is recomputed against the live shop orders, and
      a cash attempt asking for anything else than what they still owe is closed
      ("superseded: <why>") and replaced by one for exactly that (none if nothing is owed).
      Open Alipay trades for more than that are closed after commit, as superseded
      attempts are (`transaction_close_after_commit`): the buyer pays the rest at the counter.

    `durable`: it must not run inside another transaction, since its callers talk to Alipay
    after it commits."""
    with transaction.atomic(durable=True):
        pending = list(
            TransactionItem.objects.select_for_update(of=("self",))
            .filter(
                Q(order_id=order_id) | Q(checkout__order_id=order_id),
                gateway_id=GatewayId.CASH,
                status=TransactionStatus.PENDING,
            )
            .order_by("pk")
        )
        result = cancel()
        if Order.objects.filter(pk=order_id, status=OrderStatus.CANCELED).exists():
            for tx in pending:
                _cash_attempt_close(
                    tx, "The order was cancelled; nothing is to be paid at the counter."
                )
            return result
        owed = order_charge_sync(order_id)
        kept = next((tx for tx in pending if tx.amount == owed), None)
        for tx in pending:
            if tx is not kept:
                _cash_attempt_close(
                    tx,
                    f"Superseded: {why}; ¥{owed} is still owed"
                    + (", asked for by a new cash attempt." if owed > 0 else "."),
                )
        if pending and kept is None and owed > 0:
            _cash_attempt_replace(pending[0], order_id=order_id, amount=owed, why=why)
        for pk in TransactionItem.objects.filter(
            Q(order_id=order_id) | Q(checkout__order_id=order_id),
            gateway_id=GatewayId.ALIPAY,
            status=TransactionStatus.PENDING,
            amount__gt=owed,
        ).values_list("pk", flat=True):
            transaction_close_after_commit(pk)
    return result


def _cash_attempt_close(tx: TransactionItem, message: str) -> None:
    """Close an open cash attempt (locked): the counter can no longer take cash for it."""
    tx.status = TransactionStatus.CANCELLED
    tx.save(update_fields=["status", "modified_at"])
    event_add(tx, TransactionEventType.CANCEL_SUCCESS, key="order-canceled", message=message)


def _cash_attempt_replace(
    old: TransactionItem, *, order_id: UUID, amount: Decimal, why: str
) -> TransactionItem:
    """A fresh cash attempt for `amount` in place of `old` (closed): the counter confirms
    this one now. It belongs to the same checkout and order, so the counter's list of what
    to collect and the unpaid-counter-order sweep both see it."""
    tx = TransactionItem.objects.create(
        name=old.name,
        gateway_id=GatewayId.CASH,
        method=PaymentMethod.CASH,
        psp_reference=new_reference("CASH"),
        checkout_id=old.checkout_id,
        order_id=order_id,
        currency=old.currency,
        amount=amount,
        customer_ip_address=old.customer_ip_address,
    )
    event_add(
        tx,
        TransactionEventType.CHARGE_REQUEST,
        amount=amount,
        key="request",
        message=f"Cash at the counter: replaces {old.psp_reference} ({why}).",
    )
    return tx


def _refunded_so_far(shop_order: ShopOrder) -> Decimal:
    return (
        Refund.objects.filter(
            shop_order=shop_order, status__in=[RefundStatus.PENDING, RefundStatus.SUCCESS]
        ).aggregate(total=Sum("amount"))["total"]
        or ZERO
    )


def _note_cash_owed(*, shop_order: ShopOrder, amount: Decimal, actor: User | None) -> None:
    """A cancelled shop order paid in cash: Alipay cannot give it back, the counter must.
    Recorded once in the order's history, under the shop order's lock."""
    key = cancel_refund_key(shop_order.pk)
    with transaction.atomic():
        locked = ShopOrder.objects.select_for_update().get(pk=shop_order.pk)
        if OrderEvent.objects.filter(
            order_id=locked.order_id, type=OrderEventType.NOTE_ADDED, parameters__refund_due=key
        ).exists():
            return
        order_event_add(
            order=Order(pk=locked.order_id),
            type=OrderEventType.NOTE_ADDED,
            user=actor if actor is not None and actor.is_authenticated else None,
            shop=shop_order.shop,
            parameters={
                "message": f"Cancelled after ¥{amount} was paid at the counter: give it back "
                "in cash.",
                "amount": str(amount),
                "refund_due": key,
            },
        )


def _cancel_refunds(shop_order: ShopOrder) -> list[Refund]:
    """The refunds made under the shop order's cancel keys, oldest first."""
    base = cancel_refund_key(shop_order.pk)
    return list(
        Refund.objects.filter(shop_order=shop_order)
        .filter(Q(idempotency_key=base) | Q(idempotency_key__startswith=f"{base}:"))
        .order_by("pk")
    )


def _cancel_refund_key_now(shop_order: ShopOrder) -> str:
    """The key the cancellation's refund goes under now (shop order locked): the latest
    one's while it is PENDING or SUCCESS (a retry sends or returns that very refund, never
    a second), the next one ("cancel:<id>:2", ":3", …, one more than the FAILED ones) after
    Alipay refused the latest, so asking again is a new request Alipay can still grant."""
    made = _cancel_refunds(shop_order)
    if made and made[-1].status != RefundStatus.FAILED:
        return made[-1].idempotency_key
    failed = sum(1 for refund in made if refund.status == RefundStatus.FAILED)
    base = cancel_refund_key(shop_order.pk)
    return base if not failed else f"{base}:{failed + 1}"


def _refund_cancelled(
    *, order: Order, shop_order: ShopOrder, actor: User | None, reason: str
) -> Refund | None:
    """Refund everything still unrefunded on a cancelled, paid shop order: the shop called
    it off, so no cancellation tier applies. None when nothing was paid or is left.

    Under the cancel keys (`_cancel_refund_key_now`): once the refund exists a retry sends
    that same refund (Alipay pays an out_request_no at most once) instead of computing a
    new amount; once Alipay refused it, a retry asks again under the next key."""
    made = _cancel_refunds(shop_order)
    if made and made[-1].status != RefundStatus.FAILED:
        amount = made[-1].amount
    else:
        if order.charge_status not in (OrderChargeStatus.FULL, OrderChargeStatus.OVERCHARGED):
            return None
        amount = shop_order.total_amount - _refunded_so_far(shop_order)
        if amount <= 0:
            return None
        if order_alipay_transaction(order) is None:
            _note_cash_owed(shop_order=shop_order, amount=amount, actor=actor)
            return None
    try:
        return refund_run(
            shop_order=shop_order,
            actor=actor,
            reason=reason,
            amount=amount,
            key=_cancel_refund_key_now,
        )
    except ValidationError as exc:
        raise refuse(
            None,
            f"The shop order is cancelled, but its refund of ¥{amount} did not go through: "
            f"{' '.join(exc.messages)}",
            OrderErrorCode.PAYMENT_ERROR,
        ) from exc


def shop_order_cancel_and_refund(
    *, actor: User | None, shop_order: ShopOrder, reason: str
) -> CancelOutcome:
    """Cancel a shop order (`orders.lifecycle.shop_order_cancel`: same permission, rules and
    idempotency) and refund the buyer the whole amount still unrefunded on it, if paid.

    Call it outside any transaction (enforced: the cancellation's transaction is durable,
    so RuntimeError inside another): it commits before Alipay is asked, so a lost answer
    never undoes a refund Alipay made. A retry is safe at every point: the cancellation is
    a no-op the second time, and the refund is found by its key. An unpaid counter order
    of which this was one part asks at the counter only for what the other parts still
    owe (see `_cancel_closing_cash`).

    Raises what `shop_order_cancel` raises; when the refund fails after the cancellation
    committed, a ValidationError with OrderErrorCode.PAYMENT_ERROR. Calling again then
    sends the same refund if Alipay did not answer (it is refunded at most once), or asks
    Alipay anew under the next cancel key if Alipay refused it (FAILED); while the cause
    lasts (say, the seller's balance) each call is refused again and a person must act.
    A shop order paid in cash gets a note in the order's history instead: the counter
    gives the money back.
    """
    cancelled = _cancel_closing_cash(
        order_id=shop_order.order_id,
        cancel=lambda: shop_order_cancel(actor=actor, shop_order=shop_order, reason=reason),
        why=f"shop order {shop_order.pk} cancelled",
    )
    cancelled.shop = shop_order.shop
    order = Order.objects.get(pk=shop_order.order_id)
    refund = _refund_cancelled(order=order, shop_order=cancelled, actor=actor, reason=reason)
    return CancelOutcome(order=order, shop_orders=[cancelled], refunds=[refund] if refund else [])


def order_cancel_and_refund(*, actor: User | None, order: Order, reason: str) -> CancelOutcome:
    """Cancel every shop order of an order (`orders.lifecycle.order_cancel`, platform admins)
    and refund each paid one in full, as `shop_order_cancel_and_refund` does for one.

    Every refund is attempted even if one fails; the first failure is then raised
    (PAYMENT_ERROR), and calling again retries only what is not refunded yet."""
    _cancel_closing_cash(
        order_id=order.pk,
        cancel=lambda: order_cancel(actor=actor, order=order, reason=reason),
        why=f"order #{order.number} cancelled",
    )
    order = Order.objects.get(pk=order.pk)
    shop_orders = list(
        ShopOrder.objects.filter(order=order, status=OrderStatus.CANCELED)
        .select_related("shop")
        .order_by("pk")
    )
    refunds: list[Refund] = []
    failure: ValidationError | None = None
    for shop_order in shop_orders:
        try:
            refund = _refund_cancelled(
                order=order, shop_order=shop_order, actor=actor, reason=reason
            )
        except ValidationError as exc:
            failure = failure or exc
            continue
        if refund is not None:
            refunds.append(refund)
    if failure is not None:
        raise failure
    return CancelOutcome(order=order, shop_orders=shop_orders, refunds=refunds)


def orders_cancel_unpaid_at_counter(*, now: datetime, limit: int = 200) -> int:
    """Cancel orders placed to be paid in cash at the village counter that nobody paid
    within COUNTER_PAYMENT_DAYS (default 3): their stock and booking days go back on sale
    and their cash attempts are closed. Returns how many orders were cancelled.

    The system acts (`as_system`, no actor): it may cancel only what nobody paid anything
    for, re-checked under the order's lock, so cash confirmed at the counter meanwhile
    wins. Orders of which a shop has handed something over are left alone (for a counter
    order the handover is when the cash is taken, so a person settles those). At most
    `limit` orders per run; the periodic task runs again."""
    days = counter_payment_days()
    reason = f"Not paid at the counter within {days} days"
    due = list(
        Order.objects.filter(
            status=OrderStatus.UNFULFILLED,
            charge_status=OrderChargeStatus.NONE,
            created_at__lte=now - timedelta(days=days),
            checkout_token__in=TransactionItem.objects.filter(
                gateway_id=GatewayId.CASH, status=TransactionStatus.PENDING
            ).values("checkout_id"),
        )
        .only("pk")
        .order_by("created_at")[:limit]
    )
    cancelled = 0
    for order in due:
        try:
            _cancel_closing_cash(
                order_id=order.pk,
                cancel=partial(
                    order_cancel, actor=None, order=order, reason=reason, as_system=True
                ),
                why="not paid at the counter in time",
            )
        except ValidationError as exc:  # paid or handed over meanwhile: not ours to cancel
            logger.info("Counter order %s left as it is: %s", order.pk, " ".join(exc.messages))
            continue
        cancelled += 1
    return cancelled
