"""Small cash withdrawals (limits, the till, the acquirer) and tickets (search, hold, issue,
refund within the provider's rules)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from marketplace.agency.error_codes import AgencyErrorCode
from marketplace.agency.models import CashWithdrawal, TicketBooking, TicketStatus, WithdrawalStatus
from marketplace.agency.tickets import ticket_book, ticket_issue, ticket_refund, ticket_search
from marketplace.agency.withdrawals import cash_withdrawal_create, cash_withdrawal_query
from marketplace.red_supermarket.models import Receipt, ReceiptKind
from tests.agency.test_orders import balances, codes
from tests.agency.world import CARD, ID_NUMBER, OTHER_CARD, make_counter, put_cash_in_till

pytestmark = pytest.mark.django_db


def withdraw(counter, amount, *, request_id, card=CARD):
    return cash_withdrawal_create(
        supermarket=counter.supermarket,
        operator=counter.operator,
        request_id=request_id,
        card_number=card,
        amount=amount,
    )


def test_a_withdrawal_hands_out_cash_with_a_receipt_and_earns_commission(sandbox, stocked_counter):
    withdrawal = withdraw(stocked_counter, "500.00", request_id="wd-00000001")
    assert withdrawal.status == WithdrawalStatus.SUCCESS
    assert withdrawal.card_masked == "6222 **** **** 3446"
    till, collective, _ = balances(stocked_counter)
    assert till == Decimal("4500.00")
    # The float came out of the collective (-5000); 0.3 % commission on 500 is 1.50.
    assert collective == Decimal("-5001.50")
    assert Receipt.objects.filter(kind=ReceiptKind.CASH_WITHDRAWAL).count() == 1


def test_a_decline_reverses_the_till_posting(sandbox, stocked_counter):
    sandbox.force_outcome("reject")
    withdrawal = withdraw(stocked_counter, "100.00", request_id="wd-00000003")
    assert withdrawal.status == WithdrawalStatus.FAILED
    assert balances(stocked_counter)[0] == Decimal("5000.00")


def test_a_withdrawal_timeout_is_queried_not_resent(sandbox, stocked_counter):
    sandbox.force_outcome("timeout")
    withdrawal = withdraw(stocked_counter, "100.00", request_id="wd-00000004")
    assert withdrawal.status == WithdrawalStatus.UNKNOWN
    # The cash is held back from the till's available balance while unknown.
    assert balances(stocked_counter)[0] == Decimal("4900.00")
    assert cash_withdrawal_query(withdrawal_pk=withdrawal.pk).status == WithdrawalStatus.SUCCESS


def test_the_card_daily_limit_counts_every_supermarket(sandbox, stocked_counter, settings):
    settings.AGENCY_WITHDRAWAL_CARD_DAILY_LIMIT = "1000"
    elsewhere = make_counter()
    put_cash_in_till(elsewhere.supermarket, Decimal("5000.00"))
    withdraw(stocked_counter, "700.00", request_id="wd-00000005")
    with pytest.raises(ValidationError) as caught:
        withdraw(elsewhere, "400.00", request_id="wd-00000006")
    assert codes(caught.value) == {AgencyErrorCode.CARD_DAILY_LIMIT.value}
    assert (
        withdraw(elsewhere, "300.00", request_id="wd-00000007").status == WithdrawalStatus.SUCCESS
    )


def test_the_station_daily_limit_and_the_cash_on_hand(sandbox, stocked_counter, settings):
    settings.AGENCY_WITHDRAWAL_STATION_DAILY_LIMIT = "900"
    withdraw(stocked_counter, "800.00", request_id="wd-00000008")
    with pytest.raises(ValidationError) as caught:
        withdraw(stocked_counter, "200.00", request_id="wd-00000009", card=OTHER_CARD)
    assert codes(caught.value) == {AgencyErrorCode.STATION_DAILY_LIMIT.value}


def test_not_enough_cash_in_the_till_is_refused(sandbox, counter):
    put_cash_in_till(counter.supermarket, Decimal("50.00"))
    with pytest.raises(ValidationError) as caught:
        withdraw(counter, "100.00", request_id="wd-00000010")
    assert codes(caught.value) == {AgencyErrorCode.NOT_ENOUGH_CASH.value}
    assert not CashWithdrawal.objects.exists()


@pytest.mark.parametrize(
    ("card", "amount", "code"),
    [
        ("6222020200112233447", "100.00", AgencyErrorCode.INVALID_ACCOUNT),
        ("12345", "100.00", AgencyErrorCode.INVALID_ACCOUNT),
        (CARD, "0", AgencyErrorCode.INVALID_AMOUNT),
        (CARD, "1000.01", AgencyErrorCode.INVALID_AMOUNT),
    ],
)
def test_bad_withdrawals_are_refused(stocked_counter, card, amount, code):
    with pytest.raises(ValidationError) as caught:
        withdraw(stocked_counter, amount, request_id="wd-00000011", card=card)
    assert codes(caught.value) == {code.value}


# --- tickets ---------------------------------------------------------------------------


def search(counter, *, day=None, item="ticket-bus"):
    return ticket_search(
        supermarket=counter.supermarket,
        user=counter.operator,
        item_code=item,
        origin="勐勐镇",
        destination="临沧",
        day=day or timezone.localdate() + timedelta(days=3),
    )


def book(counter, offer, request_id="tk-00000001"):
    return ticket_book(
        supermarket=counter.supermarket,
        operator=counter.operator,
        request_id=request_id,
        item_code="ticket-bus",
        trip_id=offer.trip.trip_id,
        passenger_name="李四",
        passenger_id_number=ID_NUMBER,
    )


def test_search_book_issue_and_refund_a_bus_ticket(sandbox, counter):
    offers = search(counter)
    assert len(offers) == 3
    assert all(offer.fee == Decimal("2.00") for offer in offers)
    held = book(counter, offers[0])
    assert held.status == TicketStatus.HELD
    assert book(counter, offers[0]).pk == held.pk
    issued = ticket_issue(booking=held, operator=counter.operator)
    assert issued.status == TicketStatus.ISSUED and issued.ticket_no
    assert balances(counter)[0] == held.price + Decimal("2.00")
    refunded = ticket_refund(booking=issued, operator=counter.operator)
    # Three days ahead: the provider keeps 5 %.
    assert refunded.refund_fee == (held.price * Decimal("0.05")).quantize(Decimal("0.01"))
    assert balances(counter)[0] == Decimal("2.00") + refunded.refund_fee
    assert Receipt.objects.filter(kind=ReceiptKind.AGENCY_REFUND).count() == 1


def test_tickets_in_the_past_are_refused(sandbox, counter):
    with pytest.raises(ValidationError) as caught:
        search(counter, day=timezone.localdate() - timedelta(days=1))
    assert codes(caught.value) == {AgencyErrorCode.DATE_IN_PAST.value}


def test_no_refund_after_departure(sandbox, counter):
    held = book(counter, search(counter)[0])
    issued = ticket_issue(booking=held, operator=counter.operator)
    TicketBooking.objects.filter(pk=issued.pk).update(
        departure_at=timezone.now() - timedelta(hours=1)
    )
    issued.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        ticket_refund(booking=issued, operator=counter.operator)
    assert codes(caught.value) == {AgencyErrorCode.NOT_REFUNDABLE.value}


def test_a_full_trip_is_refused(sandbox, counter):
    sandbox.seats_per_trip = 1
    offer = search(counter)[0]
    book(counter, offer)
    with pytest.raises(ValidationError) as caught:
        book(counter, offer, request_id="tk-00000002")
    assert codes(caught.value) == {AgencyErrorCode.NO_SEATS.value}


def test_a_bad_passenger_id_is_refused(sandbox, counter):
    offer = search(counter)[0]
    with pytest.raises(ValidationError) as caught:
        ticket_book(
            supermarket=counter.supermarket, operator=counter.operator, request_id="tk-00000003",
            item_code="ticket-bus", trip_id=offer.trip.trip_id, passenger_name="李四",
            passenger_id_number="533525198001011230" if ID_NUMBER[-1] != "0" else "533525198001011231",
        )  # fmt: skip
    assert codes(caught.value) == {AgencyErrorCode.INVALID_ID_NUMBER.value}


def test_a_reused_request_id_for_another_passenger_is_refused(sandbox, counter):
    offer = search(counter)[0]
    first = book(counter, offer, request_id="tk-00000009")
    assert book(counter, offer, request_id="tk-00000009").pk == first.pk  # a true retry
    with pytest.raises(ValidationError) as caught:
        ticket_book(
            supermarket=counter.supermarket, operator=counter.operator, request_id="tk-00000009",
            item_code="ticket-bus", trip_id=offer.trip.trip_id, passenger_name="王五",
            passenger_id_number=ID_NUMBER,
        )  # fmt: skip
    assert codes(caught.value) == {AgencyErrorCode.REQUEST_ID_REUSED.value}
    assert TicketBooking.objects.filter(request_id="tk-00000009").count() == 1
