"""`counterCashRefundable`: the counter's 退现金 lookup. An operator finds, by its order
number, a shop order of their shop whose cash went into their till, with what was paid,
what went back already and what is left (and, once cancelled, the policy amount), the
buyer masked; orders not paid into this till are not found; nobody but the supermarket's
operators may ask; the cost does not grow with the order's lines or refunds."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from marketplace.accounts.models import Role
from marketplace.orders.models import Order, OrderStatus
from marketplace.red_supermarket.counter.online_cash import counter_order_cash_refund
from tests import factories
from tests.red_supermarket.test_counter_order_cash_refund import REFUND, CashOrder, _gql_as

pytestmark = pytest.mark.django_db

LOOKUP = """query($s: ID!, $n: String!) { counterCashRefundable(supermarket: $s, number: $n) {
  shopOrderId orderNumber buyer cancelled paid { amount } refunded { amount } left { amount }
  policyAmount { amount } } }"""


def sid(world: CashOrder) -> str:
    return to_global_id("RedSupermarket", world.supermarket.pk)


def paid_in_cash(*, lines: int = 1) -> CashOrder:
    world = CashOrder(lines=lines)
    world.open_till("100.00")
    world.take_cash()
    return world


def look_up(world: CashOrder, number: str, user: Any = None) -> Any:
    gql = _gql_as(user or world.operator)
    return gql.data(LOOKUP, {"s": sid(world), "n": number})["counterCashRefundable"]


def test_the_operator_finds_a_cash_order_with_what_is_left_to_hand_back() -> None:
    world = paid_in_cash()
    number = str(world.order.number)

    found = look_up(world, f"#{number}")
    assert found == {
        "shopOrderId": world.shop_order_id(),
        "orderNumber": number,
        "buyer": "王** 尾号5678",
        "cancelled": False,
        "paid": {"amount": 30.0},
        "refunded": {"amount": 0.0},
        "left": {"amount": 30.0},
        "policyAmount": None,
    }

    counter_order_cash_refund(
        shop_order=world.shop_order,
        operator=world.operator,
        request_id=uuid.uuid4(),
        amount="12.50",
        reason="少了一袋",
    )
    after = look_up(world, number)
    assert after["refunded"] == {"amount": 12.5} and after["left"] == {"amount": 17.5}


def test_a_cancelled_order_shows_the_policy_amount_the_refund_then_hands_back() -> None:
    world = paid_in_cash()
    counter_order_cash_refund(
        shop_order=world.shop_order,
        operator=world.operator,
        request_id=uuid.uuid4(),
        amount="10.00",
    )
    Order.objects.filter(pk=world.order.pk).update(status=OrderStatus.CANCELED)

    found = look_up(world, str(world.order.number))
    assert found["cancelled"] is True
    assert found["policyAmount"] == {"amount": 20.0} == found["left"]

    answer = _gql_as(world.operator).data(
        REFUND, {"shopOrder": found["shopOrderId"], "requestId": str(uuid.uuid4())}
    )["counterOrderCashRefund"]
    assert answer["errors"] == [] and answer["refund"]["amount"] == {"amount": 20.0}


def test_orders_whose_cash_is_not_in_this_till_are_not_found() -> None:
    world = paid_in_cash()
    unpaid = CashOrder()  # its cash never taken
    elsewhere = paid_in_cash()  # another village's till
    for number in (
        str(unpaid.order.number),
        str(elsewhere.order.number),
        "999999999",
        "9" * 30,
        "abc",
        "",
    ):
        assert look_up(world, number) is None, number
    # Each is found by its own counter, once its cash is in that counter's till.
    assert look_up(elsewhere, str(elsewhere.order.number))["left"] == {"amount": 30.0}
    assert look_up(unpaid, str(unpaid.order.number)) is None


def test_only_the_supermarkets_operators_may_look_up() -> None:
    world = paid_in_cash()
    township = world.shop.village.township
    refused = [
        factories.user(role=Role.SHOP_MANAGER, shop_obj=world.shop),
        factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=township),
        factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=CashOrder().shop),
        factories.user(role=Role.BUYER),
    ]
    variables = {"s": sid(world), "n": str(world.order.number)}
    for user in [*refused, None]:
        body = _gql_as(user)(LOOKUP, variables)
        assert body["data"] is None or body["data"]["counterCashRefundable"] is None, user
        assert body["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied", user
        assert "王" not in str(body), user


def _queries(world: CashOrder) -> int:
    gql = _gql_as(world.operator)
    variables = {"s": sid(world), "n": str(world.order.number)}
    with CaptureQueriesContext(connection) as captured:
        assert gql.data(LOOKUP, variables)["counterCashRefundable"] is not None
    return len(captured)


def test_the_lookup_costs_the_same_for_one_line_or_many_with_refunds() -> None:
    small = paid_in_cash(lines=1)
    large = paid_in_cash(lines=6)
    for _ in range(3):
        counter_order_cash_refund(
            shop_order=large.shop_order,
            operator=large.operator,
            request_id=uuid.uuid4(),
            amount="5.00",
        )
    assert _queries(small) == _queries(large)
