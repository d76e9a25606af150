"""Paying through the sandbox: signed pay URLs, the cashier page, QR codes, and the async
notification that `verify_notification` must accept, unless tampered, forged or misdirected."""

from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest

from marketplace.payments.alipay import keys
from marketplace.payments.alipay.gateway import AlipayError, AlipayGateway
from marketplace.payments.alipay.protocol import Method, TradeState, now_in_china
from marketplace.payments.alipay.sandbox import AlipaySandbox, SandboxRejected
from marketplace.payments.alipay.signing import Rsa2Verifier
from tests.payments.alipay.conftest import APP_ID, RETURN_URL, SELLER_ID, Receiver, fetch


def query_params(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def test_page_pay_url_is_signed_with_two_decimal_string_amounts(
    gateway: AlipayGateway, sandbox: AlipaySandbox, alipay_dir
) -> None:
    url = gateway.page_pay_url(
        out_trade_no="T-page-1", total_amount=Decimal("12.5"), subject="古树茶"
    )

    assert url.startswith(sandbox.gateway_url + "?")
    params = query_params(url)
    assert params["method"] == "alipay.trade.page.pay"
    assert params["sign_type"] == "RSA2"
    assert params["app_id"] == APP_ID
    biz = json.loads(params["biz_content"])
    assert biz["total_amount"] == "12.50"
    assert biz["product_code"] == "FAST_INSTANT_TRADE_PAY"
    app_public = keys.ensure_key_pair(alipay_dir, keys.APP_KEY_NAME).public_key_pem
    assert Rsa2Verifier(app_public).verify_params(params, request=True)


def test_sandbox_accepts_a_signed_page_url_and_shows_the_cashier(
    gateway: AlipayGateway, sandbox: AlipaySandbox
) -> None:
    url = gateway.page_pay_url(
        out_trade_no="T-page-2", total_amount=Decimal("88.00"), subject="蜂蜜"
    )

    opened = fetch(url)
    assert opened.status == 302
    page = fetch(opened.location)

    assert page.status == 200
    assert "确认付款 / Pay" in page.body
    assert "88.00" in page.body and "蜂蜜" in page.body
    assert sandbox.trade("T-page-2").status is TradeState.WAIT_BUYER_PAY
    assert sandbox.received[-1].accepted


@pytest.mark.parametrize(
    "tamper",
    [
        lambda p: {**p, "biz_content": p["biz_content"].replace("88.00", "0.01")},
        lambda p: {**p, "sign": p["sign"][:-8] + "AAAAAAA="},
        lambda p: {k: v for k, v in p.items() if k != "sign"},
    ],
    ids=["amount-changed", "signature-changed", "signature-missing"],
)
def test_sandbox_rejects_a_tampered_page_url(
    gateway: AlipayGateway, sandbox: AlipaySandbox, tamper
) -> None:
    url = gateway.page_pay_url(
        out_trade_no="T-page-3", total_amount=Decimal("88.00"), subject="蜂蜜"
    )
    base = url.split("?", 1)[0]
    from urllib.parse import urlencode

    opened = fetch(f"{base}?{urlencode(tamper(query_params(url)))}")

    assert opened.status == 400
    assert "isv." in opened.body
    assert sandbox.trade("T-page-3") is None
    assert not sandbox.received[-1].accepted


def test_sandbox_rejects_a_url_signed_with_another_key(
    alipay_dir, sandbox: AlipaySandbox, stranger_key
) -> None:
    from tests.payments.alipay.conftest import make_gateway

    impostor = make_gateway(
        alipay_dir, sandbox.gateway_url, app_private_key_pem=stranger_key.private_key_pem
    )
    url = impostor.wap_pay_url(out_trade_no="T-wap-x", total_amount=Decimal("1.00"), subject="x")

    with pytest.raises(SandboxRejected) as rejected:
        sandbox.open_pay_url(url)
    assert rejected.value.error.sub_code == "isv.invalid-signature"


def test_browser_flow_notifies_then_returns_with_signed_params(
    gateway: AlipayGateway, sandbox: AlipaySandbox, receiver: Receiver
) -> None:
    url = gateway.wap_pay_url(out_trade_no="T-wap-1", total_amount=Decimal("35.80"), subject="核桃")
    assert query_params(url)["method"] == "alipay.trade.wap.pay"
    cashier = fetch(url).location

    confirmed = fetch(cashier, form={})

    assert confirmed.status == 302
    assert confirmed.location.startswith(RETURN_URL + "?")
    returned = gateway.verify_return(query_params(confirmed.location))
    assert returned is not None
    assert (returned.out_trade_no, returned.total_amount) == ("T-wap-1", Decimal("35.80"))
    # The notification was posted (form-encoded) before the browser was sent back.
    assert len(receiver.received) == 1
    notification = gateway.verify_notification(receiver.received[0])
    assert notification is not None
    assert notification.trade_status is TradeState.TRADE_SUCCESS
    assert notification.total_amount == Decimal("35.80")
    assert notification.out_trade_no == "T-wap-1"
    assert notification.app_id == APP_ID and notification.seller_id == SELLER_ID
    assert notification.gmt_payment is not None and notification.buyer_id.startswith("2088")
    assert notification.notify_type == "trade_status_sync"
    status = gateway.query(out_trade_no="T-wap-1")
    assert status.is_paid and status.trade_no == notification.trade_no
    # Paying twice is refused by the cashier.
    assert fetch(cashier, form={}).status == 400


def test_tampered_return_params_are_rejected(gateway: AlipayGateway, sandbox) -> None:
    cashier = fetch(
        gateway.page_pay_url(out_trade_no="T-ret", total_amount=Decimal("9.90"), subject="米")
    ).location
    params = query_params(fetch(cashier, form={}).location)

    assert gateway.verify_return({**params, "total_amount": "0.01"}) is None
    assert gateway.verify_return(params) is not None


def test_precreate_returns_a_qr_code_that_opens_the_cashier(
    gateway: AlipayGateway, sandbox: AlipaySandbox, receiver: Receiver
) -> None:
    qr_code = gateway.precreate(out_trade_no="T-qr-1", total_amount=Decimal("3.00"), subject="酱油")

    assert qr_code.startswith(f"{sandbox.url}/qr/")
    assert json.loads(sandbox.received[-1].params["biz_content"])["total_amount"] == "3.00"
    # As on Alipay, an unscanned precreated trade does not exist for query.
    assert gateway.query(out_trade_no="T-qr-1").trade_status is TradeState.NOT_EXIST
    # A retried precreate with the same details gives the same code.
    assert (
        gateway.precreate(out_trade_no="T-qr-1", total_amount=Decimal("3.00"), subject="酱油")
        == qr_code
    )

    scanned = fetch(qr_code)
    assert scanned.status == 200 and "确认付款" in scanned.body
    assert gateway.query(out_trade_no="T-qr-1").trade_status is TradeState.WAIT_BUYER_PAY

    params = sandbox.pay("T-qr-1")
    assert receiver.received == [params]
    assert gateway.verify_notification(params).total_amount == Decimal("3.00")
    assert gateway.query(out_trade_no="T-qr-1").trade_status is TradeState.TRADE_SUCCESS


def test_precreate_refuses_the_same_order_number_with_other_details(
    gateway: AlipayGateway, sandbox
) -> None:
    gateway.precreate(out_trade_no="T-qr-2", total_amount=Decimal("3.00"), subject="酱油")

    with pytest.raises(AlipayError) as refused:
        gateway.precreate(out_trade_no="T-qr-2", total_amount=Decimal("30.00"), subject="酱油")
    assert (refused.value.code, refused.value.sub_code) == ("40004", "ACQ.CONTEXT_INCONSISTENT")


def test_expired_trades_cannot_be_paid(gateway: AlipayGateway, sandbox: AlipaySandbox) -> None:
    from datetime import timedelta

    past = now_in_china() - timedelta(minutes=1)
    with pytest.raises(AlipayError) as refused:
        gateway.precreate(
            out_trade_no="T-exp", total_amount=Decimal("1.00"), subject="x", time_expire=past
        )
    assert refused.value.sub_code == "ACQ.TRADE_HAS_CLOSE"

    url = gateway.page_pay_url(
        out_trade_no="T-exp-page", total_amount=Decimal("1.00"), subject="x", time_expire=past
    )
    assert fetch(url).status == 400
    assert query_params(url)["biz_content"].count("time_expire") == 1


# --- notifications ----------------------------------------------------------------------


@pytest.fixture
def paid(gateway: AlipayGateway, sandbox: AlipaySandbox, receiver: Receiver) -> dict[str, str]:
    sandbox.open_pay_url(
        gateway.page_pay_url(out_trade_no="T-n-1", total_amount=Decimal("120.00"), subject="民宿")
    )
    return sandbox.pay("T-n-1")


def test_genuine_notification_is_accepted(gateway: AlipayGateway, paid) -> None:
    assert gateway.verify_notification(paid) is not None


@pytest.mark.parametrize(
    "changes",
    [{"total_amount": "1.20"}, {"trade_status": "TRADE_CLOSED"}, {"out_trade_no": "T-other"}],
)
def test_tampered_notification_is_rejected(
    gateway: AlipayGateway, sandbox: AlipaySandbox, paid, changes, caplog
) -> None:
    tampered = sandbox.tampered_notification("T-n-1", **changes)

    assert gateway.verify_notification(tampered) is None
    assert "bad signature" in caplog.text


def test_forged_notification_is_rejected(
    gateway: AlipayGateway, sandbox: AlipaySandbox, paid, stranger_key
) -> None:
    forged = sandbox.build_notification("T-n-1", private_key_pem=stranger_key.private_key_pem)

    assert forged["sign"] != paid["sign"]
    assert gateway.verify_notification(forged) is None


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"app_id": "2021000000009999"}, "app_id"),
        ({"seller_id": "2088999999999999"}, "seller_id"),
        ({"total_amount": "12.345"}, "total_amount"),
        ({"trade_status": "PAID"}, "trade_status"),
    ],
)
def test_correctly_signed_but_wrong_notifications_are_rejected(
    gateway: AlipayGateway, sandbox: AlipaySandbox, paid, changes, reason, caplog
) -> None:
    # Signed with the sandbox's real key: only the content gives them away.
    params = sandbox.build_notification("T-n-1", changes=changes)

    assert gateway.verify_notification(params) is None
    assert reason in caplog.text


def test_notification_signed_with_another_algorithm_is_rejected(
    gateway: AlipayGateway, paid, caplog
) -> None:
    # sign_type is outside the signed text, so only an explicit check catches this.
    assert gateway.verify_notification({**paid, "sign_type": "RSA"}) is None
    assert "sign_type" in caplog.text


def test_garbage_signature_is_rejected_not_raised(gateway: AlipayGateway, paid) -> None:
    assert gateway.verify_notification({**paid, "sign": "%%%not-base64"}) is None
    assert gateway.verify_notification({k: v for k, v in paid.items() if k != "sign"}) is None


def test_replay_resends_the_identical_notification(
    gateway: AlipayGateway, sandbox: AlipaySandbox, receiver: Receiver, paid
) -> None:
    attempt = sandbox.replay_notification("T-n-1")

    assert attempt.delivered
    assert receiver.received == [paid, paid]
    first, again = (gateway.verify_notification(p) for p in receiver.received)
    assert first.notify_id == again.notify_id


def test_notification_is_retried_until_the_answer_is_exactly_success(
    gateway: AlipayGateway, sandbox: AlipaySandbox, receiver: Receiver
) -> None:
    receiver.answers = ["fail", "SUCCESS", "success "]
    sandbox.open_pay_url(
        gateway.page_pay_url(out_trade_no="T-n-2", total_amount=Decimal("5.00"), subject="茶")
    )

    sandbox.pay("T-n-2")
    assert sandbox.wait_for_deliveries(timeout=5)

    attempts = [a for a in sandbox.deliveries if a.params["out_trade_no"] == "T-n-2"]
    assert [a.body for a in attempts] == ["fail", "SUCCESS", "success ", "success"]
    assert [a.attempt for a in attempts] == [1, 2, 3, 4]
    assert len({r["notify_id"] for r in receiver.received}) == 1


def test_paying_a_closed_trade_is_refused(gateway: AlipayGateway, sandbox: AlipaySandbox) -> None:
    sandbox.open_pay_url(
        gateway.page_pay_url(out_trade_no="T-n-3", total_amount=Decimal("5.00"), subject="茶")
    )
    assert gateway.close(out_trade_no="T-n-3") is True

    with pytest.raises(SandboxRejected):
        sandbox.pay("T-n-3")


def test_injected_error_reaches_the_caller_as_alipay_error(
    gateway: AlipayGateway, sandbox: AlipaySandbox
) -> None:
    sandbox.inject_error(Method.PRECREATE)

    with pytest.raises(AlipayError) as failed:
        gateway.precreate(out_trade_no="T-inj", total_amount=Decimal("1.00"), subject="x")
    assert (failed.value.code, failed.value.sub_code) == ("20000", "ACQ.SYSTEM_ERROR")
    assert failed.value.retryable
    # Only once: the retry goes through.
    assert gateway.precreate(out_trade_no="T-inj", total_amount=Decimal("1.00"), subject="x")
