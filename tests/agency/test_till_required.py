"""Agency cash moves only through an open till shift, as counter cash sales do: a bill
paid in cash, a cash withdrawal, a ticket issued or refunded in cash are refused with
NO_OPEN_SHIFT while the till is closed, before any provider is asked and with nothing
written; a task that takes no money needs no till."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from collective_econ.models import JournalTransaction
from marketplace.agency.error_codes import AgencyErrorCode
from marketplace.agency.models import (
    AgencyOrder,
    CashWithdrawal,
    OrderStatus,
    TicketStatus,
    WithdrawalStatus,
)
from marketplace.agency.tickets import ticket_issue, ticket_refund
from marketplace.red_supermarket.counter.error_codes import CounterErrorCode
from marketplace.red_supermarket.counter.services import till_shift_close, till_shift_open
from marketplace.red_supermarket.models import Receipt, TillShift, TillShiftStatus
from tests.agency.test_api import ORDER_CREATE, WITHDRAW, order_input, sid
from tests.agency.test_orders import balances, codes, pay
from tests.agency.test_withdrawals_and_tickets import book, search, withdraw
from tests.agency.world import ID_NUMBER, make_counter, put_cash_in_till
from tests.payments.test_races import race as payments_race

pytestmark = pytest.mark.django_db

NO_OPEN_SHIFT = {AgencyErrorCode.NO_OPEN_SHIFT.value}


def close_the_till(counter) -> None:
    shift = TillShift.objects.get(supermarket=counter.supermarket, status=TillShiftStatus.OPEN)
    till_shift_close(shift=shift, operator=counter.operator, counted_amount="0.00")


@pytest.fixture
def closed_counter(db):
    return make_counter(till_open=False)


def test_the_no_open_shift_code_is_the_counters():
    assert AgencyErrorCode.NO_OPEN_SHIFT.value == CounterErrorCode.NO_OPEN_SHIFT.value


def test_a_cash_bill_with_the_till_closed_is_refused_and_nothing_is_sent(sandbox, closed_counter):
    with pytest.raises(ValidationError) as caught:
        pay(closed_counter, account="3100012345")
    assert codes(caught.value) == NO_OPEN_SHIFT
    assert not AgencyOrder.objects.exists()
    assert not Receipt.objects.exists()
    assert sandbox.order("M-utility", "req-00000001") is None
    # Once the till is open the same request goes through.
    till_shift_open(
        supermarket=closed_counter.supermarket, operator=closed_counter.operator, float_amount="0"
    )
    assert pay(closed_counter, account="3100012345").status == OrderStatus.SUCCESS


def test_a_till_closed_after_the_bill_refuses_the_next_one(sandbox, counter):
    assert pay(counter, request_id="req-00000001").status == OrderStatus.SUCCESS
    close_the_till(counter)
    with pytest.raises(ValidationError) as caught:
        pay(counter, request_id="req-00000002")
    assert codes(caught.value) == NO_OPEN_SHIFT
    assert AgencyOrder.objects.count() == 1


def test_a_task_that_takes_no_money_needs_no_till(closed_counter):
    order = pay(
        closed_counter,
        item="gov-social-card",
        fields={"name": "张三", "id_number": ID_NUMBER},
        amount="0",
    )
    assert order.status == OrderStatus.TASK_OPEN


def test_bad_input_is_still_refused_for_what_it_is(closed_counter):
    with pytest.raises(ValidationError) as caught:
        pay(closed_counter, account="12345")
    assert codes(caught.value) == {AgencyErrorCode.INVALID_ACCOUNT.value}


def test_a_cash_withdrawal_with_the_till_closed_is_refused(sandbox, closed_counter):
    # Cash in the till's account, but no shift open to hand it out through.
    put_cash_in_till(closed_counter.supermarket, Decimal("1000.00"))
    with pytest.raises(ValidationError) as caught:
        withdraw(closed_counter, "100.00", request_id="wd-00000001")
    assert codes(caught.value) == NO_OPEN_SHIFT
    assert not CashWithdrawal.objects.exists()
    assert balances(closed_counter)[0] == Decimal("1000.00")


def test_a_ticket_is_neither_issued_nor_refunded_in_cash_with_the_till_closed(sandbox, counter):
    held = book(counter, search(counter)[0])
    close_the_till(counter)
    before = JournalTransaction.objects.count()
    with pytest.raises(ValidationError) as caught:
        ticket_issue(booking=held, operator=counter.operator)
    assert codes(caught.value) == NO_OPEN_SHIFT
    held.refresh_from_db()
    assert held.status == TicketStatus.HELD
    # The provider was not asked: the seat is still only held there.
    assert (sandbox.holds[held.booking_no].status, sandbox.holds[held.booking_no].ticket_no) == (
        "HELD",
        "",
    )
    till_shift_open(supermarket=counter.supermarket, operator=counter.operator, float_amount="0")
    issued = ticket_issue(booking=held, operator=counter.operator)
    assert issued.status == TicketStatus.ISSUED
    close_the_till(counter)
    after_issue = JournalTransaction.objects.count()
    assert after_issue > before
    with pytest.raises(ValidationError) as caught:
        ticket_refund(booking=issued, operator=counter.operator)
    assert codes(caught.value) == NO_OPEN_SHIFT
    issued.refresh_from_db()
    assert issued.status == TicketStatus.ISSUED
    assert sandbox.holds[issued.booking_no].status == "ISSUED"
    assert JournalTransaction.objects.count() == after_issue


def test_a_withdrawal_with_the_till_open_still_pays_out(sandbox, counter):
    put_cash_in_till(counter.supermarket, Decimal("1000.00"))
    assert withdraw(counter, "100.00", request_id="wd-00000002").status == WithdrawalStatus.SUCCESS


def test_the_api_answers_no_open_shift_as_a_coded_error(gql, sandbox, closed_counter):
    gql.login(closed_counter.operator)
    order = gql.data(ORDER_CREATE, {"input": order_input(closed_counter)})["agencyOrderCreate"]
    withdrawal = gql.data(
        WITHDRAW,
        {
            "input": {
                "supermarket": sid(closed_counter),
                "requestId": "api-wd-00000001",
                "cardNumber": "6222020200112233446",
                "amount": "100.00",
            }
        },
    )["cashWithdrawalCreate"]
    for answer in (order, withdrawal):
        assert [(e["code"], e["field"]) for e in answer["errors"]] == [
            ("NO_OPEN_SHIFT", "supermarket")
        ]
    assert not AgencyOrder.objects.exists() and not CashWithdrawal.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_till_closed_while_bills_are_paid_counts_every_bill_it_let_through(sandbox):
    counter = make_counter()
    shift = TillShift.objects.get(supermarket=counter.supermarket, status=TillShiftStatus.OPEN)

    def work(i: int) -> Any:
        if i == 0:
            time.sleep(0.02)  # let some bills in first
            return till_shift_close(shift=shift, operator=counter.operator, counted_amount="0")
        return pay(counter, request_id=f"race-till-{i:04d}", amount="10.00")

    results = payments_race(8, work)
    closed = results[0]
    assert isinstance(closed, TillShift), closed
    paid = [r for r in results[1:] if isinstance(r, AgencyOrder)]
    refused = [r for r in results[1:] if isinstance(r, ValidationError)]
    assert len(paid) + len(refused) == 7, results
    assert all(codes(r) == NO_OPEN_SHIFT for r in refused)
    # Each bill the till let through is in the close's count; none slipped in after it.
    assert closed.expected_amount == Decimal("10.00") * len(paid)
    assert AgencyOrder.objects.count() == len(paid)
