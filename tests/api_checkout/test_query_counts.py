"""The number of SQL queries must not grow with the number of lines or orders (no N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.accounts.models import Role
from marketplace.checkout import services as checkout_services
from tests import factories
from tests.api_checkout.conftest import CHECKOUT_FIELDS, gid, placed_order
from tests.checkout import helpers

pytestmark = pytest.mark.django_db


def _count(gql, query, variables=None):
    with CaptureQueriesContext(connection) as ctx:
        body = gql(query, variables or {})
    assert "errors" not in body, body.get("errors")
    return len(ctx.captured_queries), body


QUERY = "query($id: ID) { checkout(id: $id) { " + CHECKOUT_FIELDS + " } }"


def _checkout(channel, variants):
    checkout = checkout_services.checkout_create(
        channel=channel, lines=[helpers.line(v, 1) for v in variants], email="a@b.cn"
    )
    return gid("Checkout", checkout.token)


def test_checkout_lines_query_count_is_the_same_for_1_and_20_lines(gql, channel):
    shops = [helpers.shop_with_delivery() for _ in range(4)]
    variants = [helpers.goods(shop=shops[i % 4], channel=channel) for i in range(20)]
    one = _checkout(channel, [variants[0]])
    twenty = _checkout(channel, variants)
    few, body_few = _count(gql, QUERY, {"id": one})
    many, body_many = _count(gql, QUERY, {"id": twenty})
    assert len(body_few["data"]["checkout"]["lines"]) == 1
    assert len(body_many["data"]["checkout"]["lines"]) == 20
    assert few == many


ORDER_FIELDS = """
    number status total { gross { amount } } user { email }
    lines { productName variant { sku product { name } } booking { guests } }
    events { type user { email } }
    voucher { code } deliveryMethod { ... on ShippingMethod { name } }
    shopOrders { shop { name slug } status total { gross { amount } } lines { productSku }
                 deliveryMethod { name } number }
"""


def test_me_orders_query_count_is_constant(gql, channel):
    buyer = factories.user()
    shops = [helpers.shop_with_delivery() for _ in range(3)]
    for shop in shops:
        placed_order(channel, helpers.goods(shop=shop, channel=channel), user=buyer)
    gql.login(buyer)
    query = "{ me { orders(first: %d) { edges { node { " + ORDER_FIELDS + " } } } } }"
    few, _ = _count(gql, query % 1)
    many, body = _count(gql, query % 3)
    assert len(body["data"]["me"]["orders"]["edges"]) == 3
    assert few == many


def test_shop_orders_query_count_is_constant(gql, channel):
    shop = helpers.shop_with_delivery()
    for _ in range(3):
        placed_order(channel, helpers.goods(shop=shop, channel=channel))
    gql.login(factories.user(role=Role.SHOP_MANAGER, shop_obj=shop))
    query = (
        "{ shopOrders(first: %d) { edges { node { shop { name } number status "
        "lines { productSku variant { sku } } deliveryMethod { name } total { gross { amount } } "
        "} } } }"
    )
    few, _ = _count(gql, query % 1)
    many, body = _count(gql, query % 3)
    assert len(body["data"]["shopOrders"]["edges"]) == 3
    assert few == many
