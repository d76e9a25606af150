"""Till shifts: one open per supermarket, cash sales need one, closing counts the cash
against the ledger's CASH_TILL postings of the shift, posts the variance once, and a second
close is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from collective_econ.ledger.selectors import account_balance
from collective_econ.ledger.services import Leg, account_get_or_create, journal_post
from collective_econ.models import AccountKind, JournalKind, JournalTransaction, Posting
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
from marketplace.red_supermarket.models import Receipt, ReceiptKind, TillShift, TillShiftStatus
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
    # The float went back to the collective's cash; the counted takings stay on the till.
    assert account_balance(account=till) == Decimal("8.00")
    collective_cash = account_get_or_create(kind=AccountKind.COLLECTIVE_CASH, owner=village)
    assert account_balance(account=collective_cash) == Decimal("0.00")
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


def _balance(kind: str, village) -> Decimal:  # type: ignore[no-untyped-def]
    return account_balance(account=account_get_or_create(kind=kind, owner=village))


def _sell_cash(counter, request_id: str, *, quantity: int) -> None:  # type: ignore[no-untyped-def]
    """A cash sale of `quantity` × goods[4] (12.50 each)."""
    counter_sale_create(
        supermarket=counter.supermarket,
        operator=counter.operator,
        request_id=request_id,
        lines=[SaleLineInput(variant_id=counter.goods[4].pk, quantity=quantity)],
        payment=PaymentInput(method="CASH", cash_received=str(Decimal("12.50") * quantity)),
    )


def test_the_float_comes_from_the_collectives_cash_and_goes_back_there(counter) -> None:
    village = counter.supermarket.shop.village
    shift = till_shift_open(
        supermarket=counter.supermarket, operator=counter.operator, float_amount="100.00"
    )
    # The float left the safe for the drawer; the collective's income did not move.
    assert _balance(AccountKind.COLLECTIVE_CASH, village) == Decimal("-100.00")
    assert _balance(AccountKind.CASH_TILL, village) == Decimal("100.00")
    assert _balance(AccountKind.VILLAGE_COLLECTIVE, village) == Decimal("0.00")
    _sell_cash(counter, "till-sale-float-1", quantity=4)
    closed = till_shift_close(shift=shift, operator=counter.operator, counted_amount="150.00")
    assert (closed.expected_amount, closed.variance) == (Decimal("150.00"), Decimal("0.00"))
    # All 100 of the float is back in the safe; the till keeps the 50 of takings.
    assert _balance(AccountKind.COLLECTIVE_CASH, village) == Decimal("0.00")
    assert _balance(AccountKind.CASH_TILL, village) == Decimal("50.00")
    # Only the sale is income (a credit of 50 on the collective's account).
    assert _balance(AccountKind.VILLAGE_COLLECTIVE, village) == Decimal("-50.00")
    receipt = Receipt.objects.get(kind=ReceiptKind.TILL_CLOSE, reference=f"till-shift:{shift.pk}")
    assert receipt.payment_details["float_returned"] == "100.00"
    assert receipt.lines[-1]["amount"] == "100.00"


def test_a_short_till_hands_back_the_float_while_the_count_covers_it(counter) -> None:
    village = counter.supermarket.shop.village
    shift = till_shift_open(
        supermarket=counter.supermarket, operator=counter.operator, float_amount="100.00"
    )
    _sell_cash(counter, "till-sale-short-1", quantity=4)
    # 150 expected, 120 counted: 30 short, the float (100) is all there to go back.
    closed = till_shift_close(shift=shift, operator=counter.operator, counted_amount="120.00")
    assert closed.variance == Decimal("-30.00")
    assert _balance(AccountKind.TILL_VARIANCE, village) == Decimal("30.00")
    assert _balance(AccountKind.COLLECTIVE_CASH, village) == Decimal("0.00")
    assert _balance(AccountKind.CASH_TILL, village) == Decimal("20.00")


def test_a_till_short_of_its_float_hands_back_only_what_was_counted(counter) -> None:
    village = counter.supermarket.shop.village
    shift = till_shift_open(
        supermarket=counter.supermarket, operator=counter.operator, float_amount="100.00"
    )
    # No sales; 60 counted: 40 short, and only 60 is there to return to the safe.
    closed = till_shift_close(shift=shift, operator=counter.operator, counted_amount="60.00")
    assert closed.variance == Decimal("-40.00")
    assert _balance(AccountKind.TILL_VARIANCE, village) == Decimal("40.00")
    assert _balance(AccountKind.COLLECTIVE_CASH, village) == Decimal("-40.00")
    assert _balance(AccountKind.CASH_TILL, village) == Decimal("0.00")
    receipt = Receipt.objects.get(kind=ReceiptKind.TILL_CLOSE, reference=f"till-shift:{shift.pk}")
    assert receipt.payment_details["float_returned"] == "60.00"


def _legacy_shift(counter, float_amount: str) -> TillShift:  # type: ignore[no-untyped-def]
    """A shift opened before COLLECTIVE_CASH existed: its float was posted Cr
    VILLAGE_COLLECTIVE under the same key as today's."""
    village = counter.supermarket.shop.village
    amount = Decimal(float_amount)
    shift = TillShift.objects.create(
        supermarket=counter.supermarket,
        opened_by=counter.operator,
        opened_at=timezone.now(),
        float_amount=amount,
    )
    journal_post(
        kind=JournalKind.MANUAL,
        idempotency_key=f"till-float:{shift.pk}",
        legs=[
            Leg(account_get_or_create(kind=AccountKind.CASH_TILL, owner=village), amount),
            Leg(account_get_or_create(kind=AccountKind.VILLAGE_COLLECTIVE, owner=village), -amount),
        ],
    )
    return shift


def test_a_shift_whose_float_came_from_the_collectives_income_closes_back_there(counter) -> None:
    village = counter.supermarket.shop.village
    shift = _legacy_shift(counter, "80.00")
    _sell_cash(counter, "till-sale-legacy-1", quantity=2)
    till_shift_close(shift=shift, operator=counter.operator, counted_amount="105.00")
    # The float's 80 went back to the collective's account: what is left there is the sale.
    assert _balance(AccountKind.VILLAGE_COLLECTIVE, village) == Decimal("-25.00")
    assert _balance(AccountKind.CASH_TILL, village) == Decimal("25.00")
    assert not Posting.objects.filter(
        account__kind=AccountKind.COLLECTIVE_CASH, account__village=village
    ).exists()


def test_a_legacy_float_short_in_the_drawer_nets_out_of_income_and_the_till(counter) -> None:
    village = counter.supermarket.shop.village
    shift = _legacy_shift(counter, "80.00")
    # 30 counted of the 80: 50 short, only 30 is handed back.
    closed = till_shift_close(shift=shift, operator=counter.operator, counted_amount="30.00")
    assert closed.variance == Decimal("-50.00")
    assert _balance(AccountKind.CASH_TILL, village) == Decimal("0.00")
    # The income account gets its whole float back (it lent it; nothing was earned) and
    # the 50 the drawer lacks is the collective's cash, as for a float lent from there.
    assert _balance(AccountKind.VILLAGE_COLLECTIVE, village) == Decimal("0.00")
    assert _balance(AccountKind.COLLECTIVE_CASH, village) == Decimal("-50.00")
    assert _balance(AccountKind.TILL_VARIANCE, village) == Decimal("50.00")
