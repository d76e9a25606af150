"""The demo gateway: Saleor's dummy payment app's flow (`saleor.io.dummy-payment-app`), as
Saleor's unmodified storefront drives it: paymentGatewayInitialize lists it,
transactionInitialize with no data charges, checkoutComplete places the order; a second
step through transactionProcess; refusals coded; off unless DEMO_PAYMENT_GATEWAY."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from marketplace.accounts.models import Role
from marketplace.checkout import services as checkout_services
from marketplace.payments.models import TransactionEvent, TransactionItem, TransactionStatus
from tests import factories
from tests.api.conftest import GraphQLClient
from tests.payments.conftest import ready_checkout
from tests.payments.test_api import GATEWAYS, gid

pytestmark = pytest.mark.django_db

DEMO = "saleor.io.dummy-payment-app"

# The storefront's own shapes: it sends `checkoutId`-less `id` and no gateway data.
INITIALIZE = """
mutation($id: ID!, $gateway: PaymentGatewayToInitialize!, $key: String) {
  transactionInitialize(id: $id, paymentGateway: $gateway, idempotencyKey: $key) {
    transaction { id token pspReference chargedAmount { amount } }
    transactionEvent { type }
    data
    errors { field code message }
  }
}"""

PROCESS = """
mutation($id: ID, $token: UUID, $data: JSON) {
  transactionProcess(id: $id, token: $token, data: $data) {
    transaction { token chargedAmount { amount } }
    transactionEvent { type }
    data
    errors { field code message }
  }
}"""

COMPLETE = """
mutation($id: ID!) { checkoutComplete(id: $id) {
  order { id number chargeStatus isPaid total { gross { amount } } }
  errors { field code message }
} }"""

CHARGE_STATUS = "query($id: ID!) { checkout(id: $id) { chargeStatus totalBalance { amount } } }"


@pytest.fixture
def gql(db) -> GraphQLClient:
    return GraphQLClient(Client())


@pytest.fixture
def demo_on(settings):
    settings.DEMO_PAYMENT_GATEWAY = True


def _initialize(gql, checkout, data=None, key=None):
    gateway = {"id": DEMO} if data is None else {"id": DEMO, "data": data}
    variables = {"id": gid("Checkout", checkout.pk), "gateway": gateway, "key": key}
    return gql.data(INITIALIZE, variables)["transactionInitialize"]


def test_the_storefronts_flow_pays_and_places_the_order(gql, channel, demo_on):
    checkout = ready_checkout(channel)
    configs = gql.data(GATEWAYS, {"id": gid("Checkout", checkout.pk)})["paymentGatewayInitialize"]
    assert DEMO in [c["id"] for c in configs["gatewayConfigs"]]
    paid = _initialize(gql, checkout)
    assert paid["errors"] == []
    assert paid["transaction"]["chargedAmount"]["amount"] == 60.0
    assert paid["data"]["event"]["type"] == "CHARGE_SUCCESS"
    status = gql.data(CHARGE_STATUS, {"id": gid("Checkout", checkout.pk)})["checkout"]
    assert status == {"chargeStatus": "FULL", "totalBalance": {"amount": 0.0}}
    placed = gql.data(COMPLETE, {"id": gid("Checkout", checkout.pk)})["checkoutComplete"]
    assert placed["errors"] == []
    assert placed["order"]["isPaid"] is True
    assert placed["order"]["chargeStatus"] == "FULL"


def test_a_second_step_is_settled_by_transaction_process_once(gql, channel, demo_on):
    checkout = ready_checkout(channel)
    waiting = _initialize(gql, checkout, data={"event": {"type": "CHARGE_ACTION_REQUIRED"}})
    assert waiting["errors"] == []
    assert waiting["transaction"]["chargedAmount"]["amount"] == 0.0
    token = waiting["transaction"]["token"]
    done = gql.data(PROCESS, {"id": waiting["transaction"]["id"]})["transactionProcess"]
    assert done["errors"] == []
    assert done["transaction"]["chargedAmount"]["amount"] == 60.0
    assert done["transactionEvent"]["type"] == "CHARGE_SUCCESS"
    again = gql.data(PROCESS, {"token": token})["transactionProcess"]
    assert [e["code"] for e in again["errors"]] == ["TRANSACTION_ALREADY_PROCESSED"]
    tx = TransactionItem.objects.get(token=token)
    assert tx.events.filter(type="CHARGE_SUCCESS").count() == 1


def test_a_declined_demo_payment_charges_nothing(gql, channel, demo_on):
    checkout = ready_checkout(channel)
    declined = _initialize(gql, checkout, data={"event": {"type": "CHARGE_FAILURE"}})
    assert declined["errors"] == []
    tx = TransactionItem.objects.get(token=declined["transaction"]["token"])
    assert tx.status == TransactionStatus.FAILED
    checkout.refresh_from_db()
    assert checkout.charged_amount == Decimal("0.00")
    refused = gql.data(COMPLETE, {"id": gid("Checkout", checkout.pk)})["checkoutComplete"]
    assert [e["code"] for e in refused["errors"]] == ["CHECKOUT_NOT_FULLY_PAID"]


def test_an_unknown_demo_event_is_refused_and_writes_nothing(gql, channel, demo_on):
    checkout = ready_checkout(channel)
    refused = _initialize(gql, checkout, data={"event": {"type": "REFUND_SUCCESS"}})
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("paymentGateway", "INVALID")]
    assert not TransactionItem.objects.filter(checkout=checkout).exists()


def test_transaction_process_refuses_what_it_cannot_do(gql, channel, demo_on):
    checkout = ready_checkout(channel)
    waiting = _initialize(gql, checkout, data={"event": {"type": "CHARGE_ACTION_REQUIRED"}})
    token = waiting["transaction"]["token"]
    bad_event = gql.data(PROCESS, {"token": token, "data": {"event": {"type": "nope"}}})
    assert [e["code"] for e in bad_event["transactionProcess"]["errors"]] == ["INVALID"]
    malformed = gql.data(PROCESS, {"id": "not-an-id"})["transactionProcess"]
    assert [e["code"] for e in malformed["errors"]] == ["NOT_FOUND"]
    neither = gql.data(PROCESS, {})["transactionProcess"]
    assert [e["code"] for e in neither["errors"]] == ["NOT_FOUND"]
    assert TransactionItem.objects.get(token=token).status == TransactionStatus.PENDING


def test_another_buyers_payment_cannot_be_processed(gql, channel, demo_on):
    owner = factories.user(role=Role.BUYER)
    checkout = checkout_services.checkout_customer_attach(
        checkout=ready_checkout(channel), user=owner
    )
    gql.login(owner)
    waiting = _initialize(gql, checkout, data={"event": {"type": "CHARGE_ACTION_REQUIRED"}})
    token = waiting["transaction"]["token"]
    gql.login(factories.user(role=Role.BUYER))
    refused = gql.data(PROCESS, {"token": token})["transactionProcess"]
    assert [e["code"] for e in refused["errors"]] == ["NOT_FOUND"]
    assert TransactionItem.objects.get(token=token).status == TransactionStatus.PENDING


def test_off_unless_enabled(gql, channel, settings):
    settings.DEMO_PAYMENT_GATEWAY = False
    checkout = ready_checkout(channel)
    configs = gql.data(GATEWAYS, {"id": gid("Checkout", checkout.pk)})["paymentGatewayInitialize"]
    assert DEMO not in [c["id"] for c in configs["gatewayConfigs"]]
    refused = _initialize(gql, checkout)
    assert [e["code"] for e in refused["errors"]] == ["NOT_FOUND"]
    assert not TransactionItem.objects.filter(checkout=checkout).exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_processing_charges_once(channel, demo_on):
    """Four storefront tabs send transactionProcess together: one charge, one event."""
    checkout = ready_checkout(channel)
    first = GraphQLClient(Client())
    waiting = _initialize(first, checkout, data={"event": {"type": "CHARGE_ACTION_REQUIRED"}})
    token = waiting["transaction"]["token"]
    barrier = threading.Barrier(4)
    codes: list[list[str]] = []

    def tab() -> None:
        try:
            client = GraphQLClient(Client())
            barrier.wait(timeout=30)
            answer = client.data(PROCESS, {"token": token})["transactionProcess"]
            codes.append([e["code"] for e in answer["errors"]])
        finally:
            connection.close()

    threads = [threading.Thread(target=tab) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # Whoever finds it settled is told so; nobody gets anything else.
    assert len(codes) == 4
    assert all(c in ([], ["TRANSACTION_ALREADY_PROCESSED"]) for c in codes), codes
    tx = TransactionItem.objects.get(token=token)
    assert tx.status == TransactionStatus.CHARGED
    assert tx.charged_amount == Decimal("60.00")
    assert TransactionEvent.objects.filter(transaction=tx, type="CHARGE_SUCCESS").count() == 1
    checkout.refresh_from_db()
    assert checkout.charged_amount == Decimal("60.00")
