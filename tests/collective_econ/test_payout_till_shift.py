"""Cash payouts are handed out of the Red Supermarket's till during an open shift, as
small cash withdrawals are: refused with NO_OPEN_SHIFT when the till is closed and
INSUFFICIENT_TILL_CASH when it holds too little (nothing written either way); a payout
names its shift and lowers that shift's expected cash, so counting float − payout at
close is no variance. A payout and the shift's close at once: the close counts the payout
after waiting for it, never misses it (two PostgreSQL connections)."""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from collective_econ.ledger.selectors import account_balance
from collective_econ.ledger.services import Leg, account_get_or_create, journal_post
from collective_econ.models import AccountKind, JournalTransaction, Payout, PayoutStatus
from collective_econ.payouts import services as payout_services
from collective_econ.payouts.services import payout_create
from marketplace.accounts.models import Role
from marketplace.agency.ledger import till_balance
from marketplace.red_supermarket.counter import ledger as counter_ledger
from marketplace.red_supermarket.counter.ledger import till_cash_since
from marketplace.red_supermarket.counter.services import till_shift_close, till_shift_open
from marketplace.red_supermarket.models import TillShift
from tests import factories
from tests.api_distribution.books import (
    Books,
    error_code,
    filed_distribution,
    make_books,
    post_collective_income,
)

D = Decimal


def _books() -> tuple[Books, Any, Any]:
    """Two member households owed 150.00 each, the village's Red Supermarket and one of
    its counter operators; no shift open yet."""
    books = make_books(households=2, shares=["1", "1"])
    post_collective_income(books.village, "300.00")
    filed_distribution(books, reserve="0", welfare="0")
    supermarket = factories.red_supermarket(shop_obj=books.shop)
    operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=books.shop)
    return books, supermarket, operator


def _pay_cash(books: Books, amount: str, *, i: int = 0, key: str = "cash-1") -> Payout:
    return payout_create(
        actor=books.manager,
        village=books.village,
        household=books.households[i],
        account_kind="MEMBER",
        amount=amount,
        method="CASH",
        request_id=key,
        receipt_number=f"R-{key}",
    )


def _nothing_paid() -> bool:
    return (
        not Payout.objects.exists()
        and not JournalTransaction.objects.filter(kind="PAYOUT").exists()
    )


@pytest.mark.django_db
def test_a_cash_payout_is_recorded_against_the_open_shift_and_closes_with_no_variance() -> None:
    books, supermarket, operator = _books()
    shift = till_shift_open(supermarket=supermarket, operator=operator, float_amount="200.00")
    payout = _pay_cash(books, "150.00")
    assert payout.status == PayoutStatus.SUCCEEDED
    assert payout.till_shift_id == shift.pk
    assert list(shift.cash_payouts.all()) == [payout]
    # The shift's expected cash dropped by the payout.
    assert till_cash_since(village=books.village, since=shift.opened_at) == D("50.00")
    closed = till_shift_close(shift=shift, operator=operator, counted_amount="50.00")
    assert closed.expected_amount == D("50.00")
    assert closed.variance == D("0.00")


@pytest.mark.django_db
def test_counting_the_whole_float_after_a_payout_is_a_variance_of_the_payout() -> None:
    books, supermarket, operator = _books()
    shift = till_shift_open(supermarket=supermarket, operator=operator, float_amount="200.00")
    _pay_cash(books, "150.00")
    closed = till_shift_close(shift=shift, operator=operator, counted_amount="200.00")
    assert closed.variance == D("150.00")


@pytest.mark.django_db
def test_no_open_shift_is_refused_and_writes_nothing() -> None:
    books, supermarket, operator = _books()
    # Cash in the till (brought from the bank), but nobody has opened it.
    journal_post(
        kind="MANUAL",
        idempotency_key="till-cash-from-bank",
        legs=[
            Leg(account_get_or_create(kind=AccountKind.CASH_TILL, owner=books.village), D("500")),
            Leg(account_get_or_create(kind=AccountKind.ALIPAY_CLEARING), D("-500")),
        ],
    )
    with pytest.raises(ValidationError) as exc:
        _pay_cash(books, "10.00")
    assert error_code(exc) == "no_open_shift"
    assert _nothing_paid()
    # Once the shift is closed again, cash is refused again.
    shift = till_shift_open(supermarket=supermarket, operator=operator, float_amount="0.00")
    till_shift_close(shift=shift, operator=operator, counted_amount="500.00")
    with pytest.raises(ValidationError) as exc:
        _pay_cash(books, "10.00", key="cash-2")
    assert error_code(exc) == "no_open_shift"
    assert _nothing_paid()


@pytest.mark.django_db
def test_not_enough_cash_in_the_till_is_refused_and_writes_nothing() -> None:
    books, supermarket, operator = _books()
    shift = till_shift_open(supermarket=supermarket, operator=operator, float_amount="100.00")
    with pytest.raises(ValidationError) as exc:
        _pay_cash(books, "100.01")
    assert error_code(exc) == "insufficient_till_cash"
    assert _nothing_paid()
    assert till_cash_since(village=books.village, since=shift.opened_at) == D("100.00")
    assert _pay_cash(books, "100.00").till_shift_id == shift.pk


@pytest.mark.django_db
def test_an_alipay_payout_cannot_name_a_till_shift() -> None:
    books, supermarket, operator = _books()
    shift = till_shift_open(supermarket=supermarket, operator=operator, float_amount="0.00")
    payout = Payout.objects.create(
        household=books.households[0],
        account_kind="MEMBER",
        amount=D("1.00"),
        method="ALIPAY",
        request_id="ali-1",
        out_biz_no="RMP-ali-1",
        payee_logon_id="payee@example.cn",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Payout.objects.filter(pk=payout.pk).update(till_shift=shift)


@pytest.mark.django_db(transaction=True)
def test_a_close_while_a_payout_is_weighed_waits_and_counts_it() -> None:
    """The payout has found the shift open and is weighing the till's cash when the
    operator closes the shift (the payout thread signals, then dawdles): the close must
    wait for the payout's commit and count it. Without the shift lock it would count 100
    and the payout would land on a closed shift."""
    books, supermarket, operator = _books()
    shift = till_shift_open(supermarket=supermarket, operator=operator, float_amount="100.00")
    weighing = threading.Event()
    errors: list[BaseException] = []

    def slow_till_balance(**kw: Any) -> Decimal:
        weighing.set()
        time.sleep(0.5)
        return till_balance(**kw)

    def pay() -> None:
        try:
            with mock.patch.object(payout_services, "till_balance", slow_till_balance):
                _pay_cash(books, "60.00", key="race")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def close() -> None:
        try:
            assert weighing.wait(timeout=10)
            till_shift_close(shift=shift, operator=operator, counted_amount="40.00")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=pay), threading.Thread(target=close)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    payout = Payout.objects.get(request_id="race")
    closed = TillShift.objects.get(pk=shift.pk)
    assert payout.till_shift_id == shift.pk and payout.completed_at < closed.closed_at
    assert closed.expected_amount == D("40.00") and closed.variance == D("0.00")


@pytest.mark.django_db(transaction=True)
def test_a_payout_while_the_close_is_counting_waits_and_is_refused() -> None:
    """The other order: the close holds the shift and is counting (it signals, then
    dawdles) when the payout arrives. The payout waits for the close, then finds no open
    shift: NO_OPEN_SHIFT, nothing written, and no deadlock (the close's receipt row
    refers to the supermarket the payout has locked)."""
    books, supermarket, operator = _books()
    shift = till_shift_open(supermarket=supermarket, operator=operator, float_amount="100.00")
    counting = threading.Event()
    errors: list[BaseException] = []

    def slow_till_cash_since(**kw: Any) -> Decimal:
        counting.set()
        time.sleep(0.5)
        return till_cash_since(**kw)

    def close() -> None:
        try:
            with mock.patch.object(counter_ledger, "till_cash_since", slow_till_cash_since):
                till_shift_close(shift=shift, operator=operator, counted_amount="100.00")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def pay() -> None:
        try:
            assert counting.wait(timeout=10)
            _pay_cash(books, "60.00", key="late")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=close), threading.Thread(target=pay)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(errors) == 1 and isinstance(errors[0], ValidationError), errors
    assert errors[0].error_dict["method"][0].code == "no_open_shift"
    closed = TillShift.objects.get(pk=shift.pk)
    assert closed.expected_amount == D("100.00") and closed.variance == D("0.00")
    assert _nothing_paid()


@pytest.mark.django_db
def test_payouts_beyond_the_takings_hand_back_only_the_cash_left_and_the_till_stays_true() -> None:
    """Float 500, a cash payout of 300, no takings, 200 counted: no variance, 200 of the
    float goes back to the collective's cash, the till holds 0.00 as the drawer does, and
    the next shift may pay out of its own float (a till left at −300 would refuse it)."""
    books = make_books(households=1, shares=["1"])
    post_collective_income(books.village, "800.00")
    filed_distribution(books, reserve="0", welfare="0")
    supermarket = factories.red_supermarket(shop_obj=books.shop)
    operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=books.shop)
    collective_cash = account_get_or_create(kind=AccountKind.COLLECTIVE_CASH, owner=books.village)
    shift = till_shift_open(supermarket=supermarket, operator=operator, float_amount="500.00")
    _pay_cash(books, "300.00")
    closed = till_shift_close(shift=shift, operator=operator, counted_amount="200.00")
    assert (closed.expected_amount, closed.variance) == (D("200.00"), D("0.00"))
    assert till_balance(supermarket=supermarket) == D("0.00")
    # 500 left the safe, 200 came back: the 300 paid out was the collective's cash.
    assert account_balance(account=collective_cash) == D("-300.00")
    close_entry = JournalTransaction.objects.get(idempotency_key=f"till-close:{shift.pk}")
    assert sorted(p.amount for p in close_entry.postings.all()) == [D("-200.00"), D("200.00")]

    second = till_shift_open(supermarket=supermarket, operator=operator, float_amount="100.00")
    assert _pay_cash(books, "100.00", key="cash-2").till_shift_id == second.pk
    till_shift_close(shift=second, operator=operator, counted_amount="0.00")
    assert till_balance(supermarket=supermarket) == D("0.00")
    assert account_balance(account=collective_cash) == D("-400.00")
