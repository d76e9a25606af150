"""Writes to the tourism calendar: hold, allocate, release, expire and cancel bookings, and the
shop's own settings (per-day capacity, cancellation tiers).

In: a catalog variant of a HOMESTAY or EXPERIENCE product, dates, guests, and an opaque hold
key chosen by the caller (checkout uses its line). Out: `BookingHold` rows and the per-day
counters. This module must never import checkout, orders or payments: they call it.

Units and dates (the decisions callers rely on):
- A homestay books rooms for each night in [start_date, end_date). Guests share rooms at
  ceil(nightly_capacity / rooms) per room, so a party needs ceil(guests / that) rooms; one
  party may not exceed the house's nightly_capacity. end_date ≤ start_date is INVALID_DATES.
- An experience books `guests` seats on start_date. end_date may be given as start_date or
  start_date + 1 day (or None); it is stored as start_date + 1 day so every hold covers
  [start_date, end_date) the same way.
- "Today" (no starts in the past) is the date in Asia/Shanghai.

Locking. Every service that moves counters locks, in this order and never the reverse:
1. the hold rows it acts on (by key; a batch in key order, the expiry sweep with SKIP LOCKED);
2. the day rows, in (product, date) order, missing ones first inserted in that order with
   ON CONFLICT DO NOTHING.
So two bookings that overlap in any order queue on the first shared day instead of
deadlocking. A caller that changes several holds in one transaction should use the `_many`
forms, which lock everything in that order at once.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.accounts.permissions import can_manage_shop
from marketplace.bookings.error_codes import BookingErrorCode
from marketplace.bookings.models import (
    BookingHold,
    CancellationPolicy,
    CancellationTier,
    DayCapacity,
    HoldStatus,
)
from marketplace.bookings.policies import (
    BOOKING_TZ,
    CancellationOutcome,
    Tier,
    days_before_start,
    refund_percent_for,
    validate_tiers,
)
from marketplace.bookings.selectors import cancellation_policy_for
from marketplace.catalog.models import OfferingKind, Product, ProductVariant
from marketplace.core.errors import PermissionRefused, refuse
from marketplace.organisations.models import Shop

# A stay longer than a month is not something a village homestay sells online; refusing it
# also bounds how many day rows one request can lock.
MAX_NIGHTS = 30
# Calendars open a year ahead.
BOOKING_HORIZON_DAYS = 366

_DayKey = tuple[int, date]


def booking_today() -> date:
    return timezone.now().astimezone(BOOKING_TZ).date()


def booking_units(*, product: Product, guests: int) -> int:
    """Rooms per night (homestay) or seats (experience) a party of `guests` takes."""
    if product.offering_kind == OfferingKind.HOMESTAY:
        assert product.rooms and product.nightly_capacity  # guaranteed by catalog CHECKs
        per_room = math.ceil(product.nightly_capacity / product.rooms)
        return math.ceil(guests / per_room)
    return guests


def _day_capacity_default(product: Product) -> int:
    if product.offering_kind == OfferingKind.HOMESTAY:
        return product.rooms or 0
    return product.seats_per_date or 0


def _days(start_date: date, end_date: date) -> list[date]:
    return [start_date + timedelta(days=i) for i in range((end_date - start_date).days)]


@dataclass(frozen=True)
class _Booking:
    product: Product
    variant: ProductVariant
    start_date: date
    end_date: date
    guests: int
    units: int

    def same_as(self, hold: BookingHold) -> bool:
        return (
            hold.variant_id == self.variant.pk
            and hold.start_date == self.start_date
            and hold.end_date == self.end_date
            and hold.guests == self.guests
        )


def booking_check(
    *, variant: ProductVariant, start_date: date, end_date: date | None, guests: int
) -> _Booking:
    """Validate a booking request without touching capacity; returns it normalised.

    Callers may use it to refuse bad input before starting any write."""
    product = variant.product
    if not product.is_tourism:
        raise refuse(
            "variant", f"{product} is not a homestay or experience.", BookingErrorCode.NOT_BOOKABLE
        )
    today = booking_today()
    if start_date < today:
        raise refuse(
            "start_date",
            f"The start date {start_date} has passed (today is {today}).",
            BookingErrorCode.INVALID_DATES,
        )
    if start_date > today + timedelta(days=BOOKING_HORIZON_DAYS):
        raise refuse(
            "start_date",
            f"Bookings open at most {BOOKING_HORIZON_DAYS} days ahead.",
            BookingErrorCode.INVALID_DATES,
        )
    if product.offering_kind == OfferingKind.HOMESTAY:
        if end_date is None or end_date <= start_date:
            raise refuse(
                "end_date",
                "A homestay stay must end at least one night after it starts.",
                BookingErrorCode.INVALID_DATES,
            )
        if (end_date - start_date).days > MAX_NIGHTS:
            raise refuse(
                "end_date",
                f"A stay may last at most {MAX_NIGHTS} nights.",
                BookingErrorCode.INVALID_DATES,
            )
    else:
        if end_date not in (None, start_date, start_date + timedelta(days=1)):
            raise refuse(
                "end_date",
                "An experience takes place on one date: end date must be the start date "
                "or the day after.",
                BookingErrorCode.INVALID_DATES,
            )
        end_date = start_date + timedelta(days=1)
    if isinstance(guests, bool) or not isinstance(guests, int) or guests < 1:
        raise refuse(
            "guests", "A booking needs at least one guest.", BookingErrorCode.INVALID_GUESTS
        )
    limit = (
        product.nightly_capacity
        if product.offering_kind == OfferingKind.HOMESTAY
        else product.seats_per_date
    ) or 0
    if guests > limit:
        raise refuse(
            "guests",
            f"{product} takes at most {limit} guests per booking.",
            BookingErrorCode.TOO_MANY_GUESTS,
        )
    return _Booking(
        product=product,
        variant=variant,
        start_date=start_date,
        end_date=end_date,
        guests=guests,
        units=booking_units(product=product, guests=guests),
    )


# --- locking and counters ---------------------------------------------------------------


def _lock_days(
    wanted: Mapping[int, tuple[Product | None, Iterable[date]]],
) -> dict[_DayKey, DayCapacity]:
    """Create missing day rows, then lock all wanted rows in (product, date) order.

    `wanted` maps a product id to the product (needed only to create rows; None when the rows
    are known to exist) and its dates.
    """
    keys = sorted({(pid, d) for pid, (_, dates) in wanted.items() for d in dates})
    if not keys:
        return {}
    missing = [
        DayCapacity(product_id=pid, date=d, capacity=_day_capacity_default(product))
        for pid, d in keys
        if (product := wanted[pid][0]) is not None
    ]
    if missing:
        # ON CONFLICT DO NOTHING, in the same sorted order as the locks below, so two
        # transactions creating overlapping calendars wait for each other in order.
        DayCapacity.objects.bulk_create(missing, ignore_conflicts=True)
    condition = Q()
    for pid, (_, dates) in wanted.items():
        condition |= Q(product_id=pid, date__in=list(dates))
    rows = DayCapacity.objects.select_for_update().filter(condition).order_by("product_id", "date")
    return {(row.product_id, row.date): row for row in rows}


def _hold_days(hold: BookingHold) -> list[_DayKey]:
    return [(hold.product_id, d) for d in _days(hold.start_date, hold.end_date)]


def _apply(
    rows: dict[_DayKey, DayCapacity],
    *,
    held: dict[_DayKey, int] | None = None,
    allocated: dict[_DayKey, int] | None = None,
) -> None:
    """Add the deltas to the locked rows, one UPDATE per distinct (held, allocated) change."""
    held, allocated = held or {}, allocated or {}
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for key in set(held) | set(allocated):
        dh, da = held.get(key, 0), allocated.get(key, 0)
        if dh or da:
            row = rows[key]
            row.held += dh
            row.allocated += da
            groups[(dh, da)].append(row.pk)
    for (dh, da), pks in groups.items():
        DayCapacity.objects.filter(pk__in=pks).update(
            held=F("held") + dh, allocated=F("allocated") + da
        )


def _units_by_day(holds: Iterable[BookingHold], sign: int = 1) -> dict[_DayKey, int]:
    deltas: dict[_DayKey, int] = defaultdict(int)
    for hold in holds:
        for key in _hold_days(hold):
            deltas[key] += sign * hold.units
    return deltas


def _escaped(message: str) -> str:
    # Django formats a message with its params using %, so a literal % (a product called
    # "100%纯") must be doubled once params are attached.
    return message.replace("%", "%%")


def _tag_with_key(error: ValidationError, key: str) -> ValidationError:
    """The same refusal, its entries carrying params["key"] so a batch caller knows which."""
    return ValidationError(
        {
            field: [
                ValidationError(
                    _escaped(str(e.message)) if not e.params else e.message,
                    code=e.code,
                    params={**(e.params or {}), "key": key},
                )
                for e in errors
            ]
            for field, errors in error.error_dict.items()
        }
    )


def _refuse_full(
    rows: dict[_DayKey, DayCapacity], takes: Sequence[tuple[BookingHold | None, _Booking, str]]
) -> None:
    """Refuse (INSUFFICIENT_CAPACITY, naming each full date) unless every take fits."""
    needed: dict[_DayKey, int] = defaultdict(int)
    for _, booking, _ in takes:
        for d in _days_of(booking):
            needed[(booking.product.pk, d)] += booking.units
    full = sorted(k for k, units in needed.items() if rows[k].free < units)
    if not full:
        return
    errors = []
    for pid in sorted({pid for pid, _ in full}):
        dates = [d for p, d in full if p == pid]
        product = next(b.product for _, b, _ in takes if b.product.pk == pid)
        keys = sorted(
            key for _, b, key in takes if b.product.pk == pid and set(dates) & set(_days_of(b))
        )
        unit = "rooms" if product.offering_kind == OfferingKind.HOMESTAY else "seats"
        errors.append(
            ValidationError(
                _escaped(
                    f"Not enough {unit} left at {product} on "
                    f"{', '.join(d.isoformat() for d in dates)}."
                ),
                code=BookingErrorCode.INSUFFICIENT_CAPACITY.value,
                params={
                    "dates": [d.isoformat() for d in dates],
                    "product": pid,
                    "keys": keys,
                },
            )
        )
    raise ValidationError({"booking": errors})


def _lock_holds(keys: Sequence[str]) -> dict[str, BookingHold]:
    holds = BookingHold.objects.select_for_update().filter(key__in=keys).order_by("key")
    return {hold.key: hold for hold in holds}


# --- holds ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HoldRequest:
    """One booking to hold under `key` (see `booking_check` for how dates are read)."""

    key: str
    variant: ProductVariant
    start_date: date
    end_date: date | None
    guests: int


@transaction.atomic
def booking_hold_many(
    *, requests: Sequence[HoldRequest], expires_at: datetime
) -> list[BookingHold]:
    """Reserve capacity for several bookings at once, all or none, until `expires_at`.

    Per key it is idempotent: the same booking again returns the existing hold with its
    expiry moved to `expires_at`; a changed booking replaces the old one (its units are given
    back before the new ones are checked, so shrinking a stay on a full calendar works); a
    released or expired key is held afresh; a sold (ALLOCATED) key may be repeated but not
    changed (ALREADY_ALLOCATED); a cancelled key is closed (HOLD_CANCELLED). Refusals from
    `booking_check` and INSUFFICIENT_CAPACITY carry the key(s) in their params.

    Locks: the hold rows in key order, then every day row involved (old and new) at once
    in (product, date) order. Returns the holds in the order of `requests`.
    """
    if timezone.is_naive(expires_at):
        raise ValueError("expires_at must be timezone-aware.")
    keys = [r.key for r in requests]
    if not all(keys) or len(set(keys)) != len(keys):
        raise ValueError("Each hold needs its own non-empty key.")
    bookings: dict[str, _Booking] = {}
    for r in requests:
        try:
            bookings[r.key] = booking_check(
                variant=r.variant, start_date=r.start_date, end_date=r.end_date, guests=r.guests
            )
        except ValidationError as error:
            raise _tag_with_key(error, r.key) from None

    holds = _lock_holds(sorted(keys))
    takes: list[tuple[BookingHold | None, _Booking, str]] = []  # (hold to update, booking, key)
    gives: list[BookingHold] = []  # still-held bookings being replaced
    refreshed: list[BookingHold] = []
    for key in sorted(keys):
        booking, hold = bookings[key], holds.get(key)
        if hold is None:
            hold, created = _claim_key(key, booking, expires_at)
            holds[key] = hold
            if created:
                takes.append((None, booking, key))
                continue
        if hold.status == HoldStatus.ALLOCATED:
            if booking.same_as(hold):
                continue
            raise _tag_with_key(
                refuse(
                    "key",
                    f"Booking {key} is already sold and cannot change.",
                    BookingErrorCode.ALREADY_ALLOCATED,
                ),
                key,
            )
        if hold.status == HoldStatus.CANCELLED:
            raise _tag_with_key(
                refuse("key", f"Booking {key} was cancelled.", BookingErrorCode.HOLD_CANCELLED),
                key,
            )
        if hold.status == HoldStatus.HELD and booking.same_as(hold):
            refreshed.append(hold)
            continue
        if hold.status == HoldStatus.HELD:
            gives.append(hold)
        takes.append((hold, booking, key))

    if refreshed:
        BookingHold.objects.filter(pk__in=[h.pk for h in refreshed]).update(
            expires_at=expires_at, updated_at=timezone.now()
        )
        for hold in refreshed:
            hold.expires_at = expires_at
    if takes:
        wanted: dict[int, tuple[Product | None, set[date]]] = {}
        for old in gives:
            wanted.setdefault(old.product_id, (None, set()))[1].update(
                _days(old.start_date, old.end_date)
            )
        for _, booking, _ in takes:
            dates = wanted.get(booking.product.pk, (None, set()))[1]
            wanted[booking.product.pk] = (booking.product, dates | set(_days_of(booking)))
        rows = _lock_days(wanted)
        if gives:
            _apply(rows, held=_units_by_day(gives, sign=-1))
        _refuse_full(rows, takes)
        new_units: dict[_DayKey, int] = defaultdict(int)
        for _, booking, _ in takes:
            for d in _days_of(booking):
                new_units[(booking.product.pk, d)] += booking.units
        _apply(rows, held=new_units)
        for hold_to_update, booking, _ in takes:
            if hold_to_update is not None:
                _rewrite(hold_to_update, booking, expires_at)
    return [holds[key] for key in keys]


def _rewrite(hold: BookingHold, booking: _Booking, expires_at: datetime) -> None:
    hold.product = booking.product
    hold.variant = booking.variant
    hold.start_date = booking.start_date
    hold.end_date = booking.end_date
    hold.guests = booking.guests
    hold.units = booking.units
    hold.status = HoldStatus.HELD
    hold.expires_at = expires_at
    hold.closed_at = None
    hold.save()


def booking_hold(
    *,
    key: str,
    variant: ProductVariant,
    start_date: date,
    end_date: date | None,
    guests: int,
    expires_at: datetime,
) -> BookingHold:
    """Hold one booking under `key`; `booking_hold_many` for one request (same rules)."""
    request = HoldRequest(
        key=key, variant=variant, start_date=start_date, end_date=end_date, guests=guests
    )
    return booking_hold_many(requests=[request], expires_at=expires_at)[0]


def _days_of(booking: _Booking) -> list[date]:
    return _days(booking.start_date, booking.end_date)


def _claim_key(key: str, booking: _Booking, expires_at: datetime) -> tuple[BookingHold, bool]:
    """Insert the hold row for a new key, or lock the row a concurrent caller just made.

    The insert comes before the capacity locks: a second caller with the same key waits on
    the unique index, then finds the first one's hold instead of holding twice."""
    try:
        with transaction.atomic():
            return (
                BookingHold.objects.create(
                    key=key,
                    product=booking.product,
                    variant=booking.variant,
                    start_date=booking.start_date,
                    end_date=booking.end_date,
                    guests=booking.guests,
                    units=booking.units,
                    expires_at=expires_at,
                ),
                True,
            )
    except IntegrityError:
        return BookingHold.objects.select_for_update().get(key=key), False


@transaction.atomic
def booking_release_many(*, keys: Iterable[str]) -> list[BookingHold]:
    """Give back held capacity (checkout line removed, checkout abandoned or expired).

    Idempotent: unknown, released, expired and cancelled keys are left as they are. A sold
    booking is refused (ALREADY_ALLOCATED): undoing a sale is `booking_cancel`, which
    decides the refund."""
    holds = _lock_holds(sorted(set(keys)))
    sold = [k for k, h in holds.items() if h.status == HoldStatus.ALLOCATED]
    if sold:
        raise refuse(
            "key",
            f"Booking {', '.join(sold)} is already sold; cancel it instead.",
            BookingErrorCode.ALREADY_ALLOCATED,
        )
    to_release = [h for h in holds.values() if h.status == HoldStatus.HELD]
    if to_release:
        rows = _lock_days(_wanted_existing(to_release))
        _apply(rows, held=_units_by_day(to_release, sign=-1))
        now = timezone.now()
        BookingHold.objects.filter(pk__in=[h.pk for h in to_release]).update(
            status=HoldStatus.RELEASED, closed_at=now, updated_at=now
        )
        for hold in to_release:
            hold.status, hold.closed_at = HoldStatus.RELEASED, now
    return list(holds.values())


def booking_release(*, key: str) -> BookingHold | None:
    """`booking_release_many` for one key; None when the key was never held."""
    released = booking_release_many(keys=[key])
    return released[0] if released else None


def _wanted_existing(
    holds: Iterable[BookingHold],
) -> dict[int, tuple[Product | None, Iterable[date]]]:
    dates: dict[int, set[date]] = defaultdict(set)
    for hold in holds:
        dates[hold.product_id].update(_days(hold.start_date, hold.end_date))
    return {pid: (None, ds) for pid, ds in dates.items()}


@transaction.atomic
def booking_allocate_many(*, keys: Iterable[str], now: datetime | None = None) -> list[BookingHold]:
    """Turn held bookings into sales, all or none (checkoutComplete).

    Idempotent: an already ALLOCATED key is returned unchanged. Refused: an unknown key
    (NOT_FOUND), one past its expiry or swept (HOLD_EXPIRED), released (HOLD_RELEASED) or
    cancelled (HOLD_CANCELLED). Hold the key again to renew an expired booking."""
    now = now or timezone.now()
    wanted_keys = sorted(set(keys))
    holds = _lock_holds(wanted_keys)
    for key in wanted_keys:
        hold = holds.get(key)
        if hold is None:
            raise refuse("key", f"No booking is held under {key}.", BookingErrorCode.NOT_FOUND)
        _check_allocatable(hold, now)
    to_allocate = [h for h in holds.values() if h.status == HoldStatus.HELD]
    if to_allocate:
        rows = _lock_days(_wanted_existing(to_allocate))
        _apply(
            rows,
            held=_units_by_day(to_allocate, sign=-1),
            allocated=_units_by_day(to_allocate),
        )
        BookingHold.objects.filter(pk__in=[h.pk for h in to_allocate]).update(
            status=HoldStatus.ALLOCATED, allocated_at=now, updated_at=now
        )
        for hold in to_allocate:
            hold.status, hold.allocated_at = HoldStatus.ALLOCATED, now
    return [holds[k] for k in wanted_keys]


def _check_allocatable(hold: BookingHold, now: datetime) -> None:
    if hold.status == HoldStatus.ALLOCATED:
        return
    if hold.status == HoldStatus.EXPIRED or (
        hold.status == HoldStatus.HELD and hold.expires_at <= now
    ):
        raise refuse(
            "key",
            f"The hold on booking {hold.key} expired at {hold.expires_at:%Y-%m-%d %H:%M}.",
            BookingErrorCode.HOLD_EXPIRED,
        )
    if hold.status == HoldStatus.RELEASED:
        raise refuse("key", f"Booking {hold.key} was released.", BookingErrorCode.HOLD_RELEASED)
    if hold.status == HoldStatus.CANCELLED:
        raise refuse("key", f"Booking {hold.key} was cancelled.", BookingErrorCode.HOLD_CANCELLED)


def booking_allocate(*, key: str, now: datetime | None = None) -> BookingHold:
    return booking_allocate_many(keys=[key], now=now)[0]


@transaction.atomic
def booking_release_expired(*, now: datetime, limit: int = 500) -> int:
    """Free holds whose expiry has passed; returns how many this call freed.

    Safe to run concurrently and repeatedly: holds another transaction has locked (a
    checkout completing, another sweep) are skipped, not waited for. At most `limit` per
    call keeps each transaction short; the periodic task simply runs again."""
    holds = list(
        BookingHold.objects.select_for_update(skip_locked=True)
        .filter(status=HoldStatus.HELD, expires_at__lte=now)
        .order_by("pk")[:limit]
    )
    if not holds:
        return 0
    rows = _lock_days(_wanted_existing(holds))
    _apply(rows, held=_units_by_day(holds, sign=-1))
    stamp = timezone.now()
    BookingHold.objects.filter(pk__in=[h.pk for h in holds]).update(
        status=HoldStatus.EXPIRED, closed_at=stamp, updated_at=stamp
    )
    return len(holds)


# --- cancellation -----------------------------------------------------------------------


def _policy_tiers(product: Product) -> tuple[Tier, ...]:
    return cancellation_policy_for(product).tiers


@transaction.atomic
def booking_cancel_many(
    *, keys: Iterable[str], on_date: date | datetime, refund_percent: int | None = None
) -> list[CancellationOutcome]:
    """Cancel sold bookings, all or none: free their capacity and fix each one's refund.

    `on_date` is when the cancellation happens: a date (already local) or an aware
    datetime, counted as its date in Asia/Shanghai. `refund_percent` None applies each
    product's cancellation tiers (the buyer cancels); a number applies to every booking
    instead (the seller cancels and owes the buyer everything, so 100).

    Idempotent per key: one already cancelled answers the refund fixed the first time, even
    if `refund_percent` differs now. Refused: an unknown key (NOT_FOUND), a booking never
    sold (NOT_ALLOCATED). Locks the holds in key order, then all their days at once in
    (product, date) order. Returns one outcome per distinct key, in key order.
    """
    if refund_percent is not None and not 0 <= refund_percent <= 100:
        raise ValueError("refund_percent is a percentage between 0 and 100.")
    wanted = sorted(set(keys))
    holds = _lock_holds(wanted)
    for key in wanted:
        hold = holds.get(key)
        if hold is None:
            raise refuse("key", f"No booking is held under {key}.", BookingErrorCode.NOT_FOUND)
        if hold.status not in (HoldStatus.ALLOCATED, HoldStatus.CANCELLED):
            raise refuse(
                "key",
                f"Booking {key} was never sold ({hold.get_status_display()}); release it instead.",
                BookingErrorCode.NOT_ALLOCATED,
            )
    outcomes: dict[str, CancellationOutcome] = {}
    for key in wanted:
        hold = holds[key]
        if hold.status == HoldStatus.CANCELLED:
            assert hold.cancelled_on is not None and hold.refund_percent is not None
            outcomes[key] = CancellationOutcome(
                hold=hold,
                days_before=days_before_start(start_date=hold.start_date, on=hold.cancelled_on),
                refund_percent=hold.refund_percent,
            )
    to_cancel = [holds[key] for key in wanted if key not in outcomes]
    if not to_cancel:
        return [outcomes[key] for key in wanted]
    rows = _lock_days(_wanted_existing(to_cancel))
    _apply(rows, allocated=_units_by_day(to_cancel, sign=-1))
    now = timezone.now()
    # One UPDATE per distinct (percent, day cancelled), so a batch costs the same as one.
    groups: dict[tuple[int, date], list[int]] = defaultdict(list)
    for hold in to_cancel:
        days_before = days_before_start(start_date=hold.start_date, on=on_date)
        percent = (
            refund_percent
            if refund_percent is not None
            else refund_percent_for(_policy_tiers(hold.product), days_before)
        )
        hold.status = HoldStatus.CANCELLED
        hold.refund_percent = percent
        hold.cancelled_on = hold.start_date - timedelta(days=days_before)
        hold.closed_at = now
        groups[(percent, hold.cancelled_on)].append(hold.pk)
        outcomes[hold.key] = CancellationOutcome(
            hold=hold, days_before=days_before, refund_percent=percent
        )
    for (percent, cancelled_on), pks in groups.items():
        BookingHold.objects.filter(pk__in=pks).update(
            status=HoldStatus.CANCELLED,
            refund_percent=percent,
            cancelled_on=cancelled_on,
            closed_at=now,
            updated_at=now,
        )
    return [outcomes[key] for key in wanted]


def booking_cancel(*, key: str, on_date: date | datetime) -> CancellationOutcome:
    """Cancel one sold booking by its product's tiers; `booking_cancel_many` for one key
    (same rules: idempotent, the first refund fixed stays)."""
    return booking_cancel_many(keys=[key], on_date=on_date)[0]


# --- the shop's settings ----------------------------------------------------------------


def _ensure_can_manage(actor: User | None, shop: Shop) -> None:
    if not can_manage_shop(user=actor, shop=shop):
        raise PermissionRefused(f"You may not change the bookings of {shop}.")


def _ensure_tourism(product: Product) -> None:
    if not product.is_tourism:
        raise refuse(
            "product", f"{product} is not a homestay or experience.", BookingErrorCode.NOT_BOOKABLE
        )


@transaction.atomic
def booking_capacity_set(
    *, actor: User | None, product: Product, day: date, capacity: int
) -> DayCapacity:
    """Set one date's capacity (0 closes it). Never below what is already held and sold."""
    _ensure_can_manage(actor, product.shop)
    _ensure_tourism(product)
    if capacity < 0:
        raise refuse(
            "capacity", "Capacity cannot be negative.", BookingErrorCode.CAPACITY_BELOW_BOOKED
        )
    row = _lock_days({product.pk: (product, [day])})[(product.pk, day)]
    if capacity < row.held + row.allocated:
        raise refuse(
            "capacity",
            f"{row.held + row.allocated} are already booked on {day}; capacity cannot go below.",
            BookingErrorCode.CAPACITY_BELOW_BOOKED,
        )
    row.capacity = capacity
    row.save(update_fields=["capacity"])
    return row


@transaction.atomic
def cancellation_policy_set(
    *,
    actor: User | None,
    tiers: Iterable[Tier | tuple[int, int]],
    shop: Shop | None = None,
    product: Product | None = None,
) -> CancellationPolicy:
    """Replace the refund tiers of a shop (all its tourism offers) or of one product."""
    if (shop is None) == (product is None):
        raise ValueError("Give exactly one of shop or product.")
    if product is not None:
        _ensure_tourism(product)
    owner_shop = product.shop if product is not None else shop
    assert owner_shop is not None
    _ensure_can_manage(actor, owner_shop)
    validated = validate_tiers(tiers)
    policy, _ = CancellationPolicy.objects.select_for_update().get_or_create(
        shop=None if product is not None else shop, product=product
    )
    policy.tiers.all().delete()
    CancellationTier.objects.bulk_create(
        CancellationTier(
            policy=policy, min_days_before=t.min_days_before, refund_percent=t.refund_percent
        )
        for t in validated
    )
    policy.save(update_fields=["updated_at"])
    return policy


@transaction.atomic
def cancellation_policy_clear(
    *, actor: User | None, shop: Shop | None = None, product: Product | None = None
) -> None:
    """Drop a product's override (its shop's policy applies) or a shop's (the default does)."""
    if (shop is None) == (product is None):
        raise ValueError("Give exactly one of shop or product.")
    owner_shop = product.shop if product is not None else shop
    assert owner_shop is not None
    _ensure_can_manage(actor, owner_shop)
    if product is not None:
        CancellationPolicy.objects.filter(product=product).delete()
    else:
        CancellationPolicy.objects.filter(shop=shop, product__isnull=True).delete()
