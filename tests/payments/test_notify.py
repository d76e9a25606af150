"""The notify endpoint and the domain flow behind it: transactionInitialize's service →
sandbox pay → signed notification posted to /payments/alipay/notify/ → charged checkout →
checkout_complete. Forged, tampered, unknown, replayed and mismatched notifications."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from marketplace.checkout import selectors as checkout_selectors
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.checkout.models import Checkout
from marketplace.orders.models import Order
from marketplace.payments.initialize import transaction_initialize
from marketplace.payments.models import (
    GatewayId,
    PaymentMethod,
    TransactionEvent,
    TransactionItem,
    TransactionStatus,
)
from tests.payments.conftest import ready_checkout

pytestmark = pytest.mark.django_db

NOTIFY = "/payments/alipay/notify/"


def _post(client, params: dict[str, str]) -> str:
    response = client.post(NOTIFY, params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def _charge_status(checkout: Checkout) -> str:
    checkout.refresh_from_db()
    total = checkout_selectors.checkout_totals(checkout=checkout).total
    return checkout_selectors.charge_status_for(charged=checkout.charged_amount, total=total)


def _start(checkout: Checkout, sandbox, method: str = "PAGE") -> TransactionItem:
    result = transaction_initialize(checkout=checkout, gateway_id=GatewayId.ALIPAY, method=method)
    if method == "QR":
        sandbox.scan(result.data["qrCode"])
    else:
        sandbox.open_pay_url(result.data["payUrl"])
    return result.transaction


def _snapshot(tx: TransactionItem) -> tuple:
    tx.refresh_from_db()
    events = list(TransactionEvent.objects.filter(transaction=tx).values_list("type", "amount"))
    checkout = Checkout.objects.get(pk=tx.checkout_id)
    return (tx.status, tx.charged_amount, tx.needs_review, events, checkout.charged_amount)


def test_full_flow_page_pay_to_completed_order(client, channel, alipay_sandbox):
    checkout = ready_checkout(channel)  # 2 × 25 + 10 express
    result = transaction_initialize(checkout=checkout, gateway_id=GatewayId.ALIPAY, method="PAGE")
    tx = result.transaction
    assert result.data["payUrl"].startswith(alipay_sandbox.gateway_url + "?")
    assert tx.amount == Decimal("60.00") and tx.status == TransactionStatus.PENDING
    assert tx.psp_reference == result.data["outTradeNo"] and len(tx.psp_reference) <= 64
    assert _charge_status(checkout) == "NONE"
    with pytest.raises(ValidationError):  # not paid yet
        checkout_complete(checkout=checkout)

    out_trade_no = alipay_sandbox.open_pay_url(result.data["payUrl"])
    assert out_trade_no == tx.psp_reference
    params = alipay_sandbox.pay(out_trade_no, deliver=False)
    assert _post(client, params) == "success"

    tx.refresh_from_db()
    assert tx.status == TransactionStatus.CHARGED and tx.charged_amount == Decimal("60.00")
    assert tx.psp_trade_no == params["trade_no"]
    types = list(tx.events.values_list("type", flat=True))
    assert types == ["CHARGE_REQUEST", "CHARGE_SUCCESS"]
    assert _charge_status(checkout) == "FULL"

    order = checkout_complete(checkout=checkout)
    assert order.charge_status == "FULL" and order.total_amount == Decimal("60.00")


def test_wap_and_qr_give_pay_url_and_qr_code(channel, alipay_sandbox):
    checkout = ready_checkout(channel)
    wap = transaction_initialize(checkout=checkout, gateway_id=GatewayId.ALIPAY, method="WAP")
    assert "payUrl" in wap.data and "qrCode" not in wap.data
    qr = transaction_initialize(checkout=checkout, gateway_id=GatewayId.ALIPAY, method="QR")
    assert qr.data["qrCode"].startswith(alipay_sandbox.url)
    assert qr.transaction.psp_reference != wap.transaction.psp_reference
    assert alipay_sandbox.trade(qr.transaction.psp_reference).total_amount == Decimal("60.00")
    assert qr.transaction.method == PaymentMethod.QR


def test_initialize_refusals(channel, alipay_sandbox):
    checkout = ready_checkout(channel)
    cases = [
        ({"gateway_id": "mystery.pay", "method": "PAGE"}, "NOT_FOUND"),
        ({"gateway_id": GatewayId.CASH, "method": None}, "NOT_FOUND"),  # not village-counter
        ({"gateway_id": GatewayId.ALIPAY, "method": "SWIPE"}, "INVALID"),
        ({"gateway_id": GatewayId.ALIPAY, "method": "QR", "amount": Decimal("60.01")}, "INVALID"),
        ({"gateway_id": GatewayId.ALIPAY, "method": "QR", "amount": Decimal("0.001")}, "INVALID"),
    ]
    for kwargs, code in cases:
        with pytest.raises(ValidationError) as exc_info:
            transaction_initialize(checkout=checkout, **kwargs)
        assert [e.code for errs in exc_info.value.error_dict.values() for e in errs] == [code]
    assert not TransactionItem.objects.exists()


def test_alipay_refusing_precreate_marks_the_attempt_failed(channel, alipay_sandbox):
    checkout = ready_checkout(channel)
    alipay_sandbox.inject_error("alipay.trade.precreate", code="40004", sub_code="ACQ.NO_GOOD")
    with pytest.raises(ValidationError):
        transaction_initialize(checkout=checkout, gateway_id=GatewayId.ALIPAY, method="QR")
    tx = TransactionItem.objects.get()
    assert tx.status == TransactionStatus.FAILED
    assert list(tx.events.values_list("type", flat=True)) == ["CHARGE_REQUEST", "CHARGE_FAILURE"]


def test_forged_tampered_and_unknown_notifications_change_nothing(
    client, channel, alipay_sandbox, stranger_key, caplog
):
    checkout = ready_checkout(channel)
    tx = _start(checkout, alipay_sandbox)
    alipay_sandbox.pay(tx.psp_reference, deliver=False)
    before = _snapshot(tx)

    forged = alipay_sandbox.build_notification(
        tx.psp_reference, private_key_pem=stranger_key.private_key_pem
    )
    tampered = alipay_sandbox.tampered_notification(tx.psp_reference, total_amount="0.01")
    unsigned = {k: v for k, v in alipay_sandbox.last_notification(tx.psp_reference).items()}
    unsigned.pop("sign")
    foreign_app = alipay_sandbox.build_notification(tx.psp_reference, changes={"app_id": "2021"})
    foreign_seller = alipay_sandbox.build_notification(
        tx.psp_reference, changes={"seller_id": "2088999999999999"}
    )
    unknown = alipay_sandbox.build_notification(
        tx.psp_reference, changes={"out_trade_no": "RM-nobody-knows-this"}
    )
    with caplog.at_level("WARNING", logger="ruralmart"):
        for params in (forged, tampered, unsigned, foreign_app, foreign_seller, unknown, {}):
            assert _post(client, params) == "fail"
    assert _snapshot(tx) == before
    assert "unknown trade RM-nobody-knows-this" in caplog.text
    assert "bad signature" in caplog.text
    # The genuine notification still goes through afterwards.
    assert _post(client, alipay_sandbox.last_notification(tx.psp_reference)) == "success"
    assert _charge_status(checkout) == "FULL"


def test_get_is_not_allowed(client):
    assert client.get(NOTIFY).status_code == 405


def test_replayed_notification_is_a_no_op(client, channel, alipay_sandbox):
    checkout = ready_checkout(channel)
    tx = _start(checkout, alipay_sandbox)
    params = alipay_sandbox.pay(tx.psp_reference, deliver=False)
    assert _post(client, params) == "success"
    after_first = _snapshot(tx)
    for _ in range(3):
        assert _post(client, params) == "success"
    assert _snapshot(tx) == after_first
    # A second, distinct notice of the same payment (TRADE_FINISHED) charges nothing more.
    finished = alipay_sandbox.finish(tx.psp_reference, deliver=False)
    assert _post(client, finished) == "success"
    tx.refresh_from_db()
    assert tx.charged_amount == Decimal("60.00")
    assert tx.events.filter(type="CHARGE_SUCCESS").count() == 1
    assert _charge_status(checkout) == "FULL"


def test_amount_mismatch_is_held_for_review_never_accepted(client, channel, alipay_sandbox):
    checkout = ready_checkout(channel)
    tx = _start(checkout, alipay_sandbox)
    alipay_sandbox.pay(tx.psp_reference, deliver=False)
    # Authentic (signed by "Alipay") but for another amount.
    wrong = alipay_sandbox.build_notification(tx.psp_reference, changes={"total_amount": "6.00"})
    # Recorded and acknowledged (Alipay would otherwise repeat it for a day), not accepted.
    assert _post(client, wrong) == "success"
    tx.refresh_from_db()
    assert tx.needs_review and "¥6.00" in tx.review_reason
    assert tx.status == TransactionStatus.PENDING and tx.charged_amount == 0
    assert not tx.events.filter(type="CHARGE_SUCCESS").exists()
    assert _charge_status(checkout) == "NONE"
    with pytest.raises(ValidationError):
        checkout_complete(checkout=checkout)
    assert not Order.objects.exists()


def test_close_notice_cancels_an_unpaid_attempt(client, channel, alipay_sandbox):
    checkout = ready_checkout(channel)
    tx = _start(checkout, alipay_sandbox)
    alipay_sandbox.book.close(tx.psp_reference)
    closed = alipay_sandbox.build_notification(tx.psp_reference)
    assert closed["trade_status"] == "TRADE_CLOSED"
    assert _post(client, closed) == "success"
    tx.refresh_from_db()
    assert tx.status == TransactionStatus.CANCELLED
    assert tx.events.filter(type="CANCEL_SUCCESS").count() == 1


def test_paid_after_timeout_is_kept_but_flagged(client, channel, alipay_sandbox):
    checkout = ready_checkout(channel)
    tx = _start(checkout, alipay_sandbox)
    TransactionItem.objects.filter(pk=tx.pk).update(status=TransactionStatus.CANCELLED)
    assert _post(client, alipay_sandbox.pay(tx.psp_reference, deliver=False)) == "success"
    tx.refresh_from_db()
    assert tx.status == TransactionStatus.CHARGED and tx.needs_review
    assert _charge_status(checkout) == "FULL"


def test_new_attempt_closes_the_previous_one(channel, alipay_sandbox, eager_celery):
    from django.test import TestCase

    checkout = ready_checkout(channel)
    with TestCase.captureOnCommitCallbacks(execute=True):
        first = _start(checkout, alipay_sandbox)
    with TestCase.captureOnCommitCallbacks(execute=True):
        second = _start(checkout, alipay_sandbox, method="QR")
    first.refresh_from_db()
    assert first.status == TransactionStatus.CANCELLED
    assert alipay_sandbox.trade(first.psp_reference).status == "TRADE_CLOSED"
    second.refresh_from_db()
    assert second.status == TransactionStatus.PENDING
