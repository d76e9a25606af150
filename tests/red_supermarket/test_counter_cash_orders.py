"""`counterCashOrders`: the online orders waiting for their cash at a Red Supermarket, for
its operators (and its township's officers), the buyer masked, searchable by order number
or a scan of it, at a cost that does not grow with the page."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from marketplace.accounts.models import Role
from marketplace.orders.models import Order, OrderStatus
from marketplace.payments.models import TransactionItem
from marketplace.red_supermarket.counter.online_cash_orders import buyer_masked, mask_email
from marketplace.red_supermarket.counter.services import till_shift_open
from tests import factories
from tests.api.conftest import GraphQLClient
from tests.red_supermarket.counter_world import Counter, counter_world, online_cash_order

pytestmark = pytest.mark.django_db

ORDERS = """query($s: ID!, $q: String, $first: Int = 20, $after: String) {
  counterCashOrders(supermarket: $s, search: $q, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { transactionId reference orderId orderNumber createdAt amountDue { amount }
      lines { productName variantName quantity } linesSummary buyer } } } }"""
CONFIRM = """mutation($id: ID!) { counterOrderCashConfirm(id: $id) {
  transaction { chargedAmount { amount } } errors { field code } } }"""


def sid(world: Counter) -> str:
    return to_global_id("RedSupermarket", world.supermarket.pk)


def order_of(tx: TransactionItem) -> Order:
    assert tx.checkout is not None and tx.checkout.order_id is not None
    return Order.objects.get(pk=tx.checkout.order_id)


def nodes(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in body["counterCashOrders"]["edges"]]


@pytest.fixture
def world() -> Counter:
    return counter_world(goods=2)


@pytest.fixture
def gql() -> GraphQLClient:
    return GraphQLClient(Client())


def test_the_operator_sees_the_orders_awaiting_cash_with_the_buyer_masked(world, gql) -> None:
    first = online_cash_order(world, world.goods[0], quantity=2)
    second = online_cash_order(world, world.goods[1], email="zhao@example.cn")
    # Another village's counter order is not this counter's business.
    elsewhere = counter_world(goods=1)
    online_cash_order(elsewhere, elsewhere.goods[0])
    gql.login(world.operator)

    body = gql.data(ORDERS, {"s": sid(world)})
    listed = nodes(body)
    assert body["counterCashOrders"]["totalCount"] == 2
    assert [n["transactionId"] for n in listed] == [
        to_global_id("TransactionItem", str(tx.token)) for tx in (first, second)
    ]
    top = listed[0]
    order = order_of(first)
    assert top["orderNumber"] == str(order.number)
    assert top["orderId"] == to_global_id("Order", str(order.pk))
    assert top["reference"] == first.psp_reference
    assert top["amountDue"]["amount"] == float(first.amount) > 0
    assert top["lines"] == [{"productName": "日用品0", "variantName": "规格0", "quantity": 2}]
    assert top["linesSummary"] == "日用品0 × 2"
    # helpers.ADDRESS: 王小明, +8613812345678. Neither the full phone nor the e-mail shows.
    assert top["buyer"] == "王** 尾号5678"
    text = str(body)
    assert "13812345678" not in text and "villager@" not in text and "小明" not in text


def test_a_charged_or_cancelled_order_leaves_the_list(world, gql) -> None:
    taken = online_cash_order(world, world.goods[0])
    cancelled = online_cash_order(world, world.goods[0])
    waiting = online_cash_order(world, world.goods[1])
    Order.objects.filter(pk=order_of(cancelled).pk).update(status=OrderStatus.CANCELED)
    till_shift_open(supermarket=world.supermarket, operator=world.operator, float_amount="0")
    gql.login(world.operator)
    confirmed = gql.data(CONFIRM, {"id": to_global_id("TransactionItem", str(taken.token))})
    assert confirmed["counterOrderCashConfirm"]["errors"] == []

    listed = nodes(gql.data(ORDERS, {"s": sid(world)}))
    assert [n["reference"] for n in listed] == [waiting.psp_reference]


@pytest.mark.parametrize("typed", ["{number}", "#{number}", " {number}\n", "{reference}"])
def test_the_search_finds_one_order_by_its_number_or_its_scanned_code(
    world, gql, typed: str
) -> None:
    online_cash_order(world, world.goods[0])
    wanted = online_cash_order(world, world.goods[1])
    online_cash_order(world, world.goods[0])
    gql.login(world.operator)
    search = typed.format(number=order_of(wanted).number, reference=wanted.psp_reference.lower())

    listed = nodes(gql.data(ORDERS, {"s": sid(world), "q": search}))
    assert [n["reference"] for n in listed] == [wanted.psp_reference]


def test_a_search_matching_no_order_is_an_empty_page(world, gql) -> None:
    online_cash_order(world, world.goods[0])
    gql.login(world.operator)
    for search in ("999999999", "9" * 30, "CASH-nope", "²"):
        assert nodes(gql.data(ORDERS, {"s": sid(world), "q": search})) == []


def test_the_list_pages_with_a_cursor(world, gql) -> None:
    made = [online_cash_order(world, world.goods[0]) for _ in range(3)]
    gql.login(world.operator)
    page1 = gql.data(ORDERS, {"s": sid(world), "first": 2})["counterCashOrders"]
    assert page1["pageInfo"]["hasNextPage"] is True
    page2 = gql.data(
        ORDERS, {"s": sid(world), "first": 2, "after": page1["pageInfo"]["endCursor"]}
    )["counterCashOrders"]
    seen = [e["node"]["reference"] for e in page1["edges"] + page2["edges"]]
    assert seen == [tx.psp_reference for tx in made]
    assert page2["pageInfo"]["hasNextPage"] is False


def test_township_staff_read_masked_and_everyone_else_is_refused(world, gql) -> None:
    online_cash_order(world, world.goods[0])
    shop = world.supermarket.shop
    township = shop.village.township
    officer = factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=township)
    gql.login(officer)
    listed = nodes(gql.data(ORDERS, {"s": sid(world)}))
    assert [n["buyer"] for n in listed] == ["王** 尾号5678"]

    refused = [
        factories.user(role=Role.SHOP_MANAGER, shop_obj=shop),
        factories.user(
            role=Role.SUPERMARKET_OPERATOR, shop_obj=counter_world(goods=0).supermarket.shop
        ),
        factories.user(role=Role.COUNTY_OFFICER, county_obj=township.county),
        factories.user(role=Role.BUYER),
        factories.user(),
    ]
    for user in refused:
        gql.headers.clear()
        gql.login(user)
        body = gql(ORDERS, {"s": sid(world)})
        assert body["data"] is None or body["data"]["counterCashOrders"] is None, user
        assert body["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied", user
    gql.headers.clear()
    anonymous = gql(ORDERS, {"s": sid(world)})
    assert anonymous["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"


def _statements(gql: GraphQLClient, world: Counter) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        body = gql.data(ORDERS, {"s": sid(world), "first": 20})
    return len(ctx.captured_queries), len(nodes(body))


def test_the_list_costs_the_same_for_2_and_12_orders(world, gql) -> None:
    gql.login(world.operator)
    for _ in range(2):
        online_cash_order(world, world.goods[0])
    few, listed_few = _statements(gql, world)
    for i in range(10):
        online_cash_order(world, world.goods[i % 2], quantity=1 + i % 3)
    many, listed_many = _statements(gql, world)
    assert (listed_few, listed_many) == (2, 12)
    assert few == many


def test_buyer_masking_never_shows_a_whole_contact() -> None:
    order = Order(user_email="villager@example.cn", shipping_address=None)
    assert buyer_masked(order=order) == "v***@example.cn"
    order.shipping_address = {"last_name": "李", "first_name": "", "phone": "138"}
    assert buyer_masked(order=order) == "李* v***@example.cn"
    assert buyer_masked(order=Order(user_email="")) == "匿名买家"
    assert mask_email("not-an-email") == "***"
