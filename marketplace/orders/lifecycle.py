"""An order's life after it is placed: paid, handed over, cancelled. Orders themselves are
created only by `marketplace.checkout.complete_checkout.checkout_complete`.

Arrows point here: checkout places orders and payments pays, refunds and cancels them
through these functions; this module imports neither (tests/infra/test_import_graph.py).
What it needs to know of a payment is passed in (`allow_unpaid` on fulfilment), and its
side effects (the buyer's mail) are scheduled with `transaction.on_commit`.

For payments: `order_mark_charged` keeps an order's charge status in step with what was
charged (idempotent: pass the running total, not the latest payment). The status compares
what was charged with what the shop orders that are not cancelled cost, less what was
given back for cancelled ones, so a counter order of which one shop cancelled is FULL once
the rest is paid.

Shops hand their part over with `shop_order_fulfil` or call it off with `shop_order_cancel`
(`order_cancel` for a whole order). Locks, in this order: the order row, the shop order
rows, stock (pk), then booking holds (key) and days, as checkout completion does. Through
`marketplace.payments.cancellation.shop_order_cancel_and_refund` (the only caller of the
cancellations) the order's open cash attempts are locked before all of them, because
payments always locks transaction rows before the order row (`cash_payment_confirm` does),
so the two cannot deadlock.
Cancelling gives goods and booking days back but moves no money: the payments domain
refunds, because orders must not depend on payments.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.accounts.permissions import can_manage_shop, role_scopes
from marketplace.activity.services import activity_record_update
from marketplace.bookings.services import booking_cancel_many
from marketplace.core.errors import PermissionRefused, refuse
from marketplace.core.on_commit import delay_on_commit
from marketplace.inventory.models import Allocation, Stock
from marketplace.inventory.services import stock_deallocate
from marketplace.orders.error_codes import OrderErrorCode
from marketplace.orders.models import (
    Order,
    OrderChargeStatus,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderStatus,
    ShopOrder,
)
from marketplace.orders.selectors import order_line_hold_keys, order_live_total
from marketplace.orders.tasks import (
    send_order_canceled_notifications,
    send_order_placed_notifications,
)
from marketplace.organisations.models import Shop

logger = logging.getLogger("ruralmart.orders")

TRACKING_NUMBER_MAX_LENGTH = 255


def order_charge_status_for(*, charged: Decimal, total: Decimal) -> str:
    if charged <= 0:
        return OrderChargeStatus.FULL if total <= 0 else OrderChargeStatus.NONE
    if charged < total:
        return OrderChargeStatus.PARTIAL
    return OrderChargeStatus.FULL if charged == total else OrderChargeStatus.OVERCHARGED


@transaction.atomic
def order_mark_charged(
    *, order_id: UUID | str, amount: Decimal, returned: Decimal = Decimal("0.00")
) -> Order:
    """Set the total charged on an order and its charge status; the first time it becomes
    fully paid an ORDER_FULLY_PAID event is recorded. Repeating a call changes nothing.

    `amount` is the sum of all successful charges, `returned` what was refunded for shop
    orders since cancelled. While some shop order is live the status compares `amount -
    returned` with what the live shop orders cost: a cancelled part is neither owed nor
    (once given back) paid. With every shop order cancelled it compares `amount` with the
    order's total, as before any cancellation (payments leaves the status alone when an
    order becomes wholly cancelled, so it still says whether the buyer had paid)."""
    amount, returned = Decimal(amount), Decimal(returned)
    for value, field in ((amount, "amount"), (returned, "returned")):
        if value < 0 or value != value.quantize(Decimal("0.01")):
            raise refuse(field, f"{value} is not a valid amount in yuan.", OrderErrorCode.INVALID)
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None:
        raise refuse("id", "No such order.", OrderErrorCode.NOT_FOUND)
    was_paid = order.charge_status in (OrderChargeStatus.FULL, OrderChargeStatus.OVERCHARGED)
    order.charged_amount = amount
    live = order_live_total(order_id=order.pk)
    order.charge_status = (
        order_charge_status_for(charged=amount, total=order.total_amount)
        if live is None
        else order_charge_status_for(charged=max(amount - returned, Decimal("0.00")), total=live)
    )
    order.save(update_fields=["charged_amount", "charge_status", "updated_at"])
    is_paid = order.charge_status in (OrderChargeStatus.FULL, OrderChargeStatus.OVERCHARGED)
    if is_paid and not was_paid:
        order_event_add(
            order=order, type=OrderEventType.ORDER_FULLY_PAID, parameters={"amount": str(amount)}
        )
    return order


def order_placed_notify_on_commit(*, order_id: str) -> None:
    """Once the placing transaction commits, mail the buyer and each shop's managers (an
    order placed from a checkout; see `checkout_complete`)."""
    delay_on_commit(
        send_order_placed_notifications,
        order_id,
        logger=logger,
        failure=f"Could not schedule the notifications of order {order_id}",
    )


def order_event_add(
    *,
    order: Order,
    type: str,
    user: User | None = None,
    shop: Shop | None = None,
    parameters: dict[str, Any] | None = None,
) -> OrderEvent:
    """Append one entry to the order's history."""
    return OrderEvent.objects.create(
        order=order, type=type, user=user, shop=shop, parameters=parameters or {}
    )


def _order_status(statuses: list[str]) -> str:
    """The buyer-facing order's status from its shop orders' statuses.

    Cancelled shop orders drop out: the order is CANCELED only when every shop order is,
    and otherwise follows the shop orders that will still be handed over (one cancelled and
    one fulfilled is FULFILLED: everything the buyer will get has left)."""
    live = [status for status in statuses if status != OrderStatus.CANCELED]
    if not live:
        return OrderStatus.CANCELED.value
    if all(status == OrderStatus.FULFILLED for status in live):
        return OrderStatus.FULFILLED.value
    if any(status == OrderStatus.FULFILLED for status in live):
        return OrderStatus.PARTIALLY_FULFILLED.value
    return OrderStatus.UNFULFILLED.value


@transaction.atomic
def shop_order_fulfil(
    *, shop_order: ShopOrder, actor: User, tracking_number: str = "", allow_unpaid: bool = False
) -> ShopOrder:
    """The shop hands its part of the order over (ships it, or gives it out at the village
    station). Stock leaves the warehouse: each allocation's units come off both `quantity`
    and `quantity_allocated`. Repeating it changes nothing.

    An order not yet paid in full is refused (CANNOT_FULFILL_UNPAID_ORDER) unless
    `allow_unpaid`: the caller says so when the buyer pays cash at the village counter on
    handover (`marketplace.payments.selectors.order_pays_on_handover`), as it does for
    `checkout_complete`.

    Locks, in this order: the order row, the shop order row, then the stock rows by pk (the
    order checkout completion uses), so it cannot deadlock against a concurrent purchase.
    """
    if not can_manage_shop(user=actor, shop=shop_order.shop):
        raise PermissionRefused(f"Only the managers of {shop_order.shop} may fulfil its orders.")
    tracking_number = tracking_number.strip()
    # It is kept in the order's history (JSON), which cannot hold a NUL byte; the length is
    # Saleor's limit for a fulfilment's tracking number.
    if len(tracking_number) > TRACKING_NUMBER_MAX_LENGTH or "\x00" in tracking_number:
        raise refuse(
            "tracking_number",
            f"A tracking number has at most {TRACKING_NUMBER_MAX_LENGTH} characters and no "
            "null characters.",
            OrderErrorCode.INVALID,
        )
    order = Order.objects.select_for_update().get(pk=shop_order.order_id)
    locked = ShopOrder.objects.select_for_update().get(pk=shop_order.pk)
    if locked.status == OrderStatus.FULFILLED:
        return locked
    if locked.status != OrderStatus.UNFULFILLED:
        raise refuse(
            "status",
            f"A shop order that is {locked.get_status_display().lower()} cannot be fulfilled.",
            OrderErrorCode.INVALID,
        )
    paid = order.charge_status in (OrderChargeStatus.FULL, OrderChargeStatus.OVERCHARGED)
    if not paid and not allow_unpaid:
        raise refuse(
            None,
            f"Order #{order.number} is not paid yet; fulfil it once the payment arrives.",
            OrderErrorCode.CANNOT_FULFILL_UNPAID_ORDER,
        )
    allocations = list(
        Allocation.objects.filter(order_line__shop_order=locked).order_by("stock_id", "pk")
    )
    stocks = {
        stock.pk: stock
        for stock in Stock.objects.select_for_update()
        .filter(pk__in=[a.stock_id for a in allocations])
        .order_by("pk")
    }
    for allocation in allocations:
        stock = stocks[allocation.stock_id]
        stock.quantity -= allocation.quantity_allocated
        stock.quantity_allocated -= allocation.quantity_allocated
    Stock.objects.bulk_update(list(stocks.values()), ["quantity", "quantity_allocated"])
    Allocation.objects.filter(pk__in=[a.pk for a in allocations]).delete()
    # Plain values on the instances (as read from the database), which the API serialises.
    locked.status = OrderStatus.FULFILLED.value
    locked.save(update_fields=["status", "updated_at"])
    order.status = _order_status(
        list(ShopOrder.objects.filter(order=order).values_list("status", flat=True))
    )
    order.save(update_fields=["status", "updated_at"])
    order_event_add(
        order=order,
        type=OrderEventType.FULFILLMENT_FULFILLED_ITEMS,
        user=actor,
        shop=locked.shop,
        parameters={"tracking_number": tracking_number},
    )
    activity_record_update(user_id=actor.pk)
    return locked


# --- cancellation -------------------------------------------------------------------------

CANCEL_REASON_MAX_LENGTH = 255


def _check_cancel_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise refuse(
            "reason", "Say why the order is cancelled; the buyer is told.", OrderErrorCode.REQUIRED
        )
    # Kept in the order's history (JSON, which cannot hold a NUL byte) and on the refund.
    if len(reason) > CANCEL_REASON_MAX_LENGTH or "\x00" in reason:
        raise refuse(
            "reason",
            f"A reason has at most {CANCEL_REASON_MAX_LENGTH} characters and no null characters.",
            OrderErrorCode.INVALID,
        )
    return reason


def _check_system(actor: User | None, as_system: bool) -> bool:
    """Whether this is the system acting (a periodic task, nobody logged in). It is said
    explicitly, never inferred from a missing actor: `actor=None` alone is an anonymous
    caller and is refused like one."""
    if as_system and actor is not None:
        raise ValueError("A system cancellation has no actor; pass actor=None.")
    return as_system


def _refuse_uncancellable(
    order: Order, shop_orders: list[ShopOrder], lines: list[OrderLine], *, system: bool
) -> None:
    """Refuse (CANNOT_CANCEL_ORDER) unless nothing of these shop orders has left the shop,
    and, for the system, unless nobody has paid anything for the order. Rows locked."""
    for shop_order in shop_orders:
        if shop_order.status != OrderStatus.UNFULFILLED:
            raise refuse(
                None,
                f"Order #{order.number}: a shop order that is "
                f"{shop_order.get_status_display().lower()} cannot be cancelled.",
                OrderErrorCode.CANNOT_CANCEL_ORDER,
            )
    if any(line.quantity_fulfilled for line in lines):
        raise refuse(
            None,
            f"Order #{order.number}: part of it was handed over already; it cannot be cancelled.",
            OrderErrorCode.CANNOT_CANCEL_ORDER,
        )
    # The system never decides to give money back: a payment that arrived meanwhile (cash
    # confirmed at the counter while the sweep waited for the lock) wins, and a person
    # decides what happens to a paid order.
    if system and order.charged_amount > 0:
        raise refuse(
            None,
            f"Order #{order.number} has been paid (¥{order.charged_amount}); only the shop or "
            "a platform admin may cancel it, with a refund.",
            OrderErrorCode.CANNOT_CANCEL_ORDER,
        )


def _cancel_locked(
    *,
    order: Order,
    shop_orders: list[ShopOrder],
    lines: list[OrderLine],
    actor: User | None,
    reason: str,
    system: bool,
) -> None:
    """Cancel shop orders whose rows (and their order's) are locked and checked.

    Goods go back to stock and bookings give their days back, both with the full refund
    fixed (the shop cancels, the buyer owes nothing); then the statuses, one CANCELED event
    per shop order, and the buyer's notice after commit. The query count does not depend on
    the number of lines or shop orders."""
    # Stock rows (pk order), then holds (key order) and days: checkout completion's order.
    stock_deallocate(order_line_ids=[line.pk for line in lines])
    booking_keys = sorted(set(order_line_hold_keys(lines=lines).values()))
    if booking_keys:
        booking_cancel_many(keys=booking_keys, on_date=timezone.now(), refund_percent=100)
    ids = [shop_order.pk for shop_order in shop_orders]
    ShopOrder.objects.filter(pk__in=ids).update(
        status=OrderStatus.CANCELED.value, updated_at=timezone.now()
    )
    for shop_order in shop_orders:
        # Plain values on the instances (as read from the database), which the API serialises.
        shop_order.status = OrderStatus.CANCELED.value
    order.status = _order_status(
        list(ShopOrder.objects.filter(order=order).values_list("status", flat=True))
    )
    order.save(update_fields=["status", "updated_at"])
    OrderEvent.objects.bulk_create(
        OrderEvent(
            order=order,
            type=OrderEventType.CANCELED,
            user=actor if actor is not None and actor.is_authenticated else None,
            shop_id=shop_order.shop_id,
            parameters={"message": reason, "by": "system" if system else "staff"},
        )
        for shop_order in shop_orders
    )
    order_id = str(order.pk)
    delay_on_commit(
        send_order_canceled_notifications,
        order_id,
        ids,
        logger=logger,
        failure=f"Could not schedule the cancellation notice of order {order_id}",
    )


def _lines_of(shop_orders: list[ShopOrder]) -> list[OrderLine]:
    return list(
        OrderLine.objects.filter(shop_order__in=[so.pk for so in shop_orders])
        .only(
            "pk",
            "shop_order_id",
            "variant_id",
            "quantity_fulfilled",
            "booking_start_date",
            "booking_end_date",
            "booking_guests",
            "booking_hold_key",
        )
        .order_by("pk")
    )


@transaction.atomic
def shop_order_cancel(
    *, actor: User | None, shop_order: ShopOrder, reason: str, as_system: bool = False
) -> ShopOrder:
    """Cancel one shop's part of an order that will never be handed over (the buyer changed
    their mind before shipping, the shop cannot supply, a counter order never paid): its
    goods go back to stock and its bookings give their days back. Money is not this
    function's business: `marketplace.payments.cancellation.shop_order_cancel_and_refund` calls
    it and then refunds what was paid.

    Who: the shop's managers or a platform admin (PermissionRefused otherwise), or the
    system when `as_system` (with `actor=None`), which may cancel only an order nobody has
    paid anything for. What: only a shop order of which nothing was fulfilled; anything
    else is refused with CANNOT_CANCEL_ORDER, an empty reason with REQUIRED.

    Deliberately idempotent: cancelling a shop order that is already CANCELED returns it as
    it is, with no second event, stock release or notice, so a retry after a lost answer
    is always safe (and the payments orchestration can finish a refund on retry).

    Locks, in this order: the order row, the shop order row, then the stock rows by pk, the
    booking holds by key and their days (the order `checkout_complete` and
    `shop_order_fulfil` take), so it cannot deadlock against either and exactly one of a
    cancel and a fulfil of the same shop order wins.
    """
    system = _check_system(actor, as_system)
    if not system and not can_manage_shop(user=actor, shop=shop_order.shop):
        raise PermissionRefused(
            f"Only the managers of {shop_order.shop} or a platform admin may cancel its orders."
        )
    reason = _check_cancel_reason(reason)
    order = Order.objects.select_for_update().get(pk=shop_order.order_id)
    locked = ShopOrder.objects.select_for_update().get(pk=shop_order.pk)
    if locked.status == OrderStatus.CANCELED:
        return locked
    lines = _lines_of([locked])
    _refuse_uncancellable(order, [locked], lines, system=system)
    _cancel_locked(
        order=order, shop_orders=[locked], lines=lines, actor=actor, reason=reason, system=system
    )
    return locked


@transaction.atomic
def order_cancel(
    *, actor: User | None, order: Order, reason: str, as_system: bool = False
) -> Order:
    """Cancel every shop order of an order (Saleor's orderCancel): all or none.

    For platform admins (the order spans shops, so no one shop's manager decides for it),
    or the system when `as_system`, under the same rules as `shop_order_cancel`. Shop
    orders already cancelled are left as they are; if any other shop order was fulfilled
    the whole call is refused (CANNOT_CANCEL_ORDER) and nothing changes. Idempotent: an
    order whose shop orders are all cancelled is returned unchanged.

    Locks the order row, then its shop orders in pk order, then stock, holds and days as
    `shop_order_cancel` does.
    """
    system = _check_system(actor, as_system)
    if not system and not role_scopes(actor).is_platform_admin:
        raise PermissionRefused("Only a platform admin may cancel a whole order.")
    reason = _check_cancel_reason(reason)
    locked = Order.objects.select_for_update().get(pk=order.pk)
    shop_orders = list(ShopOrder.objects.select_for_update().filter(order=locked).order_by("pk"))
    open_ones = [so for so in shop_orders if so.status != OrderStatus.CANCELED]
    if not open_ones:
        return locked
    lines = _lines_of(open_ones)
    _refuse_uncancellable(locked, open_ones, lines, system=system)
    _cancel_locked(
        order=locked, shop_orders=open_ones, lines=lines, actor=actor, reason=reason, system=system
    )
    return locked
