"""`shopOrderFulfill`: a shop hands over its own part of an order, nobody else's."""

from __future__ import annotations

import pytest

from marketplace.accounts.models import Role
from marketplace.inventory.models import Stock
from tests import factories
from tests.api_checkout.conftest import gid, placed_order

pytestmark = pytest.mark.django_db

FULFIL = """mutation($id: ID!, $t: String) { shopOrderFulfill(id: $id, trackingNumber: $t) {
    shopOrder { status } errors { field message code } } }"""


def test_the_shops_manager_fulfils_and_stock_leaves(gql, channel, tea_shop, tea):
    order = placed_order(channel, tea)
    shop_order_id = gid("ShopOrder", order.shop_orders.get().pk)
    gql.login(factories.user(role=Role.SHOP_MANAGER, shop_obj=tea_shop))
    done = gql.data(FULFIL, {"id": shop_order_id, "t": "SF100"})["shopOrderFulfill"]
    assert done == {"shopOrder": {"status": "FULFILLED"}, "errors": []}
    stock = Stock.objects.get(product_variant=tea)
    assert stock.quantity_allocated == 0
    again = gql.data(FULFIL, {"id": shop_order_id})["shopOrderFulfill"]
    assert again["errors"] == [] and Stock.objects.get(pk=stock.pk).quantity == stock.quantity


def test_refusals(gql, channel, tea_shop, honey_shop, tea):
    order = placed_order(channel, tea)
    shop_order_id = gid("ShopOrder", order.shop_orders.get().pk)
    anonymous = gql(FULFIL, {"id": shop_order_id})
    assert anonymous["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    gql.login(factories.user(role=Role.SHOP_MANAGER, shop_obj=honey_shop))
    other_village = gql(FULFIL, {"id": shop_order_id})
    assert other_village["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    wrong_type = gql.data(FULFIL, {"id": gid("Product", 1)})["shopOrderFulfill"]
    assert wrong_type["errors"][0]["code"] == "GRAPHQL_ERROR"
    assert order.shop_orders.get().status == "UNFULFILLED"
