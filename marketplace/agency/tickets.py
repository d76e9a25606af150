"""Tickets: search the provider's seats, hold one, issue it once paid, refund it within the
provider's rules. The villager's cash is posted only once the provider has issued the
ticket (issuing the same hold again is safe: the provider answers with the same ticket),
and a refund pays back what the provider returns, keeping its refund fee.

A hold past its expiry is not issued (HOLD_EXPIRED); the beat sweep releases it at the
provider and marks it CANCELLED. The sweep asks the provider first and cancels only once
the provider confirms the seat is not issued, so an issue racing the expiry either wins
at the provider (and is recorded by the issuer) or is refused there."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.agency.catalogue import service_item_get
from marketplace.agency.error_codes import AgencyErrorCode
from marketplace.agency.ledger import post_cash_refund, post_payment
from marketplace.agency.models import ItemFlow, ServiceItem, TicketBooking, TicketStatus
from marketplace.agency.orders import require_operator
from marketplace.agency.providers.base import ProviderError, ProviderTimeout, TicketAdapter, Trip
from marketplace.agency.providers.http import adapter_for
from marketplace.agency.requests import check_request_id, refuse_reused
from marketplace.agency.till import require_open_till
from marketplace.agency.validation import fee_for, id_number_is_valid
from marketplace.core.errors import PermissionRefused, refuse
from marketplace.red_supermarket.counter.services import till_shift_lock_open
from marketplace.red_supermarket.models import ReceiptKind, RedSupermarket
from marketplace.red_supermarket.receipts import receipt_issue, receipt_line
from marketplace.red_supermarket.selectors import can_view_supermarket

logger = logging.getLogger("ruralmart.agency")

_MODES = {"ticket-bus": "bus", "ticket-train": "train", "ticket-air": "air"}


@dataclass(frozen=True)
class TripOffer:
    """A seat on offer, with what the counter charges on top."""

    trip: Trip
    fee: Decimal


def _ticket_item(code: str) -> ServiceItem:
    item = service_item_get(code=code)
    if item.flow != ItemFlow.TICKET:
        raise refuse("item", f"{item.name} is not a ticket.", AgencyErrorCode.WRONG_FLOW)
    return item


def _adapter(item: ServiceItem, adapter: TicketAdapter | None) -> TicketAdapter:
    if adapter is not None:
        return adapter
    assert item.provider is not None
    return adapter_for(item.provider.code)


def _unavailable(exc: Exception) -> Exception:
    return refuse(
        None, f"The ticket provider did not answer: {exc}", AgencyErrorCode.PROVIDER_UNAVAILABLE
    )


def ticket_search(
    *,
    supermarket: RedSupermarket,
    user: User,
    item_code: str,
    origin: str,
    destination: str,
    day: date,
    adapter: TicketAdapter | None = None,
) -> list[TripOffer]:
    if not can_view_supermarket(user=user, supermarket=supermarket):
        raise PermissionRefused(f"You do not work at {supermarket.name}.")
    item = _ticket_item(item_code)
    if day < timezone.localdate():
        raise refuse("date", f"{day} is in the past.", AgencyErrorCode.DATE_IN_PAST)
    if not origin.strip() or not destination.strip():
        raise refuse(
            "origin" if not origin.strip() else "destination",
            "Where from and where to?",
            AgencyErrorCode.REQUIRED,
        )
    try:
        trips = _adapter(item, adapter).search(
            mode=_MODES[item.code], origin=origin.strip(), destination=destination.strip(), day=day
        )
    except (ProviderTimeout, ProviderError) as exc:
        raise _unavailable(exc) from None
    now = timezone.now()
    return [
        TripOffer(trip=trip, fee=fee_for(item=item, amount=trip.price))
        for trip in trips
        if datetime.fromisoformat(trip.departure_at) > now
    ]


def ticket_book(
    *,
    supermarket: RedSupermarket,
    operator: User,
    request_id: str,
    item_code: str,
    trip_id: str,
    passenger_name: str,
    passenger_id_number: str,
    adapter: TicketAdapter | None = None,
) -> TicketBooking:
    """Hold a seat for the passenger (nothing is paid yet)."""
    require_operator(user=operator, supermarket=supermarket)
    request_id = check_request_id(request_id)
    item = _ticket_item(item_code)
    name = passenger_name.strip()
    if not name or len(name) > 32:
        raise refuse(
            "passenger_name", "The passenger's name is required.", AgencyErrorCode.REQUIRED
        )
    id_number = passenger_id_number.strip().upper()
    if not id_number_is_valid(id_number):
        raise refuse(
            "passenger_id_number",
            "The ID number's check character or birth date is wrong.",
            AgencyErrorCode.INVALID_ID_NUMBER,
        )
    existing = TicketBooking.objects.filter(request_id=request_id).first()
    if existing is not None:
        # The whole request, passenger included: after a dropped answer the operator may
        # book the next villager under the pending id, who must not get the first's seat.
        same = (
            existing.supermarket_id == supermarket.pk
            and existing.trip_id == trip_id
            and existing.item_id == item.pk
            and existing.passenger_name == name
            and existing.passenger_id_number == id_number
        )
        if not same:
            raise refuse_reused("ticket")
        return existing
    try:
        hold = _adapter(item, adapter).hold(
            request_id=request_id, trip_id=trip_id, passenger_name=name, id_number=id_number
        )
    except ProviderTimeout as exc:
        raise _unavailable(exc) from None
    except ProviderError as exc:
        if "DEPARTED" in exc.message:
            raise refuse(
                "trip_id", "That trip has left already.", AgencyErrorCode.DATE_IN_PAST
            ) from None
        if "NO_SEATS" in exc.message:
            raise refuse(
                "trip_id", "No seats are left on that trip.", AgencyErrorCode.NO_SEATS
            ) from None
        raise refuse("trip_id", exc.message, AgencyErrorCode.PROVIDER_REJECTED) from None
    departure = datetime.fromisoformat(hold.trip.departure_at)
    if departure <= timezone.now():
        raise refuse("trip_id", "That trip has left already.", AgencyErrorCode.DATE_IN_PAST)
    try:
        with transaction.atomic():
            return TicketBooking.objects.create(
                request_id=request_id,
                supermarket=supermarket,
                item=item,
                trip_id=hold.trip.trip_id,
                origin=hold.trip.origin,
                destination=hold.trip.destination,
                departure_at=departure,
                seat_class=hold.trip.seat_class,
                passenger_name=name,
                passenger_id_number=id_number,
                price=hold.trip.price,
                fee=fee_for(item=item, amount=hold.trip.price),
                booking_no=hold.booking_no,
                hold_expires_at=datetime.fromisoformat(hold.expires_at),
                status=TicketStatus.HELD,
                operator=operator,
            )
    except IntegrityError:
        # The provider answered a repeated hold with the same booking: the first row stands.
        return TicketBooking.objects.get(booking_no=hold.booking_no)


def ticket_issue(
    *, booking: TicketBooking, operator: User, adapter: TicketAdapter | None = None
) -> TicketBooking:
    """The villager pays price + fee in cash; the provider issues the held seat."""
    require_operator(user=operator, supermarket=booking.supermarket)
    if booking.status == TicketStatus.ISSUED:
        return booking
    if booking.status != TicketStatus.HELD:
        raise refuse(
            "id", f"The booking is {booking.get_status_display()}.", AgencyErrorCode.INVALID_STATUS
        )
    if booking.departure_at <= timezone.now():
        raise refuse("id", "That trip has left already.", AgencyErrorCode.DATE_IN_PAST)
    if booking.hold_expires_at is not None and booking.hold_expires_at <= timezone.now():
        raise refuse(
            "id",
            "座位保留已过期，请重新订票 / the seat's hold has expired: book again.",
            AgencyErrorCode.HOLD_EXPIRED,
        )
    require_open_till(supermarket=booking.supermarket, lock=False)
    try:
        result = _adapter(booking.item, adapter).issue(
            request_id=booking.request_id, booking_no=booking.booking_no
        )
    except (ProviderTimeout, ProviderError) as exc:
        # Nothing is posted yet; issuing the same hold again is safe, so the operator retries.
        raise _unavailable(exc) from None
    if not result.accepted:
        raise refuse(
            "id",
            result.reason or "The provider refused to issue.",
            AgencyErrorCode.PROVIDER_REJECTED,
        )
    with transaction.atomic():
        locked = (
            TicketBooking.objects.select_for_update(of=("self",))
            .select_related("item", "supermarket__shop__village")
            .get(pk=booking.pk)
        )
        if locked.status != TicketStatus.HELD:
            return locked
        # Closed since the check above: refused, and issuing the hold again is safe.
        require_open_till(supermarket=locked.supermarket)
        locked.status, locked.ticket_no, locked.issued_at = (
            TicketStatus.ISSUED,
            result.provider_order_no,
            timezone.now(),
        )
        locked.save(update_fields=["status", "ticket_no", "issued_at"])
        post_payment(
            key=f"agency-ticket:{locked.pk}",
            supermarket=locked.supermarket,
            amount=locked.price,
            fee=locked.fee,
            commission=locked.fee,
            memo=f"{locked.item.name} {locked.origin}-{locked.destination}",
            actor=operator,
        )
        lines = [
            receipt_line(
                f"{locked.item.name} {locked.origin}→{locked.destination} "
                f"{timezone.localtime(locked.departure_at):%m-%d %H:%M}",
                locked.price,
            ),
        ]
        if locked.fee:
            lines.append(receipt_line("手续费", locked.fee))
        receipt_issue(
            supermarket=locked.supermarket,
            kind=ReceiptKind.AGENCY_ORDER,
            reference=f"agency-ticket:{locked.pk}",
            lines=lines,
            total=locked.price + locked.fee,
            payment_method="CASH",
            operator=operator,
            payment_details={"ticket_no": locked.ticket_no, "booking_no": locked.booking_no},
        )
        return locked


def ticket_refund(
    *, booking: TicketBooking, operator: User, adapter: TicketAdapter | None = None
) -> TicketBooking:
    require_operator(user=operator, supermarket=booking.supermarket)
    if booking.status == TicketStatus.REFUNDED:
        return booking
    if booking.status != TicketStatus.ISSUED:
        raise refuse("id", "Only an issued ticket can be refunded.", AgencyErrorCode.INVALID_STATUS)
    if booking.departure_at <= timezone.now():
        raise refuse(
            "id", "The trip has left: no refund after departure.", AgencyErrorCode.NOT_REFUNDABLE
        )
    require_open_till(supermarket=booking.supermarket, lock=False)
    try:
        refund = _adapter(booking.item, adapter).refund_ticket(booking_no=booking.booking_no)
    except ProviderTimeout as exc:
        raise _unavailable(exc) from None
    except ProviderError as exc:
        raise refuse("id", exc.message, AgencyErrorCode.NOT_REFUNDABLE) from None
    with transaction.atomic():
        locked = (
            TicketBooking.objects.select_for_update(of=("self",))
            .select_related("item", "supermarket__shop__village")
            .get(pk=booking.pk)
        )
        if locked.status != TicketStatus.ISSUED:
            return locked
        # The provider has refunded: the cash is owed even if the till closed meanwhile,
        # so this only waits for (and is counted by) a close under way.
        till_shift_lock_open(supermarket=locked.supermarket)
        locked.status, locked.refunded_at = TicketStatus.REFUNDED, timezone.now()
        locked.refund_fee, locked.refund_amount = refund.refund_fee, refund.refund_amount
        locked.save(update_fields=["status", "refunded_at", "refund_fee", "refund_amount"])
        post_cash_refund(
            key=f"agency-ticket-refund:{locked.pk}",
            supermarket=locked.supermarket,
            amount=refund.refund_amount,
            memo=f"退票 {locked.ticket_no}",
            actor=operator,
        )
        receipt_issue(
            supermarket=locked.supermarket,
            kind=ReceiptKind.AGENCY_REFUND,
            reference=f"agency-ticket:{locked.pk}",
            lines=[
                receipt_line(f"退票 {locked.origin}→{locked.destination}", locked.price),
                receipt_line("退票手续费", -refund.refund_fee),
            ],
            total=refund.refund_amount,
            payment_method="CASH",
            operator=operator,
            payment_details={"ticket_no": locked.ticket_no},
        )
        return locked


def expired_hold_ids(*, now: Any = None, limit: int = 200) -> list[int]:
    """HELD bookings whose hold has run out (the release sweep's work list)."""
    return list(
        TicketBooking.objects.filter(
            status=TicketStatus.HELD, hold_expires_at__lte=now or timezone.now()
        )
        .order_by("hold_expires_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def ticket_hold_release_expired(
    *, booking_pk: int, adapter: TicketAdapter | None = None
) -> TicketBooking | None:
    """Release one expired hold at the provider, then mark it CANCELLED. None when it is
    not this call's (issued, released already, or another sweeper holds it). The row stays
    locked across the provider call, so a concurrent issue records its answer after ours."""
    with transaction.atomic():
        booking = (
            TicketBooking.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("item__provider")
            .filter(pk=booking_pk, status=TicketStatus.HELD, hold_expires_at__lte=timezone.now())
            .first()
        )
        if booking is None:
            return None
        try:
            released = _adapter(booking.item, adapter).release_hold(booking_no=booking.booking_no)
        except (ProviderTimeout, ProviderError) as exc:
            # Left HELD (it cannot be issued here, being expired); the next sweep asks again.
            logger.warning("ticket hold %s not released: %s", booking.booking_no, exc)
            return booking
        if not released:
            logger.warning("ticket hold %s was issued at the provider", booking.booking_no)
            return booking
        booking.status = TicketStatus.CANCELLED
        booking.save(update_fields=["status"])
        return booking
