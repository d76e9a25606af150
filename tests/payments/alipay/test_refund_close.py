"""Refunds (partial, full, retried, raced), closing, and Alipay's refusals surfacing as
`AlipayError`."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from marketplace.payments.alipay.gateway import AlipayError, AlipayGateway
from marketplace.payments.alipay.protocol import Method, TradeState
from marketplace.payments.alipay.sandbox import AlipaySandbox
from tests.payments.alipay.conftest import Receiver, make_gateway


@pytest.fixture
def paid_trade(gateway: AlipayGateway, sandbox: AlipaySandbox) -> str:
    sandbox.open_pay_url(
        gateway.page_pay_url(out_trade_no="T-r-1", total_amount=Decimal("12.50"), subject="茶")
    )
    sandbox.pay("T-r-1")
    return "T-r-1"


def test_partial_then_full_refund(
    gateway: AlipayGateway, sandbox: AlipaySandbox, receiver: Receiver, paid_trade: str
) -> None:
    first = gateway.refund(
        out_trade_no=paid_trade, out_request_no="R-1", refund_amount=Decimal("5"), reason="缺货"
    )
    assert first.fund_change
    assert (first.refund_amount, first.refund_fee) == (Decimal("5"), Decimal("5.00"))
    assert gateway.query(out_trade_no=paid_trade).trade_status is TradeState.TRADE_SUCCESS

    rest = gateway.refund(
        out_trade_no=paid_trade, out_request_no="R-2", refund_amount=Decimal("7.50")
    )
    assert rest.fund_change and rest.refund_fee == Decimal("12.50")
    assert gateway.query(out_trade_no=paid_trade).trade_status is TradeState.TRADE_CLOSED

    # Alipay notifies refunds too: TRADE_SUCCESS with refund_fee, then TRADE_CLOSED.
    assert sandbox.wait_for_deliveries(timeout=5)
    refund_notes = [gateway.verify_notification(p) for p in receiver.received[1:]]
    assert sorted((n.trade_status, n.refund_fee, n.out_biz_no) for n in refund_notes) == [
        (TradeState.TRADE_CLOSED, Decimal("12.50"), "R-2"),
        (TradeState.TRADE_SUCCESS, Decimal("5.00"), "R-1"),
    ]

    found = gateway.refund_query(out_trade_no=paid_trade, out_request_no="R-1")
    assert found is not None and found.refund_amount == Decimal("5.00")
    assert gateway.refund_query(out_trade_no=paid_trade, out_request_no="R-9") is None


def test_retried_refund_refunds_once(
    gateway: AlipayGateway, sandbox: AlipaySandbox, paid_trade: str
) -> None:
    first = gateway.refund(
        out_trade_no=paid_trade, out_request_no="R-1", refund_amount=Decimal("5.00")
    )
    again = gateway.refund(
        out_trade_no=paid_trade, out_request_no="R-1", refund_amount=Decimal("5.00")
    )

    assert first.fund_change and not again.fund_change
    assert again.refund_fee == Decimal("5.00")
    assert sandbox.trade(paid_trade).refunded_total == Decimal("5.00")


def test_racing_retries_of_one_refund_move_money_once(
    alipay_dir, sandbox: AlipaySandbox, receiver: Receiver, paid_trade: str
) -> None:
    results, errors = [], []
    start = threading.Barrier(8)

    def refund() -> None:
        # One gateway per thread, as separate worker processes would have.
        gateway = make_gateway(alipay_dir, sandbox.gateway_url, notify_url=receiver.url)
        start.wait()
        try:
            results.append(
                gateway.refund(
                    out_trade_no=paid_trade, out_request_no="R-race", refund_amount=Decimal("10")
                )
            )
        except AlipayError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=refund) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert errors == []
    assert sorted(r.fund_change for r in results) == [False] * 7 + [True]
    assert sandbox.trade(paid_trade).refunded_total == Decimal("10.00")


@pytest.mark.parametrize(
    ("out_request_no", "amount", "sub_code"),
    [
        ("R-over", Decimal("12.51"), "ACQ.REASON_TRADE_REFUND_FEE_ERR"),
        ("R-1", Decimal("2.00"), "ACQ.INVALID_PARAMETER"),  # same number, other amount
    ],
)
def test_refund_refusals(
    gateway: AlipayGateway, paid_trade: str, out_request_no, amount, sub_code
) -> None:
    gateway.refund(out_trade_no=paid_trade, out_request_no="R-1", refund_amount=Decimal("1.00"))

    with pytest.raises(AlipayError) as refused:
        gateway.refund(out_trade_no=paid_trade, out_request_no=out_request_no, refund_amount=amount)
    assert (refused.value.code, refused.value.sub_code) == ("40004", sub_code)
    assert not refused.value.retryable


def test_unpaid_or_unknown_trades_cannot_be_refunded(
    gateway: AlipayGateway, sandbox: AlipaySandbox
) -> None:
    sandbox.open_pay_url(
        gateway.page_pay_url(out_trade_no="T-r-2", total_amount=Decimal("2.00"), subject="x")
    )
    with pytest.raises(AlipayError) as unpaid:
        gateway.refund(out_trade_no="T-r-2", out_request_no="R", refund_amount=Decimal("1.00"))
    assert unpaid.value.sub_code == "ACQ.TRADE_STATUS_ERROR"

    with pytest.raises(AlipayError) as unknown:
        gateway.refund(out_trade_no="T-none", out_request_no="R", refund_amount=Decimal("1.00"))
    assert unknown.value.sub_code == "ACQ.TRADE_NOT_EXIST"


def test_refund_amounts_must_have_two_decimals(gateway: AlipayGateway, paid_trade) -> None:
    with pytest.raises(ValueError):
        gateway.refund(out_trade_no=paid_trade, out_request_no="R", refund_amount=Decimal("0.001"))


def test_close_only_unpaid_trades(
    gateway: AlipayGateway, sandbox: AlipaySandbox, receiver: Receiver, paid_trade: str
) -> None:
    gateway.precreate(out_trade_no="T-c-1", total_amount=Decimal("4.00"), subject="盐")

    assert gateway.close(out_trade_no="T-c-1") is True
    assert sandbox.trade("T-c-1").status is TradeState.TRADE_CLOSED
    # Retrying the close is harmless.
    assert gateway.close(out_trade_no="T-c-1") is True
    # Alipay never saw this one (the pay page was never opened): nothing to close.
    assert gateway.close(out_trade_no="T-c-never") is False

    with pytest.raises(AlipayError) as refused:
        gateway.close(out_trade_no=paid_trade)
    assert (refused.value.code, refused.value.sub_code) == ("40004", "ACQ.TRADE_STATUS_ERROR")
    assert gateway.query(out_trade_no=paid_trade).is_paid


def test_close_of_an_opened_trade_is_notified(
    gateway: AlipayGateway, sandbox: AlipaySandbox, receiver: Receiver
) -> None:
    sandbox.open_pay_url(
        gateway.page_pay_url(out_trade_no="T-c-2", total_amount=Decimal("4.00"), subject="盐")
    )
    gateway.close(out_trade_no="T-c-2")

    assert sandbox.wait_for_deliveries(timeout=5)
    (note,) = [gateway.verify_notification(p) for p in receiver.received]
    assert note.trade_status is TradeState.TRADE_CLOSED and note.gmt_close is not None


def test_query_reports_unknown_trades_as_not_exist(gateway: AlipayGateway, sandbox) -> None:
    status = gateway.query(out_trade_no="T-nobody")

    assert status.trade_status is TradeState.NOT_EXIST and not status.exists


def test_error_codes_become_alipay_errors(gateway: AlipayGateway, sandbox: AlipaySandbox) -> None:
    sandbox.inject_error(Method.QUERY, code="40004", sub_code="ACQ.ACCESS_FORBIDDEN")

    with pytest.raises(AlipayError) as failed:
        gateway.query(out_trade_no="T-any")
    assert (failed.value.code, failed.value.sub_code) == ("40004", "ACQ.ACCESS_FORBIDDEN")


def test_request_signed_with_an_unknown_key_is_refused(
    alipay_dir, sandbox: AlipaySandbox, stranger_key
) -> None:
    impostor = make_gateway(
        alipay_dir, sandbox.gateway_url, app_private_key_pem=stranger_key.private_key_pem
    )
    with pytest.raises(AlipayError) as refused:
        impostor.query(out_trade_no="T-any")
    assert (refused.value.code, refused.value.sub_code) == ("40002", "isv.invalid-signature")


def test_wrong_app_id_is_refused(alipay_dir, sandbox: AlipaySandbox) -> None:
    other = make_gateway(alipay_dir, sandbox.gateway_url, app_id="2021000000009999")
    with pytest.raises(AlipayError) as refused:
        other.query(out_trade_no="T-any")
    assert refused.value.sub_code == "isv.invalid-app-id"


def test_response_signed_by_someone_else_is_not_trusted(
    alipay_dir, sandbox: AlipaySandbox, stranger_key
) -> None:
    fooled = make_gateway(
        alipay_dir, sandbox.gateway_url, alipay_public_key_pem=stranger_key.public_key_pem
    )
    with pytest.raises(AlipayError) as failed:
        fooled.query(out_trade_no="T-any")
    assert failed.value.code == AlipayError.INVALID_RESPONSE


def test_unreachable_gateway_is_a_retryable_network_error(alipay_dir) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gone = make_gateway(alipay_dir, f"http://127.0.0.1:{port}/gateway.do")

    with pytest.raises(AlipayError) as failed:
        gone.refund(out_trade_no="T", out_request_no="R", refund_amount=Decimal("1.00"))
    assert failed.value.code == AlipayError.NETWORK and failed.value.retryable
