"""Real races: threads, each on its own PostgreSQL connection, released together.

Capacity must never be oversold, no caller may hit a deadlock or any error other than a
refusal with a code, and the counters must equal what the surviving holds say."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from marketplace.bookings import services
from marketplace.bookings.error_codes import BookingErrorCode as Code
from marketplace.bookings.models import BookingHold, DayCapacity, HoldStatus
from marketplace.catalog.models import OfferingKind
from tests.bookings.conftest import codes, day, later, race, tourism

pytestmark = pytest.mark.django_db(transaction=True)


def outcomes(results) -> Counter:
    """Tally results as "ok" or the refusal's code; an unexpected exception fails the test."""
    errors = [value for kind, value in results if kind == "error"]
    assert not errors, f"unexpected errors: {errors[:3]!r}"
    return Counter("ok" if kind == "ok" else "/".join(codes(value)) for kind, value in results)


def assert_counters_match_holds() -> None:
    """Every day's held/allocated equals the sum over the holds covering it."""
    expected: dict[tuple[int, object], list[int]] = defaultdict(lambda: [0, 0])
    for hold in BookingHold.objects.filter(status__in=[HoldStatus.HELD, HoldStatus.ALLOCATED]):
        for i in range(hold.nights):
            slot = 0 if hold.status == HoldStatus.HELD else 1
            expected[(hold.product_id, hold.start_date + timedelta(days=i))][slot] += hold.units
    for row in DayCapacity.objects.all():
        assert [row.held, row.allocated] == expected.get((row.product_id, row.date), [0, 0]), row


@pytest.mark.parametrize("rooms", [1, 3])
def test_fifty_buyers_race_for_the_last_rooms_on_one_night(rooms):
    product, variant = tourism(OfferingKind.HOMESTAY, rooms=rooms, nightly_capacity=2 * rooms)

    def buy(i: int) -> BookingHold:
        key = f"checkout-line:{i}"
        services.booking_hold(
            key=key,
            variant=variant,
            start_date=day(5),
            end_date=day(6),
            guests=2,
            expires_at=later(),
        )
        return services.booking_allocate(key=key)

    started = time.monotonic()
    results = race(50, buy)
    assert time.monotonic() - started < 10
    assert outcomes(results) == {"ok": rooms, Code.INSUFFICIENT_CAPACITY.value: 50 - rooms}
    night = DayCapacity.objects.get(product=product, date=day(5))
    assert (night.held, night.allocated, night.capacity) == (0, rooms, rooms)
    assert BookingHold.objects.filter(status=HoldStatus.ALLOCATED).count() == rooms
    assert BookingHold.objects.count() == rooms  # refused holds left nothing behind


def test_fifty_buyers_race_for_ten_experience_seats():
    product, variant = tourism(OfferingKind.EXPERIENCE, seats_per_date=10)

    def buy(i: int) -> BookingHold:
        services.booking_hold(
            key=f"seat:{i}",
            variant=variant,
            start_date=day(2),
            end_date=None,
            guests=1,
            expires_at=later(),
        )
        return services.booking_allocate(key=f"seat:{i}")

    started = time.monotonic()
    results = race(50, buy)
    assert time.monotonic() - started < 10
    assert outcomes(results) == {"ok": 10, Code.INSUFFICIENT_CAPACITY.value: 40}
    date_row = DayCapacity.objects.get(product=product, date=day(2))
    assert (date_row.held, date_row.allocated) == (0, 10)
    assert_counters_match_holds()


def test_overlapping_stays_in_opposite_orders_do_not_deadlock():
    """Each thread moves two stays (two homestays) onto the other's dates, listing them in
    opposite orders, then sells both listing the keys in opposite orders."""
    house_a, variant_a = tourism(OfferingKind.HOMESTAY, rooms=100, nightly_capacity=200)
    house_b, variant_b = tourism(OfferingKind.HOMESTAY, rooms=100, nightly_capacity=200)
    early, late = (1, 6), (4, 10)  # overlapping on nights 4 and 5
    n = 30
    for i in range(n):
        first, second = (early, late) if i % 2 else (late, early)
        for key, variant, (start, end) in (
            (f"a{i}", variant_a, first),
            (f"b{i}", variant_b, second),
        ):
            services.booking_hold(
                key=key,
                variant=variant,
                start_date=day(start),
                end_date=day(end),
                guests=2,
                expires_at=later(),
            )

    def move_and_buy(i: int) -> list[BookingHold]:
        first, second = (late, early) if i % 2 else (early, late)
        requests = [
            services.HoldRequest(
                key=f"a{i}",
                variant=variant_a,
                start_date=day(first[0]),
                end_date=day(first[1]),
                guests=3,
            ),
            services.HoldRequest(
                key=f"b{i}",
                variant=variant_b,
                start_date=day(second[0]),
                end_date=day(second[1]),
                guests=3,
            ),
        ]
        if i % 2:
            requests.reverse()
        services.booking_hold_many(requests=requests, expires_at=later())
        keys = [f"a{i}", f"b{i}"]
        return services.booking_allocate_many(keys=keys[::-1] if i % 2 else keys)

    started = time.monotonic()
    results = race(n, move_and_buy)
    assert time.monotonic() - started < 10
    assert outcomes(results) == {"ok": n}
    assert BookingHold.objects.filter(status=HoldStatus.ALLOCATED).count() == 2 * n
    assert_counters_match_holds()
    # Night 4 and 5 of each house carry every stay: 30 stays × 2 rooms.
    assert DayCapacity.objects.get(product=house_a, date=day(4)).allocated == 2 * n
    assert DayCapacity.objects.get(product=house_b, date=day(5)).allocated == 2 * n


def test_racing_the_same_key_holds_once():
    product, variant = tourism(OfferingKind.HOMESTAY)

    def hold(i: int) -> int:
        return services.booking_hold(
            key="checkout-line:7",
            variant=variant,
            start_date=day(3),
            end_date=day(5),
            guests=3,
            expires_at=later(),
        ).pk

    results = race(20, hold)
    assert outcomes(results) == {"ok": 20}
    assert len({pk for _, pk in results}) == 1
    assert list(DayCapacity.objects.filter(product=product).values_list("held", flat=True)) == [
        2,
        2,
    ]


def test_expiry_sweeps_race_with_checkouts_completing():
    product, variant = tourism(OfferingKind.HOMESTAY, rooms=100, nightly_capacity=200)
    now = timezone.now()
    for i in range(40):
        services.booking_hold(
            key=f"k{i}",
            variant=variant,
            start_date=day(3),
            end_date=day(6),
            guests=2,
            # Even keys lapsed a minute ago; odd ones are still good.
            expires_at=now + timedelta(minutes=-1 if i % 2 == 0 else 15),
        )

    def work(i: int) -> int | BookingHold:
        if i < 6:
            return services.booking_release_expired(now=timezone.now(), limit=7)
        # Threads 6..45 try to complete every key, lapsed or not.
        return services.booking_allocate(key=f"k{i - 6}")

    started = time.monotonic()
    results = race(46, work)
    assert time.monotonic() - started < 10
    tally = outcomes(results)
    assert tally["ok"] == 6 + 20
    assert tally[Code.HOLD_EXPIRED.value] == 20
    swept = sum(value for _, value in results[:6])
    # Sweeps limited to 7 each may leave some behind; one more pass finds exactly the rest.
    swept += services.booking_release_expired(now=timezone.now())
    assert swept == 20
    assert services.booking_release_expired(now=timezone.now()) == 0
    assert BookingHold.objects.filter(status=HoldStatus.EXPIRED).count() == 20
    assert_counters_match_holds()
    totals = DayCapacity.objects.filter(product=product).aggregate(
        held=Sum("held"), allocated=Sum("allocated")
    )
    assert totals == {"held": 0, "allocated": 20 * 1 * 3}
