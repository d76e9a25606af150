"""Both signing schemes of the aggregator protocol, end to end against the sandbox over HTTP.

The utility provider signs HMAC-SHA256 with a shared key; the insurance provider signs RSA2
(our private key for requests, its own for answers, callbacks and statements). Every path
runs for both: success, failure with a refund, timeout then query, pending then success by
callback, the statement file; and whatever arrives altered, or signed with a key we do not
trust, is refused with a code and changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from marketplace import settings as project_settings
from marketplace.agency.models import AgencyOrder, OrderStatus
from marketplace.agency.orders import agency_order_create, agency_order_query
from marketplace.agency.providers.base import ProviderError, ProviderErrorCode
from marketplace.agency.providers.credentials import (
    MERCHANT_KEY_NAME,
    PROVIDER_KEY_NAME,
    agency_key_dir,
    merchant_signature,
    provider_signature,
)
from marketplace.agency.providers.http import adapter_for
from marketplace.agency.providers.sandbox.from_settings import sandbox_from_settings
from marketplace.agency.providers.signing import (
    HMAC_SHA256,
    RSA2,
    signed,
    statement_signed,
    statement_verified,
    verify,
)
from marketplace.agency.reconciliation import reconciliation_run
from marketplace.payments.alipay import keys
from marketplace.red_supermarket.models import Receipt, ReceiptKind
from tests.agency.world import ID_NUMBER

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Provider:
    code: str
    sign_type: str
    item: str
    fields: dict[str, str]
    amount: str

    @property
    def merchant_id(self) -> str:
        return f"M-{self.code}"


UTILITY = Provider("utility", HMAC_SHA256, "electricity-sgcc", {"account": "3100012345"}, "120.00")
INSURANCE = Provider(
    "insurance",
    RSA2,
    "pension-rural",
    {"name": "张三", "id_number": ID_NUMBER, "year": "2026"},
    "300.00",
)
BOTH = pytest.mark.parametrize("provider", [UTILITY, INSURANCE], ids=lambda p: p.sign_type)


def pay(counter, provider: Provider, request_id: str) -> AgencyOrder:
    return agency_order_create(
        supermarket=counter.supermarket,
        operator=counter.operator,
        request_id=request_id,
        item_code=provider.item,
        fields=provider.fields,
        amount=provider.amount,
    )


def post_callback(provider: Provider, body: dict[str, Any]):
    return Client().post(
        f"/agency/callback/{provider.code}/", json.dumps(body), content_type="application/json"
    )


def refunds(order: AgencyOrder) -> int:
    return Receipt.objects.filter(
        kind=ReceiptKind.AGENCY_REFUND, reference=f"agency-order:{order.pk}"
    ).count()


def reconfigure(settings, code: str, **changes: Any) -> None:
    settings.AGENCY_PROVIDERS = {
        **settings.AGENCY_PROVIDERS,
        code: {**settings.AGENCY_PROVIDERS[code], **changes},
    }


# --- configuration -----------------------------------------------------------------------


def test_three_providers_sign_hmac_and_two_rsa2_and_each_has_its_own_gateway(settings):
    assert {code: conf["sign_type"] for code, conf in settings.AGENCY_PROVIDERS.items()} == {
        "utility": HMAC_SHA256,
        "telecom": HMAC_SHA256,
        "acquirer": HMAC_SHA256,
        "insurance": RSA2,
        "tickets": RSA2,
    }
    sandbox = sandbox_from_settings(port=0)
    assert {code: g.signature.sign_type for code, g in sandbox.gateways.items()} == {
        code: conf["sign_type"] for code, conf in settings.AGENCY_PROVIDERS.items()
    }
    assert {g.merchant_id for g in sandbox.gateways.values()} == {
        conf["merchant_id"] for conf in settings.AGENCY_PROVIDERS.values()
    }
    # The URL names the gateway: one base, a path per provider.
    assert settings.AGENCY_PROVIDERS["tickets"]["url"].endswith("/gw/tickets")
    # The sandbox's RSA pairs live under the data dir, one pair each side per provider.
    for code in ("insurance", "tickets"):
        for name in (MERCHANT_KEY_NAME, PROVIDER_KEY_NAME):
            private, public = keys.key_paths(agency_key_dir(code), name)
            assert private.exists() and public.exists()


def test_rsa2_each_side_verifies_only_what_the_other_signed(settings):
    conf = settings.AGENCY_PROVIDERS["insurance"]
    ours, theirs = merchant_signature("insurance", conf), provider_signature("insurance", conf)
    request = signed({"merchant_id": "M-insurance", "amount": "1.00"}, ours)
    answer = signed({"merchant_id": "M-insurance", "code": "OK"}, theirs)
    assert request["sign_type"] == RSA2
    assert verify(request, theirs) and verify(answer, ours)
    # Neither side accepts its own signature as the other's: the keys are really two pairs.
    assert not verify(request, ours) and not verify(answer, theirs)
    # An HMAC body relabelled RSA2 (or the other way round) never verifies.
    hmac_signed = signed({"merchant_id": "M-insurance"}, merchant_signature("utility", conf))
    assert not verify({**hmac_signed, "sign_type": RSA2}, theirs)
    statement = statement_signed("request_id,amount\nr1,1.00\n", theirs)
    assert statement_verified(statement, ours) == "request_id,amount\nr1,1.00\n"
    assert statement_verified(statement.replace("1.00", "9.00"), ours) is None


@BOTH
def test_a_real_provider_without_keys_fails_closed_and_never_uses_generated_ones(
    settings, counter, provider
):
    # A real URL: no sandbox keys to fall back on (and, for HMAC, no sandbox shared key).
    reconfigure(settings, provider.code, url="http://127.0.0.1:9/gw", sandbox=False, key="")
    adapter = adapter_for(provider.code)  # building it never fails: the call does, coded
    with pytest.raises(ProviderError) as refused:
        adapter.query(request_id=f"req-{provider.code}-real1")
    assert refused.value.code == ProviderErrorCode.MISCONFIGURED
    order = pay(counter, provider, f"req-{provider.code}-real2")
    assert order.status == OrderStatus.UNKNOWN
    answer = post_callback(provider, {"merchant_id": provider.merchant_id, "sign": "x"})
    assert (answer.status_code, answer.content) == (503, b"fail")


def test_a_real_url_in_the_environment_leaves_the_sandbox_and_its_shared_key(monkeypatch):
    monkeypatch.setenv("AGENCY_TELECOM_URL", "https://gateway.example.cn/agency")
    monkeypatch.setenv("AGENCY_TELECOM_SIGN_TYPE", "rsa2")
    monkeypatch.setenv("AGENCY_TELECOM_PRIVATE_KEY_PATH", "/etc/ruralmart/telecom.pem")
    conf = project_settings._agency_provider("telecom")
    assert conf["url"] == "https://gateway.example.cn/agency"
    assert (conf["sandbox"], conf["key"], conf["sign_type"]) == (False, "", RSA2)
    assert conf["private_key_path"] == "/etc/ruralmart/telecom.pem"
    assert project_settings._agency_provider("utility")["sandbox"] is True


# --- the paths, for both sign types ------------------------------------------------------


@BOTH
def test_an_order_succeeds_at_its_own_gateway(sandbox, counter, provider):
    order = pay(counter, provider, f"req-{provider.code}-ok01")
    assert order.status == OrderStatus.SUCCESS
    at_provider = sandbox.order(provider.merchant_id, order.request_id)
    assert at_provider is not None and at_provider.provider_order_no == order.provider_order_no


@BOTH
def test_a_rejected_order_fails_and_is_refunded(sandbox, counter, provider):
    sandbox.force_outcome("reject")
    order = pay(counter, provider, f"req-{provider.code}-rej1")
    assert order.status == OrderStatus.FAILED
    assert refunds(order) == 1


@BOTH
def test_a_failure_by_callback_refunds_once(sandbox, counter, provider):
    sandbox.force_outcome("fail")
    order = pay(counter, provider, f"req-{provider.code}-fail")
    assert order.status == OrderStatus.PROCESSING
    sandbox.finish_pending(provider.merchant_id, order.request_id)
    body = sandbox.callback_body(provider.merchant_id, order.request_id)
    assert body["sign_type"] == provider.sign_type
    for _ in range(2):  # the provider retries its notification: nothing happens twice
        assert post_callback(provider, body).content == b"success"
    order.refresh_from_db()
    assert order.status == OrderStatus.FAILED
    assert refunds(order) == 1


@BOTH
def test_a_timeout_is_queried_never_resubmitted(sandbox, counter, provider):
    sandbox.force_outcome("timeout")
    order = pay(counter, provider, f"req-{provider.code}-tmo1")
    assert order.status == OrderStatus.UNKNOWN
    resolved = agency_order_query(order_pk=order.pk)
    assert resolved.status == OrderStatus.SUCCESS
    assert (
        resolved.provider_order_no
        == sandbox.order(provider.merchant_id, order.request_id).provider_order_no
    )
    assert [key for key in sandbox.orders if key[1] == order.request_id] == [
        (provider.merchant_id, order.request_id)
    ]


@BOTH
def test_pending_then_success_arrives_by_callback(sandbox, counter, provider):
    sandbox.force_outcome("pending")
    order = pay(counter, provider, f"req-{provider.code}-pend")
    assert order.status == OrderStatus.PROCESSING
    sandbox.finish_pending(provider.merchant_id, order.request_id)
    answer = post_callback(provider, sandbox.callback_body(provider.merchant_id, order.request_id))
    assert (answer.status_code, answer.content) == (200, b"success")
    order.refresh_from_db()
    assert order.status == OrderStatus.SUCCESS
    assert refunds(order) == 0


@BOTH
def test_the_statement_file_is_downloaded_verified_and_reconciled(sandbox, counter, provider):
    order = pay(counter, provider, f"req-{provider.code}-stmt")
    lines = adapter_for(provider.code).statement(day=timezone.localdate())
    assert [(line.request_id, line.amount) for line in lines] == [
        (order.request_id, Decimal(provider.amount))
    ]
    (run,) = reconciliation_run(day=timezone.localdate(), source=f"provider:{provider.code}")
    assert (run.error, run.theirs_count, run.ours_count, run.flagged_count) == ("", 1, 1, 0)


# --- tampering and untrusted keys, for both sign types -----------------------------------


@BOTH
def test_a_tampered_answer_is_refused_and_the_order_stays_unknown(sandbox, counter, provider):
    sandbox.tamper("answer")
    order = pay(counter, provider, f"req-{provider.code}-tam1")
    # The provider may well have taken it: unknown, never a success or a refund on its word.
    assert order.status == OrderStatus.UNKNOWN
    assert refunds(order) == 0
    sandbox.tamper("answer")
    with pytest.raises(ProviderError) as refused:
        adapter_for(provider.code).query(request_id=order.request_id)
    assert refused.value.code == ProviderErrorCode.BAD_SIGNATURE
    # An honest answer settles it.
    assert agency_order_query(order_pk=order.pk).status == OrderStatus.SUCCESS


@BOTH
def test_a_tampered_callback_is_refused_and_changes_nothing(sandbox, counter, provider):
    sandbox.force_outcome("fail")
    order = pay(counter, provider, f"req-{provider.code}-tam2")
    sandbox.finish_pending(provider.merchant_id, order.request_id)
    body = sandbox.callback_body(provider.merchant_id, order.request_id)
    for forged in (
        {**body, "status": "SUCCESS"},
        {**body, "amount": "0.01"},
        {key: value for key, value in body.items() if key != "sign"},
        {**body, "merchant_id": "M-telecom"},
    ):
        answer = post_callback(provider, forged)
        assert (answer.status_code, answer.content) == (400, b"fail")
    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSING
    assert refunds(order) == 0


@BOTH
def test_a_tampered_statement_is_refused_and_reconciliation_records_the_error(
    sandbox, counter, provider
):
    pay(counter, provider, f"req-{provider.code}-tam3")
    sandbox.tamper("statement")
    with pytest.raises(ProviderError) as refused:
        adapter_for(provider.code).statement(day=timezone.localdate())
    assert refused.value.code == ProviderErrorCode.BAD_SIGNATURE
    sandbox.tamper("statement")
    (run,) = reconciliation_run(day=timezone.localdate(), source=f"provider:{provider.code}")
    assert "signature" in run.error and run.flagged_count == 0


@BOTH
def test_a_provider_with_the_wrong_key_fails_closed(sandbox, counter, provider, settings, tmp_path):
    sandbox.force_outcome("pending")
    earlier = pay(counter, provider, f"req-{provider.code}-wk01")
    genuine_callback = sandbox.callback_body(provider.merchant_id, earlier.request_id)
    # RSA2: a public key that is not the provider's; HMAC: another shared key than its own.
    if provider.sign_type == RSA2:
        stranger = keys.ensure_key_pair(tmp_path, "stranger")
        reconfigure(settings, provider.code, provider_public_key=stranger.public_key_pem)
    else:
        reconfigure(settings, provider.code, key="not-the-shared-key")
    order = pay(counter, provider, f"req-{provider.code}-wk02")
    assert order.status == OrderStatus.UNKNOWN
    assert refunds(order) == 0
    with pytest.raises(ProviderError) as refused:
        adapter_for(provider.code).statement(day=timezone.localdate())
    # RSA2: we cannot verify the provider's file; HMAC: it cannot verify our request either.
    assert refused.value.code == (
        ProviderErrorCode.BAD_SIGNATURE if provider.sign_type == RSA2 else ProviderErrorCode.REFUSED
    )
    # Even the provider's genuine notification is not believed with a key we do not trust.
    answer = post_callback(provider, genuine_callback)
    assert (answer.status_code, answer.content) == (400, b"fail")
    earlier.refresh_from_db()
    assert earlier.status == OrderStatus.PROCESSING


def test_a_request_signed_with_a_key_the_provider_does_not_know_is_refused(
    sandbox, settings, tmp_path
):
    stranger = keys.ensure_key_pair(tmp_path, "stranger")
    reconfigure(settings, "insurance", private_key=stranger.private_key_pem)
    with pytest.raises(ProviderError) as refused:
        adapter_for("insurance").query(request_id="req-stranger-01")
    assert refused.value.code == ProviderErrorCode.REFUSED


def test_a_providers_url_selects_its_gateway(sandbox, settings):
    # The utility adapter, signing as utility, sent to the insurance gateway: refused there.
    reconfigure(settings, "utility", url=sandbox.gateway_url("insurance"))
    with pytest.raises(ProviderError) as refused:
        adapter_for("utility").query(request_id="req-wrong-gw-01")
    assert refused.value.code in (ProviderErrorCode.BAD_SIGNATURE, ProviderErrorCode.REFUSED)
    with pytest.raises(ProviderError) as missing:
        reconfigure(settings, "utility", url=sandbox.gateway_url("nowhere"))
        adapter_for("utility").query(request_id="req-wrong-gw-02")
    assert missing.value.code == ProviderErrorCode.UNREACHABLE


# --- callbacks delivered over HTTP to our running endpoint --------------------------------


@BOTH
@pytest.mark.django_db(transaction=True)
def test_the_sandbox_delivers_its_callback_over_http_and_a_tampered_one_is_refused(
    sandbox, counter, provider, settings, live_server
):
    settings.AGENCY_CALLBACK_BASE_URL = live_server.url
    sandbox.force_outcome("pending")
    order = pay(counter, provider, f"req-{provider.code}-live")
    assert order.status == OrderStatus.PROCESSING
    sandbox.finish_pending(provider.merchant_id, order.request_id)
    sandbox.tamper("callback")
    assert sandbox.deliver_callback(provider.merchant_id, order.request_id) == (400, "fail")
    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSING
    assert sandbox.deliver_callback(provider.merchant_id, order.request_id) == (200, "success")
    order.refresh_from_db()
    assert order.status == OrderStatus.SUCCESS
    notify_url, delivered = sandbox.callbacks[-1]
    assert notify_url == f"{live_server.url}/agency/callback/{provider.code}/"
    assert delivered["sign_type"] == provider.sign_type
