"""transactionInitialize's idempotencyKey and customerIpAddress.

- a retry under the same key gets the same attempt and the same `data`, opens no second
  trade at the (sandbox) Alipay and supersedes nothing, also when the retries race;
- the same key with other input is UNIQUE; an ended attempt's key is INVALID; a charged
  one is answered as it is;
- the buyer's IP is the request's, unless a platform admin says otherwise.
"""

from __future__ import annotations

import json
from base64 import b64encode
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from marketplace.accounts.models import Role
from marketplace.accounts.tokens import create_token
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.checkout.models import Checkout
from marketplace.payments.initialize import InitCode, transaction_initialize
from marketplace.payments.models import (
    GatewayId,
    TransactionEvent,
    TransactionEventType,
    TransactionItem,
    TransactionStatus,
)
from marketplace.payments.notify import alipay_notification_handle
from tests import factories
from tests.payments.conftest import ready_checkout
from tests.payments.test_races import race

INITIALIZE = """
mutation($id: ID!, $gateway: PaymentGatewayToInitialize!, $amount: PositiveDecimal,
         $key: String, $ip: String) {
  transactionInitialize(id: $id, paymentGateway: $gateway, amount: $amount,
                        idempotencyKey: $key, customerIpAddress: $ip) {
    transaction { id pspReference chargedAmount { amount } chargePendingAmount { amount } }
    transactionEvent { type amount { amount } }
    data
    errors { field code message }
  }
}"""

ALIPAY = "ruralmart.payments.alipay"
PRECREATE = "alipay.trade.precreate"


def gid(type_name: str, pk: object) -> str:
    return b64encode(f"{type_name}:{pk}".encode()).decode()


def initialize(
    checkout: Checkout,
    *,
    method: str | None = "PAGE",
    gateway: str = ALIPAY,
    amount: str | None = None,
    key: str | None = None,
    ip: str | None = None,
    user: Any = None,
    **meta: str,
) -> dict[str, Any]:
    """Call the mutation as a buyer's app would; `meta` sets REMOTE_ADDR and headers."""
    variables: dict[str, Any] = {
        "id": gid("Checkout", checkout.pk),
        "gateway": {"id": gateway, "data": {"method": method} if method else None},
        "amount": amount,
        "key": key,
        "ip": ip,
    }
    if user is not None:
        meta["HTTP_AUTHORIZATION"] = f"Bearer {create_token(user=user)}"
    response = Client().post(
        "/graphql/",
        data=json.dumps({"query": INITIALIZE, "variables": variables}),
        content_type="application/json",
        **meta,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]["transactionInitialize"]


def codes(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["errors"]]


def precreate_calls(sandbox) -> int:
    return len([r for r in sandbox.received if r.method == PRECREATE])


# --- retries get the same attempt -----------------------------------------------------


@pytest.mark.django_db
def test_same_key_twice_returns_the_same_qr_attempt_and_one_trade(channel, alipay_sandbox):
    checkout = ready_checkout(channel)
    first = initialize(checkout, method="QR", key="order-7f3a")
    again = initialize(checkout, method="QR", key="order-7f3a")

    assert first["errors"] == [] and again["errors"] == []
    tx = TransactionItem.objects.get()
    assert tx.status == TransactionStatus.PENDING and tx.idempotency_key == "order-7f3a"
    assert again["transaction"] == first["transaction"]
    assert again["transaction"]["pspReference"] == tx.psp_reference
    assert again["data"] == first["data"] == tx.initialize_data
    assert again["data"]["qrCode"] and again["data"]["outTradeNo"] == tx.psp_reference
    assert again["transactionEvent"] == {"type": "CHARGE_REQUEST", "amount": {"amount": 60.0}}
    # The retry never reached Alipay, and nothing was superseded or written.
    assert precreate_calls(alipay_sandbox) == 1
    assert [t.out_trade_no for t in alipay_sandbox.trades()] == [tx.psp_reference]
    assert list(tx.events.values_list("type", flat=True)) == ["CHARGE_REQUEST"]


@pytest.mark.django_db
def test_same_key_twice_returns_the_same_pay_url(channel, alipay_sandbox):
    checkout = ready_checkout(channel)
    first = initialize(checkout, method="WAP", key="k1", amount="20.00")
    # An omitted amount meant "what is left" and matches the attempt's amount.
    again = initialize(checkout, method="WAP", key="k1")

    assert again["errors"] == []
    assert again["data"]["payUrl"] == first["data"]["payUrl"]
    tx = TransactionItem.objects.get()
    assert tx.amount == Decimal("20.00") and tx.status == TransactionStatus.PENDING
    # The buyer's browser opens the URL twice (once per answer): still one trade.
    alipay_sandbox.open_pay_url(first["data"]["payUrl"])
    alipay_sandbox.open_pay_url(again["data"]["payUrl"])
    assert [t.out_trade_no for t in alipay_sandbox.trades()] == [tx.psp_reference]


@pytest.mark.django_db
def test_same_key_for_cash_returns_the_same_attempt(alipay_sandbox):
    checkout = ready_checkout(factories.channel("village-counter"))
    first = initialize(checkout, gateway=GatewayId.CASH, method=None, key="till-1")
    again = initialize(checkout, gateway=GatewayId.CASH, method=None, key="till-1")
    assert first["errors"] == [] and again["errors"] == []
    assert again["data"] == first["data"] == {"payAtCounter": True, "amount": "60.00"}
    assert again["transaction"] == first["transaction"]
    assert TransactionItem.objects.get().status == TransactionStatus.PENDING


@pytest.mark.django_db
def test_without_a_key_every_call_is_a_new_attempt(channel, alipay_sandbox):
    checkout = ready_checkout(channel)
    first = initialize(checkout, method="QR")
    second = initialize(checkout, method="QR")
    assert first["transaction"]["pspReference"] != second["transaction"]["pspReference"]
    assert TransactionItem.objects.count() == 2
    assert set(TransactionItem.objects.values_list("idempotency_key", flat=True)) == {""}
    assert precreate_calls(alipay_sandbox) == 2


@pytest.mark.django_db
def test_a_later_key_supersedes_as_before(
    channel, alipay_sandbox, django_capture_on_commit_callbacks
):
    checkout = ready_checkout(channel)
    with django_capture_on_commit_callbacks(execute=True):
        first = initialize(checkout, method="QR", key="a")
        second = initialize(checkout, method="QR", key="b")
    assert first["transaction"]["pspReference"] != second["transaction"]["pspReference"]
    statuses = dict(TransactionItem.objects.values_list("idempotency_key", "status"))
    assert statuses == {"a": TransactionStatus.CANCELLED, "b": TransactionStatus.PENDING}


# --- the same key for something else --------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes",
    [
        {"amount": "10.00"},
        {"method": "PAGE"},
        {"gateway": GatewayId.CASH, "method": None},
    ],
)
def test_same_key_with_other_input_is_unique_and_writes_nothing(channel, alipay_sandbox, changes):
    checkout = ready_checkout(channel)
    first = initialize(checkout, method="QR", key="k", amount="60.00")
    before = (TransactionItem.objects.count(), TransactionEvent.objects.count())

    retry = initialize(checkout, **{"method": "QR", "key": "k", **changes})

    assert retry["transaction"] is None and retry["data"] is None
    assert codes(retry) == [("idempotencyKey", "UNIQUE")]
    assert "different payment" in retry["errors"][0]["message"]
    assert (TransactionItem.objects.count(), TransactionEvent.objects.count()) == before
    tx = TransactionItem.objects.get()
    assert tx.psp_reference == first["transaction"]["pspReference"]
    assert tx.status == TransactionStatus.PENDING
    assert precreate_calls(alipay_sandbox) == 1


# --- keys that cannot be used ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "   ", "x" * 129])
def test_empty_or_overlong_key_is_invalid(channel, alipay_sandbox, key):
    checkout = ready_checkout(channel)
    payload = initialize(checkout, method="QR", key=key)
    assert codes(payload) == [("idempotencyKey", "INVALID")]
    assert not TransactionItem.objects.exists()
    assert precreate_calls(alipay_sandbox) == 0


@pytest.mark.django_db
def test_a_key_of_128_characters_is_fine(channel, alipay_sandbox):
    checkout = ready_checkout(channel)
    assert initialize(checkout, method="QR", key="k" * 128)["errors"] == []


@pytest.mark.django_db
def test_key_of_a_failed_attempt_is_invalid_and_a_new_key_works(channel, alipay_sandbox):
    checkout = ready_checkout(channel)
    alipay_sandbox.inject_error(PRECREATE, code="40004", sub_code="ACQ.NO_GOOD")
    failed = initialize(checkout, method="QR", key="k")
    assert codes(failed) == [("paymentGateway", "INVALID")]
    assert TransactionItem.objects.get().status == TransactionStatus.FAILED

    retry = initialize(checkout, method="QR", key="k")
    assert codes(retry) == [("idempotencyKey", "INVALID")]
    assert "new key" in retry["errors"][0]["message"]
    assert TransactionItem.objects.count() == 1
    assert precreate_calls(alipay_sandbox) == 1

    fresh = initialize(checkout, method="QR", key="k2")
    assert fresh["errors"] == [] and fresh["data"]["qrCode"]
    assert TransactionItem.objects.count() == 2


@pytest.mark.django_db
def test_key_of_a_superseded_or_expired_attempt_is_invalid(channel, alipay_sandbox):
    checkout = ready_checkout(channel)
    initialize(checkout, method="QR", key="a")
    initialize(checkout, method="QR", key="b")
    # "a" is still PENDING here (it is closed after commit), but its QR code is dead.
    assert TransactionItem.objects.get(idempotency_key="a").status == TransactionStatus.PENDING
    assert codes(initialize(checkout, method="QR", key="a")) == [("idempotencyKey", "INVALID")]

    TransactionItem.objects.filter(idempotency_key="b").update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert codes(initialize(checkout, method="QR", key="b")) == [("idempotencyKey", "INVALID")]
    assert TransactionItem.objects.count() == 2


@pytest.mark.django_db
def test_key_of_a_charged_attempt_returns_it_as_it_is(channel, alipay_sandbox):
    checkout = ready_checkout(channel)
    first = initialize(checkout, method="PAGE", key="k")
    out_trade_no = alipay_sandbox.open_pay_url(first["data"]["payUrl"])
    params = alipay_sandbox.pay(out_trade_no, deliver=False)
    assert alipay_notification_handle(params=params) == "success"

    again = initialize(checkout, method="PAGE", key="k")
    assert again["errors"] == []
    assert again["transaction"]["pspReference"] == out_trade_no
    assert again["transaction"]["chargedAmount"] == {"amount": 60.0}
    assert again["transaction"]["chargePendingAmount"] == {"amount": 0.0}
    assert again["data"] == first["data"]
    # Once the checkout is an order the storefront no longer finds it, but the service
    # still answers the charged attempt rather than "already completed".
    checkout_complete(checkout=Checkout.objects.get(pk=checkout.pk))
    result = transaction_initialize(
        checkout=Checkout.objects.get(pk=checkout.pk),
        gateway_id=GatewayId.ALIPAY,
        method="PAGE",
        idempotency_key="k",
    )
    assert result.transaction.psp_reference == out_trade_no
    assert result.transaction.status == TransactionStatus.CHARGED
    assert TransactionItem.objects.count() == 1
    with pytest.raises(ValidationError):
        transaction_initialize(
            checkout=Checkout.objects.get(pk=checkout.pk),
            gateway_id=GatewayId.ALIPAY,
            method="PAGE",
        )


@pytest.mark.django_db
def test_the_database_refuses_a_second_attempt_under_one_key(channel, alipay_sandbox):
    checkout = ready_checkout(channel)
    tx = transaction_initialize(
        checkout=checkout, gateway_id=GatewayId.ALIPAY, method="QR", idempotency_key="k"
    ).transaction
    fields = {
        "gateway_id": tx.gateway_id,
        "method": tx.method,
        "checkout": checkout,
        "amount": tx.amount,
    }
    # Keyless attempts do not collide with each other.
    TransactionItem.objects.create(psp_reference="RM-no-key-1", **fields)
    TransactionItem.objects.create(psp_reference="RM-no-key-2", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        TransactionItem.objects.create(psp_reference="RM-dup", idempotency_key="k", **fields)


def test_service_refuses_bad_keys_before_touching_the_checkout(db):
    # No checkout row exists: the key is judged first.
    for key in ("", "y" * 200):
        with pytest.raises(ValidationError) as caught:
            transaction_initialize(
                checkout=Checkout(), gateway_id=GatewayId.ALIPAY, method="QR", idempotency_key=key
            )
        [(field, [error])] = caught.value.error_dict.items()
        assert field == "idempotency_key" and error.code == InitCode.INVALID.value


# --- a real race ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("method", ["QR", "WAP"])
def test_racing_retries_under_one_key_make_one_attempt(channel, alipay_sandbox, method):
    checkout = ready_checkout(channel)

    def work(i: int) -> tuple[str, dict[str, Any]]:
        result = transaction_initialize(
            checkout=Checkout.objects.get(pk=checkout.pk),
            gateway_id=GatewayId.ALIPAY,
            method=method,
            idempotency_key="tap-pay-once",
        )
        return result.transaction.psp_reference, result.data

    results = race(6, work)

    assert not [r for r in results if isinstance(r, Exception)], results
    tx = TransactionItem.objects.get()
    assert tx.status == TransactionStatus.PENDING
    assert {ref for ref, _ in results} == {tx.psp_reference}
    # Everyone hands the buyer the one stored answer.
    assert all(data == tx.initialize_data for _, data in results)
    assert TransactionEvent.objects.filter(transaction=tx).count() == 1
    if method == "QR":
        assert [t.out_trade_no for t in alipay_sandbox.trades()] == [tx.psp_reference]
    else:
        alipay_sandbox.open_pay_url(results[0][1]["payUrl"])
        alipay_sandbox.open_pay_url(results[-1][1]["payUrl"])
        assert [t.out_trade_no for t in alipay_sandbox.trades()] == [tx.psp_reference]


# --- the buyer's IP -------------------------------------------------------------------


@pytest.mark.django_db
def test_buyer_ip_comes_from_the_request_and_a_buyers_claim_is_ignored(channel, alipay_sandbox):
    checkout = ready_checkout(channel)
    anonymous = initialize(checkout, ip="203.0.113.9", REMOTE_ADDR="198.51.100.7")
    assert anonymous["errors"] == []
    assert TransactionItem.objects.get().customer_ip_address == "198.51.100.7"

    buyer = factories.user()
    signed_in = initialize(checkout, ip="not an ip", user=buyer, REMOTE_ADDR="2001:db8::1")
    assert signed_in["errors"] == []
    latest = TransactionItem.objects.order_by("pk").last()
    assert latest is not None and latest.customer_ip_address == "2001:db8::1"

    # A shop manager is staff, but not the platform: still ignored.
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=factories.shop())
    initialize(checkout, ip="203.0.113.9", user=manager, REMOTE_ADDR="198.51.100.8")
    latest = TransactionItem.objects.order_by("pk").last()
    assert latest is not None and latest.customer_ip_address == "198.51.100.8"


@pytest.mark.django_db
def test_forwarded_for_is_trusted_only_when_the_setting_says_so(channel, alipay_sandbox, settings):
    checkout = ready_checkout(channel)
    forwarded = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.50"}
    settings.LOGIN_TRUST_X_FORWARDED_FOR = False
    initialize(checkout, **forwarded)
    settings.LOGIN_TRUST_X_FORWARDED_FOR = True
    initialize(checkout, **forwarded)
    assert list(
        TransactionItem.objects.order_by("pk").values_list("customer_ip_address", flat=True)
    ) == ["10.0.0.2", "203.0.113.50"]


@pytest.mark.django_db
def test_platform_admin_reports_the_buyers_ip(channel, alipay_sandbox):
    checkout = ready_checkout(channel)
    admin_user = factories.user(role=Role.PLATFORM_ADMIN)
    payload = initialize(checkout, ip=" 203.0.113.9 ", user=admin_user, REMOTE_ADDR="10.1.1.1")
    assert payload["errors"] == []
    assert TransactionItem.objects.get().customer_ip_address == "203.0.113.9"

    # Omitted: the request's own address.
    initialize(checkout, user=admin_user, REMOTE_ADDR="10.1.1.1")
    latest = TransactionItem.objects.order_by("pk").last()
    assert latest is not None and latest.customer_ip_address == "10.1.1.1"


@pytest.mark.django_db
@pytest.mark.parametrize("bad_ip", ["999.1.1.1", "localhost", ""])
def test_invalid_ip_from_a_platform_admin_is_invalid(channel, alipay_sandbox, bad_ip):
    checkout = ready_checkout(channel)
    admin_user = factories.user(role=Role.PLATFORM_ADMIN)
    payload = initialize(checkout, ip=bad_ip, user=admin_user)
    assert codes(payload) == [("customerIpAddress", "INVALID")]
    assert not TransactionItem.objects.exists()


# --- the back office ------------------------------------------------------------------


@pytest.mark.django_db
def test_back_office_shows_key_and_ip_read_only(client, channel, alipay_sandbox):
    checkout = ready_checkout(channel)
    initialize(checkout, method="QR", key="support-ticket-42", REMOTE_ADDR="198.51.100.23")
    tx = TransactionItem.objects.get()
    admin_user = factories.user(role=Role.PLATFORM_ADMIN, is_staff=True)
    client.force_login(admin_user)

    page = client.get(reverse("admin:payments_transactionitem_change", args=[tx.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "support-ticket-42" in body and "198.51.100.23" in body
    assert 'name="idempotency_key"' not in body and 'name="customer_ip_address"' not in body
    found = client.get(
        reverse("admin:payments_transactionitem_changelist"), {"q": "support-ticket-42"}
    )
    assert tx.psp_reference in found.content.decode()
    # Sanity: the CHARGE_REQUEST event is listed with it.
    assert TransactionEventType.CHARGE_REQUEST in body
