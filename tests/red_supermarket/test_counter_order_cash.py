"""`counterOrderCashConfirm`: the operator of a shop in an online counter order takes the
cash and the order is charged, once; other shops' operators and non-operators are refused;
where the shop hosts a Red Supermarket, only with its till shift open."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from graphql_relay import to_global_id

from marketplace.accounts.models import Role
from marketplace.checkout import services as checkout_services
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.payments.initialize import transaction_initialize
from marketplace.payments.models import GatewayId, TransactionStatus
from marketplace.red_supermarket.counter.services import till_shift_open
from tests import factories
from tests.api.conftest import GraphQLClient
from tests.checkout import helpers
from tests.checkout.helpers import goods, line

pytestmark = pytest.mark.django_db

CONFIRM = """mutation($id: ID!) { counterOrderCashConfirm(id: $id) {
  transaction { chargedAmount { amount } } errors { field code } } }"""


def test_the_orders_operator_confirms_cash_once_and_others_are_refused() -> None:
    counter = factories.channel("village-counter")
    shop = helpers.shop_with_delivery()
    tea = goods(shop=shop, channel=counter, stock=10)
    checkout = checkout_services.checkout_create(
        channel=counter, email="villager@example.cn", lines=[line(tea, 2)]
    )
    checkout = helpers.ready(checkout, method="pickup", pay=False)
    tx = transaction_initialize(checkout=checkout, gateway_id=GatewayId.CASH).transaction
    checkout_complete(checkout=checkout, allow_unpaid=True)
    tx_id = to_global_id("TransactionItem", str(tx.token))
    gql = GraphQLClient(Client())

    gql.login(factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=factories.shop()))
    body = gql(CONFIRM, {"id": tx_id})
    assert body["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    gql.headers.clear()
    gql.login(factories.user(role=Role.SHOP_MANAGER, shop_obj=shop))
    assert gql(CONFIRM, {"id": tx_id})["errors"][0]["extensions"]["exception"]["code"] == (
        "PermissionDenied"
    )
    tx.refresh_from_db()
    assert tx.status == TransactionStatus.PENDING

    gql.headers.clear()
    gql.login(factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=shop))
    first = gql.data(CONFIRM, {"id": tx_id})["counterOrderCashConfirm"]
    again = gql.data(CONFIRM, {"id": tx_id})["counterOrderCashConfirm"]
    assert first["errors"] == [] and again["errors"] == []
    assert first["transaction"]["chargedAmount"] == again["transaction"]["chargedAmount"]
    assert first["transaction"]["chargedAmount"]["amount"] > 0
    tx.refresh_from_db()
    assert tx.status == TransactionStatus.CHARGED
    unknown = gql.data(
        CONFIRM, {"id": to_global_id("TransactionItem", "00000000-0000-0000-0000-000000000000")}
    )
    assert unknown["counterOrderCashConfirm"]["errors"] == [{"field": "id", "code": "NOT_FOUND"}]


def test_a_supermarket_takes_online_cash_only_into_an_open_till() -> None:
    counter = factories.channel("village-counter")
    shop = helpers.shop_with_delivery()
    supermarket = factories.red_supermarket(shop_obj=shop)
    tea = goods(shop=shop, channel=counter, stock=10)
    checkout = checkout_services.checkout_create(
        channel=counter, email="villager@example.cn", lines=[line(tea, 1)]
    )
    checkout = helpers.ready(checkout, method="pickup", pay=False)
    tx = transaction_initialize(checkout=checkout, gateway_id=GatewayId.CASH).transaction
    checkout_complete(checkout=checkout, allow_unpaid=True)
    tx_id = to_global_id("TransactionItem", str(tx.token))
    operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=shop)
    gql = GraphQLClient(Client())
    gql.login(operator)

    closed = gql.data(CONFIRM, {"id": tx_id})["counterOrderCashConfirm"]
    assert closed["errors"] == [{"field": "id", "code": "NO_OPEN_SHIFT"}]
    tx.refresh_from_db()
    assert tx.status == TransactionStatus.PENDING

    shift = till_shift_open(supermarket=supermarket, operator=operator, float_amount="100.00")
    taken = gql.data(CONFIRM, {"id": tx_id})["counterOrderCashConfirm"]
    assert taken["errors"] == []
    tx.refresh_from_db()
    assert tx.status == TransactionStatus.CHARGED
    # The close counts it: float plus this cash is what the drawer must hold.
    close = """mutation($id: ID!, $counted: String!) { tillShiftClose(id: $id,
      countedAmount: $counted) { shift { variance { amount } } errors { code } } }"""
    counted = str(Decimal("100.00") + tx.charged_amount)
    closed_shift = gql.data(close, {"id": to_global_id("TillShift", shift.pk), "counted": counted})
    assert closed_shift["tillShiftClose"]["errors"] == []
    assert closed_shift["tillShiftClose"]["shift"]["variance"]["amount"] == 0
    # A retry after the close answers the charge and takes nothing more.
    again = gql.data(CONFIRM, {"id": tx_id})["counterOrderCashConfirm"]
    assert again["errors"] == []
