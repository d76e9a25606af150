"""Counter sales: cash with change, Alipay payment code (paid at once, or after the buyer
confirms on the phone, or refused), QR codes, stock held and given back, the ledger and
the receipt once, and idempotency by request id."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from collective_econ.ledger.selectors import account_balance
from collective_econ.ledger.services import account_get_or_create
from collective_econ.models import AccountKind, JournalTransaction
from marketplace.accounts.models import Role
from marketplace.core.errors import PermissionRefused
from marketplace.payments.alipay.gateway import gateway_from_settings
from marketplace.red_supermarket.counter.error_codes import CounterErrorCode
from marketplace.red_supermarket.counter.services import (
    PaymentInput,
    SaleLineInput,
    counter_sale_cancel,
    counter_sale_create,
    counter_sale_poll,
    till_shift_open,
)
from marketplace.red_supermarket.models import CounterSale, CounterSaleStatus, Receipt
from tests import factories

pytestmark = pytest.mark.django_db


def codes(exc: ValidationError) -> set[str]:
    return {e.code for errors in exc.error_dict.values() for e in errors}


def sell(counter, payment, *, request_id="req-00000001", lines=None, **kw):  # type: ignore[no-untyped-def]
    return counter_sale_create(
        supermarket=counter.supermarket,
        operator=counter.operator,
        request_id=request_id,
        lines=lines or [SaleLineInput(variant_id=counter.goods[0].pk, quantity=2)],
        payment=payment,
        **kw,
    )


def open_till(counter, amount="100.00"):  # type: ignore[no-untyped-def]
    return till_shift_open(
        supermarket=counter.supermarket, operator=counter.operator, float_amount=amount
    )


def test_a_cash_sale_gives_change_takes_stock_posts_once_and_prints_a_receipt(counter) -> None:
    open_till(counter)
    sale = sell(
        counter, PaymentInput(method="CASH", cash_received="20.00"), member_id=counter.member.pk
    )
    assert sale.status == CounterSaleStatus.PAID
    assert sale.total == Decimal("17.00") and sale.change_given == Decimal("3.00")
    assert counter.stock(counter.goods[0]).quantity == 18
    till = account_get_or_create(kind=AccountKind.CASH_TILL, owner=counter.supermarket.shop.village)
    assert account_balance(account=till) == Decimal("117.00")
    receipt = Receipt.objects.get(reference=f"counter-sale:{sale.pk}")
    assert receipt.total == Decimal("17.00") and receipt.payment_details["change"] == "3.00"
    again = sell(
        counter, PaymentInput(method="CASH", cash_received="20.00"), member_id=counter.member.pk
    )
    assert again.pk == sale.pk
    assert counter.stock(counter.goods[0]).quantity == 18
    assert JournalTransaction.objects.filter(idempotency_key=f"counter-sale:{sale.pk}").count() == 1


def test_cash_short_no_till_and_bad_input_are_refused_and_write_nothing(counter) -> None:
    with pytest.raises(ValidationError) as caught:
        sell(counter, PaymentInput(method="CASH", cash_received="50.00"))
    assert codes(caught.value) == {CounterErrorCode.NO_OPEN_SHIFT.value}
    open_till(counter)
    for payment, code in [
        (PaymentInput(method="CASH", cash_received="10.00"), CounterErrorCode.CASH_SHORT),
        (PaymentInput(method="CASH", cash_received="-1"), CounterErrorCode.INVALID_AMOUNT),
        (PaymentInput(method="CASH", cash_received="1.234"), CounterErrorCode.INVALID_AMOUNT),
        (PaymentInput(method="ALIPAY_CODE", auth_code="12ab"), CounterErrorCode.BAD_PAYMENT_CODE),
        (PaymentInput(method="BITCOIN"), CounterErrorCode.INVALID),
    ]:
        with pytest.raises(ValidationError) as caught:
            sell(counter, payment)
        assert codes(caught.value) == {code.value}
    with pytest.raises(ValidationError) as caught:
        sell(
            counter,
            PaymentInput(method="CASH", cash_received="999.00"),
            lines=[SaleLineInput(variant_id=counter.goods[0].pk, quantity=21)],
        )
    assert codes(caught.value) == {CounterErrorCode.INSUFFICIENT_STOCK.value}
    other = factories.product(shop_obj=factories.shop())
    with pytest.raises(ValidationError) as caught:
        sell(
            counter,
            PaymentInput(method="CASH", cash_received="999.00"),
            lines=[SaleLineInput(variant_id=factories.first_variant(other).pk, quantity=1)],
        )
    assert codes(caught.value) == {CounterErrorCode.UNKNOWN_ITEM.value}
    stranger = factories.household(village_obj=factories.village())
    with pytest.raises(ValidationError) as caught:
        sell(counter, PaymentInput(method="CASH", cash_received="99.00"), member_id=stranger.pk)
    assert codes(caught.value) == {CounterErrorCode.MEMBER_NOT_OF_VILLAGE.value}
    assert not CounterSale.objects.exists()
    assert counter.stock(counter.goods[0]).quantity == 20
    assert counter.stock(counter.goods[0]).quantity_allocated == 0


def test_only_the_supermarkets_operators_sell(counter) -> None:
    officer = factories.user(
        role=Role.TOWNSHIP_OFFICER, township_obj=counter.supermarket.shop.village.township
    )
    other_operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=factories.shop())
    for user in (officer, other_operator, None):
        with pytest.raises(PermissionRefused):
            counter_sale_create(
                supermarket=counter.supermarket,
                operator=user,
                request_id="req-00000009",
                lines=[SaleLineInput(variant_id=counter.goods[0].pk, quantity=1)],
                payment=PaymentInput(method="CASH", cash_received="50"),
            )


def test_a_reused_request_id_with_other_lines_is_refused(counter) -> None:
    open_till(counter)
    sell(counter, PaymentInput(method="CASH", cash_received="20.00"))
    with pytest.raises(ValidationError) as caught:
        sell(counter, PaymentInput(method="CASH", cash_received="30.00"))
    assert codes(caught.value) == {CounterErrorCode.REQUEST_ID_REUSED.value}


def test_payment_code_pays_at_once_and_a_used_code_is_refused(counter, sandbox, gateway) -> None:
    code = sandbox.face_to_face.new_auth_code(1)
    sale = sell(counter, PaymentInput(method="ALIPAY_CODE", auth_code=code), gateway=gateway)
    assert sale.status == CounterSaleStatus.PAID and sale.alipay_trade_no
    stock = counter.stock(counter.goods[0])
    assert (stock.quantity, stock.quantity_allocated) == (18, 0)
    clearing = account_get_or_create(kind=AccountKind.ALIPAY_CLEARING)
    assert account_balance(account=clearing) == Decimal("17.00")
    assert Receipt.objects.filter(reference=f"counter-sale:{sale.pk}").exists()
    with pytest.raises(ValidationError) as caught:
        sell(
            counter,
            PaymentInput(method="ALIPAY_CODE", auth_code=code),
            request_id="req-00000002",
            gateway=gateway,
        )
    assert codes(caught.value) == {CounterErrorCode.PAYMENT_CODE_USED.value}


def test_a_code_alipay_refuses_fails_the_sale_and_gives_the_stock_back(
    counter, sandbox, gateway
) -> None:
    code = sandbox.face_to_face.new_auth_code(2)
    # Used elsewhere (another merchant): only Alipay knows.
    sandbox.face_to_face._used_codes.add(code)
    sale = sell(counter, PaymentInput(method="ALIPAY_CODE", auth_code=code), gateway=gateway)
    assert sale.status == CounterSaleStatus.FAILED
    assert sale.failure_code == CounterErrorCode.PAYMENT_CODE_USED.value
    stock = counter.stock(counter.goods[0])
    assert (stock.quantity, stock.quantity_allocated) == (20, 0)
    assert not Receipt.objects.exists()


def test_user_paying_holds_the_stock_until_the_buyer_confirms(counter, sandbox, gateway) -> None:
    sandbox.face_to_face.require_password()
    sale = sell(
        counter,
        PaymentInput(method="ALIPAY_CODE", auth_code=sandbox.face_to_face.new_auth_code(3)),
        gateway=gateway,
    )
    assert sale.status == CounterSaleStatus.PENDING
    stock = counter.stock(counter.goods[0])
    assert (stock.quantity, stock.quantity_allocated) == (20, 2)
    assert (
        counter_sale_poll(sale=sale, operator=counter.operator, gateway=gateway).status
        == CounterSaleStatus.PENDING
    )
    sandbox.face_to_face.confirm_password(sale.out_trade_no)
    paid = counter_sale_poll(sale=sale, operator=counter.operator, gateway=gateway)
    assert paid.status == CounterSaleStatus.PAID
    stock.refresh_from_db()
    assert (stock.quantity, stock.quantity_allocated) == (18, 0)
    # A second poll, or a late one, posts nothing more.
    counter_sale_poll(sale=paid, operator=counter.operator, gateway=gateway)
    assert JournalTransaction.objects.filter(idempotency_key=f"counter-sale:{sale.pk}").count() == 1


def test_user_paying_past_the_timeout_is_cancelled_at_alipay(
    counter, sandbox, gateway, settings
) -> None:
    sandbox.face_to_face.require_password()
    sale = sell(
        counter,
        PaymentInput(method="ALIPAY_CODE", auth_code=sandbox.face_to_face.new_auth_code(4)),
        gateway=gateway,
    )
    settings.COUNTER_ALIPAY_TIMEOUT_SECONDS = 0
    cancelled = counter_sale_poll(sale=sale, operator=counter.operator, gateway=gateway)
    assert cancelled.status == CounterSaleStatus.CANCELLED
    assert sandbox.trade(sale.out_trade_no).status.value == "TRADE_CLOSED"
    stock = counter.stock(counter.goods[0])
    assert (stock.quantity, stock.quantity_allocated) == (20, 0)
    with pytest.raises(ValidationError) as caught:
        counter_sale_cancel(sale=cancelled, operator=counter.operator, gateway=gateway)
    assert codes(caught.value) == {CounterErrorCode.SALE_FINISHED.value}


def test_qr_sale_is_paid_when_the_buyer_scans_and_pays(counter, sandbox, gateway) -> None:
    sale = sell(counter, PaymentInput(method="ALIPAY_QR"), gateway=gateway)
    assert sale.status == CounterSaleStatus.PENDING and sale.qr_code
    assert (
        counter_sale_poll(sale=sale, operator=counter.operator, gateway=gateway).status
        == CounterSaleStatus.PENDING
    )
    sandbox.pay(sandbox.scan(sale.qr_code), deliver=False)
    assert (
        counter_sale_poll(sale=sale, operator=counter.operator, gateway=gateway).status
        == CounterSaleStatus.PAID
    )


def _scanned_qr_sale(counter, settings, sandbox, url: str):  # type: ignore[no-untyped-def]
    """A QR sale whose precreate carried the live server's notify_url, scanned by the
    buyer: (gateway, sale, out_trade_no)."""
    settings.ALIPAY_NOTIFY_URL = f"{url}/payments/alipay/notify/"
    gateway = gateway_from_settings()
    sale = sell(counter, PaymentInput(method="ALIPAY_QR"), gateway=gateway)
    return gateway, sale, sandbox.scan(sale.qr_code)


def _settled_once(sale: CounterSale) -> None:
    assert JournalTransaction.objects.filter(idempotency_key=f"counter-sale:{sale.pk}").count() == 1
    assert Receipt.objects.filter(reference=sale.receipt_reference).count() == 1


def _still_pending(sale: CounterSale) -> None:
    sale.refresh_from_db()
    assert sale.status == CounterSaleStatus.PENDING
    assert not Receipt.objects.filter(reference=sale.receipt_reference).exists()


@pytest.mark.django_db(transaction=True)
def test_qr_sale_is_paid_by_alipays_notification_alone(
    counter, sandbox, settings, live_server
) -> None:
    gateway, sale, out_trade_no = _scanned_qr_sale(counter, settings, sandbox, live_server.url)
    # The sandbox posts the signed notification to the QR's notify_url; no one polls.
    params = sandbox.pay(out_trade_no)
    sale.refresh_from_db()
    assert sale.status == CounterSaleStatus.PAID
    assert sale.alipay_trade_no == params["trade_no"]
    assert counter.stock(counter.goods[0]).quantity == 18
    assert counter.stock(counter.goods[0]).quantity_allocated == 0
    _settled_once(sale)
    # Alipay repeating itself changes nothing, and is answered "success" so it stops.
    assert sandbox.replay_notification(out_trade_no).body == "success"
    assert counter.stock(counter.goods[0]).quantity == 18
    _settled_once(sale)
    # Nor does a poll that comes after.
    assert counter_sale_poll(sale=sale, operator=counter.operator, gateway=gateway).pk == sale.pk
    _settled_once(sale)


@pytest.mark.django_db(transaction=True)
def test_a_tampered_notification_for_a_counter_trade_is_refused_and_changes_nothing(
    counter, sandbox, settings, live_server
) -> None:
    _, sale, out_trade_no = _scanned_qr_sale(counter, settings, sandbox, live_server.url)
    sandbox.pay(out_trade_no, deliver=False)
    attempt = sandbox.send_tampered_notification(out_trade_no, total_amount="0.01")
    assert attempt.body == "fail"
    _still_pending(sale)


@pytest.mark.django_db(transaction=True)
def test_a_signed_notification_for_another_amount_does_not_finish_the_sale(
    counter, sandbox, settings, live_server
) -> None:
    _, sale, out_trade_no = _scanned_qr_sale(counter, settings, sandbox, live_server.url)
    sandbox.pay(out_trade_no, deliver=False)
    short = sandbox.build_notification(out_trade_no, changes={"total_amount": "0.01"})
    # Authentic, so answered "success" (repeating it would change nothing), but not paid.
    assert sandbox.send(out_trade_no, short).body == "success"
    _still_pending(sale)


@pytest.mark.django_db(transaction=True)
def test_a_notification_of_a_closed_counter_trade_gives_the_stock_back(
    counter, sandbox, settings, live_server
) -> None:
    _, sale, out_trade_no = _scanned_qr_sale(counter, settings, sandbox, live_server.url)
    closed = sandbox.build_notification(out_trade_no, changes={"trade_status": "TRADE_CLOSED"})
    assert sandbox.send(out_trade_no, closed).body == "success"
    sale.refresh_from_db()
    assert (sale.status, sale.failure_code) == (
        CounterSaleStatus.FAILED,
        CounterErrorCode.PAYMENT_FAILED.value,
    )
    assert counter.stock(counter.goods[0]).quantity_allocated == 0


def test_the_operator_cancels_a_waiting_qr_sale(counter, sandbox, gateway) -> None:
    sale = sell(counter, PaymentInput(method="ALIPAY_QR"), gateway=gateway)
    cancelled = counter_sale_cancel(sale=sale, operator=counter.operator, gateway=gateway)
    assert cancelled.status == CounterSaleStatus.CANCELLED
    assert counter.stock(counter.goods[0]).quantity_allocated == 0


def test_alipay_unreachable_leaves_a_pending_sale_that_the_poll_resolves(
    counter, sandbox, gateway
) -> None:
    sandbox.inject_error("alipay.trade.pay")
    sale = sell(
        counter,
        PaymentInput(method="ALIPAY_CODE", auth_code=sandbox.face_to_face.new_auth_code(5)),
        gateway=gateway,
    )
    assert sale.status == CounterSaleStatus.PENDING
    # The system error came before the trade existed: Alipay has nothing; past the timeout
    # the poll cancels and gives the stock back, never charging again.
    assert (
        counter_sale_poll(sale=sale, operator=counter.operator, gateway=gateway).status
        == CounterSaleStatus.PENDING
    )
