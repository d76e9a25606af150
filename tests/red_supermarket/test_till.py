"""Till shifts: one open per supermarket, cash sales need one, closing counts the cash
against the ledger's CASH_TILL postings of the shift, posts the variance once, and a second
close is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from collective_econ.ledger.selectors import account_balance
from collective_econ.ledger.services import account_get_or_create
from collective_econ.models import AccountKind, JournalTransaction
from marketplace.accounts.models import Role
from marketplace.core.errors import PermissionRefused
from marketplace.red_supermarket.counter.error_codes import CounterErrorCode
from marketplace.red_supermarket.counter.services import (
    PaymentInput,
    SaleLineInput,
    counter_sale_create,
    till_shift_close,
    till_shift_open,
)
from marketplace.red_supermarket.models import Receipt, ReceiptKind, TillShiftStatus
from tests import factories
from tests.red_supermarket.test_counter_sales import codes

pytestmark = pytest.mark.django_db


def test_a_shift_counts_float_and_cash_sales_and_posts_the_variance_once(counter) -> None:
    village = counter.supermarket.shop.village
    shift = till_shift_open(
        supermarket=counter.supermarket, operator=counter.operator, float_amount="100.00"
    )
    with pytest.raises(ValidationError) as caught:
        till_shift_open(
            supermarket=counter.supermarket, operator=counter.operator, float_amount="50"
        )
    assert codes(caught.value) == {CounterErrorCode.SHIFT_ALREADY_OPEN.value}
    counter_sale_create(
        supermarket=counter.supermarket,
        operator=counter.operator,
        request_id="till-sale-0001",
        lines=[SaleLineInput(variant_id=counter.goods[1].pk, quantity=1)],
        payment=PaymentInput(method="CASH", cash_received="10.00"),
    )
    # 100 float + 9.50 sale expected; the operator counts 108.00: 1.50 short.
    closed = till_shift_close(shift=shift, operator=counter.operator, counted_amount="108.00")
    assert closed.status == TillShiftStatus.CLOSED
    assert (closed.expected_amount, closed.variance) == (Decimal("109.50"), Decimal("-1.50"))
    variance = account_get_or_create(kind=AccountKind.TILL_VARIANCE, owner=village)
    assert account_balance(account=variance) == Decimal("1.50")
    till = account_get_or_create(kind=AccountKind.CASH_TILL, owner=village)
    # The float went back to the collective; the counted takings stay on the till.
    assert account_balance(account=till) == Decimal("8.00")
    assert Receipt.objects.filter(
        kind=ReceiptKind.TILL_CLOSE, reference=f"till-shift:{shift.pk}"
    ).exists()
    with pytest.raises(ValidationError) as caught:
        till_shift_close(shift=shift, operator=counter.operator, counted_amount="108.00")
    assert codes(caught.value) == {CounterErrorCode.TILL_ALREADY_CLOSED.value}
    assert JournalTransaction.objects.filter(idempotency_key=f"till-close:{shift.pk}").count() == 1
    # A new shift may open once the last one is closed.
    till_shift_open(supermarket=counter.supermarket, operator=counter.operator, float_amount="0")


def test_bad_amounts_and_strangers_are_refused(counter) -> None:
    for amount in ("-5", "abc", "1.005", None):
        with pytest.raises(ValidationError) as caught:
            till_shift_open(
                supermarket=counter.supermarket, operator=counter.operator, float_amount=amount
            )
        assert codes(caught.value) == {CounterErrorCode.INVALID_AMOUNT.value}
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=counter.supermarket.shop)
    with pytest.raises(PermissionRefused):
        till_shift_open(supermarket=counter.supermarket, operator=manager, float_amount="10")
    shift = till_shift_open(
        supermarket=counter.supermarket, operator=counter.operator, float_amount="10"
    )
    with pytest.raises(PermissionRefused):
        till_shift_close(shift=shift, operator=manager, counted_amount="10")
