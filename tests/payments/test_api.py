"""The payment API: paymentGatewayInitialize, transactionInitialize (Saleor's payloads and
error codes) and the staff extensions shopOrderRefund / shopOrderRefunds."""

from __future__ import annotations

from base64 import b64encode
from decimal import Decimal

import pytest
from django.test import Client

from marketplace.accounts.models import Role
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.orders.models import ShopOrder
from marketplace.payments.initialize import transaction_initialize
from marketplace.payments.models import TransactionItem
from marketplace.payments.notify import alipay_notification_handle
from tests import factories
from tests.api.conftest import GraphQLClient
from tests.payments.conftest import ready_checkout

pytestmark = pytest.mark.django_db


@pytest.fixture
def gql(db) -> GraphQLClient:
    return GraphQLClient(Client())


def gid(type_name: str, pk: object) -> str:
    return b64encode(f"{type_name}:{pk}".encode()).decode()


GATEWAYS = """
mutation($id: ID!, $gateways: [PaymentGatewayToInitialize!]) {
  paymentGatewayInitialize(id: $id, paymentGateways: $gateways) {
    gatewayConfigs { id data errors { field code } }
    errors { field code message }
  }
}"""

INITIALIZE = """
mutation($id: ID!, $gateway: PaymentGatewayToInitialize!, $amount: PositiveDecimal,
         $action: TransactionFlowStrategyEnum) {
  transactionInitialize(id: $id, paymentGateway: $gateway, amount: $amount, action: $action) {
    transaction {
      id token pspReference name actions
      chargedAmount { amount currency } chargePendingAmount { amount }
      events { type amount { amount } pspReference }
    }
    transactionEvent { type amount { amount } }
    data
    errors { field code message }
  }
}"""

REFUND = """
mutation($id: ID!, $amount: PositiveDecimal, $reason: String!) {
  shopOrderRefund(shopOrderId: $id, amount: $amount, reason: $reason) {
    refund { outRequestNo status amount { amount } reason }
    transaction { refundedAmount { amount } actions }
    errors { field code message }
  }
}"""

REFUNDS = """
query($id: ID!) { shopOrderRefunds(shopOrderId: $id) { outRequestNo status amount { amount } } }
"""


def test_payment_gateway_initialize_lists_what_the_channel_offers(gql, channel, alipay_sandbox):
    checkout = ready_checkout(channel)
    data = gql.data(GATEWAYS, {"id": gid("Checkout", checkout.pk)})["paymentGatewayInitialize"]
    assert data["errors"] == []
    [alipay] = data["gatewayConfigs"]
    assert alipay["id"] == "ruralmart.payments.alipay"
    assert (
        alipay["data"]["methods"] == ["PAGE", "WAP", "QR"] and alipay["data"]["amount"] == "60.00"
    )

    asked = gql.data(
        GATEWAYS,
        {"id": gid("Checkout", checkout.pk), "gateways": [{"id": "ruralmart.payments.cash"}]},
    )["paymentGatewayInitialize"]
    assert asked["gatewayConfigs"] == [
        {
            "id": "ruralmart.payments.cash",
            "data": None,
            "errors": [{"field": "id", "code": "NOT_FOUND"}],
        }
    ]
    counter = ready_checkout(factories.channel("village-counter"))
    ids = [
        c["id"]
        for c in gql.data(GATEWAYS, {"id": gid("Checkout", counter.pk)})[
            "paymentGatewayInitialize"
        ]["gatewayConfigs"]
    ]
    assert ids == ["ruralmart.payments.alipay", "ruralmart.payments.cash"]


def test_transaction_initialize_returns_pay_url_and_saleor_payload(gql, channel, alipay_sandbox):
    checkout = ready_checkout(channel)
    payload = gql.data(
        INITIALIZE,
        {
            "id": gid("Checkout", checkout.pk),
            "gateway": {"id": "ruralmart.payments.alipay", "data": {"method": "PAGE"}},
        },
    )["transactionInitialize"]
    assert payload["errors"] == []
    tx = TransactionItem.objects.get()
    item = payload["transaction"]
    assert item["id"] == gid("TransactionItem", tx.token) and item["token"] == str(tx.token)
    assert item["pspReference"] == tx.psp_reference == payload["data"]["outTradeNo"]
    assert item["chargedAmount"] == {"amount": 0.0, "currency": "CNY"}
    assert item["chargePendingAmount"] == {"amount": 60.0}
    assert item["actions"] == ["CANCEL"]
    assert item["events"] == [
        {"type": "CHARGE_REQUEST", "amount": {"amount": 60.0}, "pspReference": tx.psp_reference}
    ]
    assert payload["transactionEvent"] == {"type": "CHARGE_REQUEST", "amount": {"amount": 60.0}}
    assert payload["data"]["payUrl"].startswith(alipay_sandbox.gateway_url)

    qr = gql.data(
        INITIALIZE,
        {
            "id": gid("Checkout", checkout.pk),
            "gateway": {"id": "ruralmart.payments.alipay", "data": {"method": "QR"}},
            "amount": "10.50",
        },
    )["transactionInitialize"]
    assert qr["errors"] == [] and qr["data"]["qrCode"].startswith(alipay_sandbox.url)
    assert qr["transaction"]["chargePendingAmount"] == {"amount": 10.5}


@pytest.mark.parametrize(
    ("variables", "field", "code"),
    [
        ({"gateway": {"id": "ruralmart.payments.alipay", "data": {}}}, "paymentGateway", "INVALID"),
        ({"gateway": {"id": "ruralmart.payments.alipay"}}, "paymentGateway", "INVALID"),
        ({"gateway": {"id": "stripe"}}, "paymentGateway", "NOT_FOUND"),
        ({"gateway": {"id": "ruralmart.payments.cash"}}, "paymentGateway", "NOT_FOUND"),
        (
            {
                "gateway": {"id": "ruralmart.payments.alipay", "data": {"method": "QR"}},
                "amount": "999",
            },
            "amount",
            "INVALID",
        ),
        (
            {
                "gateway": {"id": "ruralmart.payments.alipay", "data": {"method": "QR"}},
                "action": "AUTHORIZATION",
            },
            "action",
            "INVALID",
        ),
        ({"id": "bm9wZQ==", "gateway": {"id": "ruralmart.payments.alipay"}}, "id", "NOT_FOUND"),
        ({"id": "%%%", "gateway": {"id": "ruralmart.payments.alipay"}}, "id", "NOT_FOUND"),
    ],
)
def test_transaction_initialize_refusals(gql, channel, alipay_sandbox, variables, field, code):
    checkout = ready_checkout(channel)
    payload = gql.data(INITIALIZE, {"id": gid("Checkout", checkout.pk), **variables})[
        "transactionInitialize"
    ]
    assert payload["transaction"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]
    assert not TransactionItem.objects.exists()


def test_negative_amount_is_a_graphql_error(gql, channel, alipay_sandbox):
    checkout = ready_checkout(channel)
    response = gql.raw(
        INITIALIZE,
        {
            "id": gid("Checkout", checkout.pk),
            "gateway": {"id": "ruralmart.payments.alipay", "data": {"method": "QR"}},
            "amount": "-1",
        },
    )
    assert response.status_code == 400
    assert "PositiveDecimal" in response.json()["errors"][0]["message"]
    assert not TransactionItem.objects.exists()


def test_shop_order_refund_for_staff_only(gql: GraphQLClient, channel, alipay_sandbox):
    checkout = ready_checkout(channel)
    result = transaction_initialize(
        checkout=checkout, gateway_id="ruralmart.payments.alipay", method="WAP"
    )
    alipay_sandbox.open_pay_url(result.data["payUrl"])
    params = alipay_sandbox.pay(result.transaction.psp_reference, deliver=False)
    assert alipay_notification_handle(params=params) == "success"
    order = checkout_complete(checkout=checkout)
    shop_order = ShopOrder.objects.get(order=order)
    variables = {"id": gid("ShopOrder", shop_order.pk), "amount": "15.00", "reason": "少发一罐"}

    anonymous = gql(REFUND, variables)
    assert anonymous["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    gql.login(factories.user(role=Role.SHOP_MANAGER, shop_obj=factories.shop()))
    assert gql(REFUND, variables)["errors"][0]["extensions"]["exception"]["code"] == (
        "PermissionDenied"
    )
    assert gql(REFUNDS, {"id": variables["id"]})["errors"]

    gql.login(factories.user(role=Role.SHOP_MANAGER, shop_obj=shop_order.shop))
    payload = gql.data(REFUND, variables)["shopOrderRefund"]
    assert payload["errors"] == []
    assert payload["refund"]["status"] == "SUCCESS" and payload["refund"]["amount"] == {
        "amount": 15.0
    }
    assert payload["transaction"] == {"refundedAmount": {"amount": 15.0}, "actions": ["REFUND"]}
    too_much = gql.data(REFUND, {**variables, "amount": "45.01", "reason": "rest"})
    assert [e["code"] for e in too_much["shopOrderRefund"]["errors"]] == ["AMOUNT_TOO_HIGH"]
    missing = gql.data(REFUND, {**variables, "id": gid("ShopOrder", 0)})["shopOrderRefund"]
    assert [(e["field"], e["code"]) for e in missing["errors"]] == [("shopOrderId", "NOT_FOUND")]

    listed = gql.data(REFUNDS, {"id": variables["id"]})["shopOrderRefunds"]
    assert [(r["status"], r["amount"]["amount"]) for r in listed] == [("SUCCESS", 15.0)]
    assert Decimal(listed[0]["amount"]["amount"]).quantize(Decimal("0.01")) == Decimal("15.00")
