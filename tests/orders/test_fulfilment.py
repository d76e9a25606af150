"""Each shop fulfils its own part of an order; stock leaves the warehouse exactly once."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from marketplace.accounts.models import Role
from marketplace.checkout import services as checkout_services
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.core.errors import PermissionRefused
from marketplace.inventory.models import Allocation, Stock
from marketplace.orders.lifecycle import shop_order_fulfil
from marketplace.orders.models import OrderEvent, OrderStatus, ShopOrder
from tests import factories
from tests.checkout import helpers
from tests.checkout.helpers import codes, goods, line

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_shop_order(channel):
    tea_shop = helpers.shop_with_delivery()
    nut_shop = helpers.shop_with_delivery()
    tea = goods(shop=tea_shop, channel=channel, stock=10)
    nuts = goods(shop=nut_shop, channel=channel, stock=5)
    checkout = checkout_services.checkout_create(
        channel=channel, email="buyer@example.cn", lines=[line(tea, 3), line(nuts, 2)]
    )
    order = checkout_complete(checkout=helpers.ready(checkout))
    return order, tea_shop, nut_shop, tea, nuts


def test_a_shop_fulfils_its_own_part_and_stock_leaves(two_shop_order):
    order, tea_shop, nut_shop, tea, _ = two_shop_order
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=tea_shop)
    tea_part = ShopOrder.objects.get(order=order, shop=tea_shop)

    shop_order_fulfil(shop_order=tea_part, actor=manager, tracking_number="SF1234567890")

    stock = Stock.objects.get(product_variant=tea)
    assert (stock.quantity, stock.quantity_allocated) == (7, 0)
    assert not Allocation.objects.filter(order_line__shop_order=tea_part).exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_FULFILLED
    event = OrderEvent.objects.get(order=order, type="FULFILLMENT_FULFILLED_ITEMS")
    assert event.shop == tea_shop and event.parameters["tracking_number"] == "SF1234567890"

    # Again: nothing more leaves the warehouse.
    shop_order_fulfil(shop_order=tea_part, actor=manager)
    assert Stock.objects.get(product_variant=tea).quantity == 7
    assert OrderEvent.objects.filter(order=order, type="FULFILLMENT_FULFILLED_ITEMS").count() == 1

    nut_manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=nut_shop)
    shop_order_fulfil(
        shop_order=ShopOrder.objects.get(order=order, shop=nut_shop), actor=nut_manager
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED


def test_another_villages_manager_is_refused_and_nothing_changes(two_shop_order):
    order, tea_shop, nut_shop, tea, _ = two_shop_order
    stranger = factories.user(role=Role.SHOP_MANAGER, shop_obj=nut_shop)
    with pytest.raises(PermissionRefused):
        shop_order_fulfil(
            shop_order=ShopOrder.objects.get(order=order, shop=tea_shop), actor=stranger
        )
    assert Stock.objects.get(product_variant=tea).quantity_allocated == 3


def _unpaid_order(channel):
    """An order placed unpaid (one tea), and its shop's manager."""
    shop = helpers.shop_with_delivery()
    tea = goods(shop=shop, channel=channel, stock=10)
    checkout = checkout_services.checkout_create(
        channel=channel, email="buyer@example.cn", lines=[line(tea, 1)]
    )
    order = checkout_complete(checkout=helpers.ready(checkout, pay=False), allow_unpaid=True)
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=shop)
    return order, tea, manager


def test_an_unpaid_order_is_not_fulfilled(channel):
    order, _tea, manager = _unpaid_order(channel)
    with pytest.raises(ValidationError) as refused:
        shop_order_fulfil(shop_order=order.shop_orders.get(), actor=manager)
    assert codes(refused) == ["cannot_fulfill_unpaid_order"]
    assert order.shop_orders.get().status == OrderStatus.UNFULFILLED


def test_an_unpaid_order_is_fulfilled_when_the_caller_allows_it(channel):
    # What the API and admin say for an order the buyer pays at the counter on handover;
    # orders itself knows nothing of payments.
    order, tea, manager = _unpaid_order(channel)
    shop_order_fulfil(shop_order=order.shop_orders.get(), actor=manager, allow_unpaid=True)
    assert order.shop_orders.get().status == OrderStatus.FULFILLED
    assert Stock.objects.get(product_variant=tea).quantity == 9
