"""Ticket holds that run out unpaid: issuing one is refused with HOLD_EXPIRED; the beat
sweep releases the seat at the provider and marks the booking CANCELLED, once, even with
two sweepers at once; a hold the provider has issued meanwhile is left to its issuer."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from collective_econ.models import JournalTransaction
from marketplace.agency.error_codes import AgencyErrorCode
from marketplace.agency.models import TicketBooking, TicketStatus
from marketplace.agency.tasks import release_expired_ticket_holds_task
from marketplace.agency.tickets import ticket_hold_release_expired, ticket_issue
from tests.agency.test_orders import balances, codes
from tests.agency.test_races import race
from tests.agency.test_withdrawals_and_tickets import book, search
from tests.agency.world import make_counter


def expire(booking):
    TicketBooking.objects.filter(pk=booking.pk).update(
        hold_expires_at=timezone.now() - timedelta(minutes=1)
    )
    booking.refresh_from_db()


def seats_left(sandbox, booking) -> int:
    return sandbox.trips[booking.trip_id].seats_left


@pytest.mark.django_db
def test_an_expired_hold_is_refused_at_issue_then_released_once_by_the_sweep(sandbox, counter):
    offer = search(counter)[0]
    expired, fresh = book(counter, offer), book(counter, offer, request_id="tk-fresh-0001")
    assert seats_left(sandbox, expired) == 18
    expire(expired)
    with pytest.raises(ValidationError) as caught:
        ticket_issue(booking=expired, operator=counter.operator)
    assert codes(caught.value) == {AgencyErrorCode.HOLD_EXPIRED.value}
    assert balances(counter)[0] == Decimal("0.00")
    assert not JournalTransaction.objects.filter(idempotency_key__startswith="agency-ticket")

    assert release_expired_ticket_holds_task() == 1
    expired.refresh_from_db()
    assert expired.status == TicketStatus.CANCELLED
    assert sandbox.holds[expired.booking_no].status == "RELEASED"
    assert seats_left(sandbox, expired) == 19
    # The fresh hold is untouched and can still be issued.
    assert TicketBooking.objects.get(pk=fresh.pk).status == TicketStatus.HELD
    assert ticket_issue(booking=fresh, operator=counter.operator).status == TicketStatus.ISSUED
    # Re-running releases nothing more and asks the provider nothing more.
    calls = sandbox.release_calls
    assert release_expired_ticket_holds_task() == 0
    assert sandbox.release_calls == calls
    assert seats_left(sandbox, expired) == 19


@pytest.mark.django_db
def test_a_hold_the_provider_issued_is_not_cancelled(sandbox, counter):
    held = book(counter, search(counter)[0])
    # The provider issued it (an issue call whose answer we have not recorded yet)...
    sandbox.holds[held.booking_no].status = "ISSUED"
    expire(held)
    assert ticket_hold_release_expired(booking_pk=held.pk).status == TicketStatus.HELD
    # ... and an unreachable provider is asked again later, the hold left as it is.
    sandbox.holds[held.booking_no].status = "HELD"
    sandbox.stop()
    assert ticket_hold_release_expired(booking_pk=held.pk).status == TicketStatus.HELD


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_release_each_hold_once(sandbox):
    counter = make_counter()
    offer = search(counter)[0]
    holds = [book(counter, offer, request_id=f"tk-race-{i:04d}") for i in range(3)]
    for held in holds:
        expire(held)
    results = race(lambda _: release_expired_ticket_holds_task(), threads=2)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == 3
    assert set(TicketBooking.objects.values_list("status", flat=True)) == {TicketStatus.CANCELLED}
    assert sandbox.release_calls == 3
    assert seats_left(sandbox, holds[0]) == 20
