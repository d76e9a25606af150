"""Writes to orders after they are placed. Orders themselves are created only by
`marketplace.checkout.services.checkout_complete`.

For payments: `order_mark_charged` keeps an order's charge status in step with what was
charged (idempotent: pass the running total, not the latest payment).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import transaction

from marketplace.accounts.models import User
from marketplace.core.errors import refuse
from marketplace.orders.error_codes import OrderErrorCode
from marketplace.orders.models import (
    Order,
    OrderChargeStatus,
    OrderEvent,
    OrderEventType,
    OrderStatus,
    ShopOrder,
)
from marketplace.organisations.models import Shop

TRACKING_NUMBER_MAX_LENGTH = 255


def order_charge_status_for(*, charged: Decimal, total: Decimal) -> str:
    if charged <= 0:
        return OrderChargeStatus.FULL if total <= 0 else OrderChargeStatus.NONE
    if charged < total:
        return OrderChargeStatus.PARTIAL
    return OrderChargeStatus.FULL if charged == total else OrderChargeStatus.OVERCHARGED


@transaction.atomic
def order_mark_charged(*, order_id: UUID | str, amount: Decimal) -> Order:
    """Set the total charged on an order and its charge status; the first time it becomes
    fully paid an ORDER_FULLY_PAID event is recorded. Repeating a call changes nothing."""
    amount = Decimal(amount)
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise refuse("amount", f"{amount} is not a valid amount in yuan.", OrderErrorCode.INVALID)
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None:
        raise refuse("id", "No such order.", OrderErrorCode.NOT_FOUND)
    was_paid = order.charge_status in (OrderChargeStatus.FULL, OrderChargeStatus.OVERCHARGED)
    order.charged_amount = amount
    order.charge_status = order_charge_status_for(charged=amount, total=order.total_amount)
    order.save(update_fields=["charged_amount", "charge_status", "updated_at"])
    is_paid = order.charge_status in (OrderChargeStatus.FULL, OrderChargeStatus.OVERCHARGED)
    if is_paid and not was_paid:
        order_event_add(
            order=order, type=OrderEventType.ORDER_FULLY_PAID, parameters={"amount": str(amount)}
        )
    return order


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


def _fulfilment_status(statuses: list[str]) -> str:
    """The buyer-facing order's status from its shop orders' statuses."""
    if all(status == OrderStatus.FULFILLED for status in statuses):
        return OrderStatus.FULFILLED.value
    if any(status == OrderStatus.FULFILLED for status in statuses):
        return OrderStatus.PARTIALLY_FULFILLED.value
    return OrderStatus.UNFULFILLED.value


@transaction.atomic
def shop_order_fulfil(
    *, shop_order: ShopOrder, actor: User, tracking_number: str = ""
) -> ShopOrder:
    """The shop hands its part of the order over (ships it, or gives it out at the village
    station). Stock leaves the warehouse: each allocation's units come off both `quantity`
    and `quantity_allocated`. Repeating it changes nothing.

    Locks, in this order: the order row, the shop order row, then the stock rows by pk (the
    order checkout completion uses), so it cannot deadlock against a concurrent purchase.
    """
    from marketplace.accounts.permissions import can_manage_shop
    from marketplace.core.errors import PermissionRefused
    from marketplace.inventory.models import Allocation, Stock

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
    if order.charge_status not in (OrderChargeStatus.FULL, OrderChargeStatus.OVERCHARGED):
        from marketplace.payments.selectors import checkout_pays_at_counter

        # Cash at the village counter is paid on handover; everything else first.
        if not (
            order.checkout_token and checkout_pays_at_counter(checkout_id=order.checkout_token)
        ):
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
    order.status = _fulfilment_status(
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
    return locked
