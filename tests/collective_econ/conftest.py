"""Sold, paid and fulfilled orders built row by row, so settlement tests control every
amount, the payment gateway and how long ago the shop order was fulfilled."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from marketplace.orders.models import (
    Order,
    OrderChargeStatus,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderStatus,
    ShopOrder,
)
from marketplace.payments.models import GatewayId, PaymentMethod, TransactionItem, TransactionStatus
from tests import factories
from tests.api.conftest import gql  # noqa: F401  (fixture: the register API tests)


@dataclass
class Sold:
    order: Order
    shop_order: ShopOrder
    lines: list[OrderLine] = field(default_factory=list)


def sell(
    *,
    shop: Any,
    lines: list[tuple[str, int, Any]],
    shipping: str = "0.00",
    discount: str = "0.00",
    gateway: str = GatewayId.ALIPAY,
    fulfilled_days_ago: int | None = 30,
    channel_slug: str = "urban-retail",
) -> Sold:
    """One paid order at `shop`: `lines` are (unit price, quantity, household or None)."""
    subtotal = sum((Decimal(p) * q for p, q, _ in lines), Decimal("0.00"))
    total = subtotal + Decimal(shipping) - Decimal(discount)
    status = OrderStatus.FULFILLED if fulfilled_days_ago is not None else OrderStatus.UNFULFILLED
    amounts = {
        "subtotal_amount": subtotal,
        "shipping_amount": Decimal(shipping),
        "discount_amount": Decimal(discount),
        "total_amount": total,
    }
    order = Order.objects.create(
        channel=factories.channel(channel_slug),
        status=status,
        charge_status=OrderChargeStatus.FULL,
        charged_amount=total,
        **amounts,
    )
    shop_order = ShopOrder.objects.create(order=order, shop=shop, status=status, **amounts)
    sold = Sold(order, shop_order)
    for i, (price, quantity, household) in enumerate(lines):
        sold.lines.append(
            OrderLine.objects.create(
                shop_order=shop_order,
                product_name=f"茶{i}",
                product_sku=f"SKU-{shop_order.pk}-{i}",
                offering_kind="PRODUCE",
                quantity=quantity,
                unit_price_amount=Decimal(price),
                total_price_amount=Decimal(price) * quantity,
                beneficiary_kind="HOUSEHOLD" if household else "COLLECTIVE",
                beneficiary_household=household,
            )
        )
    method = {
        GatewayId.ALIPAY: PaymentMethod.QR,
        GatewayId.CASH: PaymentMethod.CASH,
        GatewayId.DEMO: PaymentMethod.DEMO,
    }[gateway]
    TransactionItem.objects.create(
        gateway_id=gateway,
        method=method,
        psp_reference=f"RM{order.pk.hex[:24]}",
        status=TransactionStatus.CHARGED,
        order=order,
        amount=total,
        charged_amount=total,
    )
    if fulfilled_days_ago is not None:
        event = OrderEvent.objects.create(
            order=order, type=OrderEventType.FULFILLMENT_FULFILLED_ITEMS, shop=shop
        )
        OrderEvent.objects.filter(pk=event.pk).update(
            date=timezone.now() - timedelta(days=fulfilled_days_ago)
        )
    return sold


@dataclass
class Village:
    village: Any
    shop: Any
    household: Any
    other_household: Any


@pytest.fixture
def village(db: Any) -> Village:
    shop = factories.shop()
    return Village(
        village=shop.village,
        shop=shop,
        household=factories.household(village_obj=shop.village),
        other_household=factories.household(village_obj=shop.village),
    )
