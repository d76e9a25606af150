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
)
from marketplace.organisations.models import Shop


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
