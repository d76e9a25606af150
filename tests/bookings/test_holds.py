"""Holding, changing, releasing, allocating and expiring bookings, one caller at a time.

Every refusal must leave the calendar exactly as it was."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from marketplace.accounts.models import Role
from marketplace.bookings import selectors, services
from marketplace.bookings.error_codes import BookingErrorCode as Code
from marketplace.bookings.models import BookingHold, DayCapacity, HoldStatus
from marketplace.catalog.models import OfferingKind, Product
from marketplace.core.errors import PermissionRefused
from tests import factories
from tests.bookings.conftest import codes, day, later, tourism

pytestmark = pytest.mark.django_db


def counters(product: Product) -> dict:
    return {
        row.date: (row.held, row.allocated)
        for row in DayCapacity.objects.filter(product=product).order_by("date")
    }


def hold(variant, key="line:1", start=3, end=5, guests=2, expires_at=None) -> BookingHold:
    return services.booking_hold(
        key=key,
        variant=variant,
        start_date=day(start),
        end_date=None if end is None else day(end),
        guests=guests,
        expires_at=expires_at or later(),
    )


def refused(code: Code, fn, *args, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        fn(*args, **kwargs)
    assert codes(info.value) == [code.value]
    return info.value


# --- units -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rooms", "capacity", "guests", "units"),
    [
        (3, 6, 1, 1),
        (3, 6, 2, 1),
        (3, 6, 3, 2),
        (3, 6, 6, 3),
        # 7 guests in 3 rooms: rooms take 3 each, so 7 guests need all 3 rooms, 4 need 2.
        (3, 7, 4, 2),
        (3, 7, 7, 3),
        (1, 4, 4, 1),
    ],
)
def test_homestay_rooms_needed(rooms, capacity, guests, units):
    product = Product(offering_kind=OfferingKind.HOMESTAY, rooms=rooms, nightly_capacity=capacity)
    assert services.booking_units(product=product, guests=guests) == units


def test_experience_takes_one_seat_per_guest(experience):
    product, _ = experience
    assert services.booking_units(product=product, guests=5) == 5


# --- holding ---------------------------------------------------------------------------


def test_homestay_hold_takes_rooms_on_each_night(homestay):
    product, variant = homestay
    created = hold(variant, start=3, end=6, guests=3)
    assert (created.status, created.units, created.guests) == (HoldStatus.HELD, 2, 3)
    assert (created.start_date, created.end_date, created.nights) == (day(3), day(6), 3)
    # Three nights; the checkout morning is not booked.
    assert counters(product) == {day(3): (2, 0), day(4): (2, 0), day(5): (2, 0)}
    assert {r.capacity for r in DayCapacity.objects.filter(product=product)} == {3}


def test_experience_occupies_its_one_date_whatever_end_is_given(experience):
    product, variant = experience
    a = hold(variant, key="a", start=2, end=None, guests=4)
    b = hold(variant, key="b", start=2, end=2, guests=3)
    c = hold(variant, key="c", start=2, end=3, guests=1)
    assert {(h.start_date, h.end_date) for h in (a, b, c)} == {(day(2), day(3))}
    assert counters(product) == {day(2): (8, 0)}


def test_same_booking_again_is_the_same_hold_with_a_new_expiry(homestay):
    product, variant = homestay
    first = hold(variant, expires_at=later(5))
    again = hold(variant, expires_at=later(30))
    assert again.pk == first.pk
    assert again.expires_at > first.expires_at
    assert BookingHold.objects.count() == 1
    assert counters(product) == {day(3): (1, 0), day(4): (1, 0)}


def test_changed_booking_replaces_the_old_one(homestay):
    product, variant = homestay
    first = hold(variant, start=3, end=5, guests=2)
    moved = hold(variant, start=4, end=7, guests=5)
    assert moved.pk == first.pk
    assert (moved.start_date, moved.end_date, moved.units) == (day(4), day(7), 3)
    assert counters(product) == {day(3): (0, 0), day(4): (3, 0), day(5): (3, 0), day(6): (3, 0)}


def test_shrinking_a_booking_on_a_full_night_works(homestay):
    product, variant = homestay
    hold(variant, guests=6)  # all three rooms
    smaller = hold(variant, guests=1)
    assert smaller.units == 1
    assert counters(product) == {day(3): (1, 0), day(4): (1, 0)}


def test_moving_a_booking_to_another_product(homestay):
    product, variant = homestay
    other, other_variant = tourism(OfferingKind.HOMESTAY)
    hold(variant, key="k")
    moved = hold(other_variant, key="k")
    assert moved.product_id == other.pk
    assert counters(product) == {day(3): (0, 0), day(4): (0, 0)}
    assert counters(other) == {day(3): (1, 0), day(4): (1, 0)}


def test_full_night_is_refused_and_named(homestay):
    product, variant = homestay
    hold(variant, key="a", start=3, end=4, guests=6)  # night 3 full
    error = refused(Code.INSUFFICIENT_CAPACITY, hold, variant, key="b", start=2, end=5)
    message = error.error_dict["booking"][0]
    assert day(3).isoformat() in message.message
    assert day(2).isoformat() not in message.message
    assert message.params["dates"] == [day(3).isoformat()]
    assert not BookingHold.objects.filter(key="b").exists()
    assert counters(product).get(day(2), (0, 0)) == (0, 0)


def test_refused_change_keeps_the_old_booking(homestay):
    product, variant = homestay
    hold(variant, key="other", start=5, end=6, guests=6)
    hold(variant, key="k", start=3, end=5, guests=2)
    refused(Code.INSUFFICIENT_CAPACITY, hold, variant, key="k", start=4, end=6, guests=2)
    kept = BookingHold.objects.get(key="k")
    assert (kept.start_date, kept.end_date, kept.status) == (day(3), day(5), HoldStatus.HELD)
    assert counters(product) == {day(3): (1, 0), day(4): (1, 0), day(5): (3, 0)}


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (3, 3, "end_date"),  # no night
        (3, 2, "end_date"),  # backwards
        (3, None, "end_date"),
        (-1, 2, "start_date"),  # yesterday
        (400, 401, "start_date"),  # beyond the horizon
        (3, 3 + services.MAX_NIGHTS + 1, "end_date"),
    ],
)
def test_bad_homestay_dates(homestay, start, end, field):
    _, variant = homestay
    error = refused(Code.INVALID_DATES, hold, variant, start=start, end=end)
    assert list(error.error_dict) == [field]
    assert not BookingHold.objects.exists()
    assert not DayCapacity.objects.exists()


def test_today_is_bookable(homestay):
    _, variant = homestay
    assert hold(variant, start=0, end=1).start_date == day(0)


def test_experience_spanning_days_is_refused(experience):
    _, variant = experience
    refused(Code.INVALID_DATES, hold, variant, start=2, end=4)
    refused(Code.INVALID_DATES, hold, variant, start=2, end=1)


@pytest.mark.parametrize("guests", [0, -2])
def test_no_guests_is_refused(homestay, guests):
    _, variant = homestay
    refused(Code.INVALID_GUESTS, hold, variant, guests=guests)


def test_more_guests_than_the_house_sleeps(homestay, experience):
    refused(Code.TOO_MANY_GUESTS, hold, homestay[1], guests=7)
    refused(Code.TOO_MANY_GUESTS, hold, experience[1], end=None, guests=13)
    assert not BookingHold.objects.exists()


def test_produce_is_not_bookable(channel):
    variant = factories.first_variant(factories.product(channel_obj=channel))
    refused(Code.NOT_BOOKABLE, hold, variant)


# --- release ---------------------------------------------------------------------------


def test_release_gives_the_rooms_back_once(homestay):
    product, variant = homestay
    hold(variant, guests=4)
    released = services.booking_release(key="line:1")
    assert released is not None and released.status == HoldStatus.RELEASED
    assert released.closed_at is not None
    assert counters(product) == {day(3): (0, 0), day(4): (0, 0)}
    again = services.booking_release(key="line:1")
    assert again is not None and again.status == HoldStatus.RELEASED
    assert counters(product) == {day(3): (0, 0), day(4): (0, 0)}


def test_release_of_unknown_key_is_a_no_op():
    assert services.booking_release(key="never") is None


def test_release_many_is_all_or_nothing_on_a_sold_booking(homestay):
    product, variant = homestay
    hold(variant, key="a")
    hold(variant, key="b")
    services.booking_allocate(key="b")
    refused(Code.ALREADY_ALLOCATED, services.booking_release_many, keys=["a", "b"])
    assert BookingHold.objects.get(key="a").status == HoldStatus.HELD
    assert counters(product) == {day(3): (1, 1), day(4): (1, 1)}


def test_released_key_can_be_held_again(homestay):
    product, variant = homestay
    hold(variant)
    services.booking_release(key="line:1")
    revived = hold(variant, guests=3)
    assert (revived.status, revived.closed_at, revived.units) == (HoldStatus.HELD, None, 2)
    assert counters(product) == {day(3): (2, 0), day(4): (2, 0)}


# --- allocation ------------------------------------------------------------------------


def test_allocate_moves_held_to_sold_once(homestay):
    product, variant = homestay
    hold(variant, guests=3)
    sold = services.booking_allocate(key="line:1")
    assert sold.status == HoldStatus.ALLOCATED and sold.allocated_at is not None
    assert counters(product) == {day(3): (0, 2), day(4): (0, 2)}
    again = services.booking_allocate(key="line:1")
    assert again.allocated_at == sold.allocated_at
    assert counters(product) == {day(3): (0, 2), day(4): (0, 2)}


def test_sold_booking_can_be_repeated_but_not_changed(homestay):
    _, variant = homestay
    hold(variant)
    services.booking_allocate(key="line:1")
    assert hold(variant).status == HoldStatus.ALLOCATED
    refused(Code.ALREADY_ALLOCATED, hold, variant, guests=3)


def test_allocate_refusals(homestay):
    product, variant = homestay
    refused(Code.NOT_FOUND, services.booking_allocate, key="nobody")
    hold(variant, key="released")
    services.booking_release(key="released")
    refused(Code.HOLD_RELEASED, services.booking_allocate, key="released")
    hold(variant, key="late", expires_at=timezone.now() - timedelta(seconds=1))
    refused(Code.HOLD_EXPIRED, services.booking_allocate, key="late")
    # Not yet swept: the rooms stay held until the sweep or a renewed hold.
    assert BookingHold.objects.get(key="late").status == HoldStatus.HELD
    services.booking_release_expired(now=timezone.now())
    refused(Code.HOLD_EXPIRED, services.booking_allocate, key="late")
    assert counters(product) == {day(3): (0, 0), day(4): (0, 0)}


def test_renewing_an_expired_hold_lets_it_be_sold(homestay):
    product, variant = homestay
    hold(variant, expires_at=timezone.now() - timedelta(seconds=1))
    hold(variant, expires_at=later())
    assert services.booking_allocate(key="line:1").status == HoldStatus.ALLOCATED
    assert counters(product) == {day(3): (0, 1), day(4): (0, 1)}


def test_allocate_many_is_all_or_nothing(homestay, experience):
    product, variant = homestay
    hold(variant, key="room")
    hold(experience[1], key="tea", start=2, end=None, guests=2)
    refused(Code.NOT_FOUND, services.booking_allocate_many, keys=["tea", "room", "ghost"])
    assert set(BookingHold.objects.values_list("status", flat=True)) == {HoldStatus.HELD}
    sold = services.booking_allocate_many(keys=["tea", "room"])
    assert [h.key for h in sold] == ["room", "tea"]
    assert counters(product) == {day(3): (0, 1), day(4): (0, 1)}
    assert counters(experience[0]) == {day(2): (0, 2)}


# --- expiry ----------------------------------------------------------------------------


def test_release_expired_frees_only_expired_holds(homestay):
    product, variant = homestay
    now = timezone.now()
    hold(variant, key="old", guests=2, expires_at=now - timedelta(minutes=1))
    hold(variant, key="fresh", guests=2, expires_at=now + timedelta(minutes=10))
    hold(variant, key="sold", guests=2, expires_at=now + timedelta(minutes=1))
    services.booking_allocate(key="sold")
    assert services.booking_release_expired(now=now) == 1
    assert BookingHold.objects.get(key="old").status == HoldStatus.EXPIRED
    assert counters(product) == {day(3): (1, 1), day(4): (1, 1)}
    # Later, the fresh one expires too; the sold one never does.
    assert services.booking_release_expired(now=now + timedelta(hours=1)) == 1
    assert services.booking_release_expired(now=now + timedelta(hours=1)) == 0
    assert counters(product) == {day(3): (0, 1), day(4): (0, 1)}


def test_release_expired_works_in_batches(homestay):
    product, variant = homestay
    past = timezone.now() - timedelta(minutes=1)
    for i in range(3):
        hold(variant, key=f"k{i}", guests=1, expires_at=past)
    assert services.booking_release_expired(now=timezone.now(), limit=2) == 2
    assert services.booking_release_expired(now=timezone.now(), limit=2) == 1
    assert counters(product) == {day(3): (0, 0), day(4): (0, 0)}


# --- calendar and availability ---------------------------------------------------------


def test_availability_shows_defaults_and_bookings(homestay):
    product, variant = homestay
    hold(variant, key="a", start=3, end=5, guests=3)
    hold(variant, key="b", start=4, end=5, guests=1)
    services.booking_allocate(key="b")
    days = selectors.availability(product=product, start_date=day(2), end_date=day(6))
    assert [(d.date, d.capacity, d.held, d.allocated, d.free) for d in days] == [
        (day(2), 3, 0, 0, 3),
        (day(3), 3, 2, 0, 1),
        (day(4), 3, 2, 1, 0),
        (day(5), 3, 0, 0, 3),
    ]


def test_availability_refusals(homestay, channel):
    product, _ = homestay
    produce = factories.product(channel_obj=channel)
    with pytest.raises(ValidationError) as info:
        selectors.availability(product=produce, start_date=day(1))
    assert codes(info.value) == [Code.NOT_BOOKABLE.value]
    with pytest.raises(ValidationError) as info:
        selectors.availability(product=product, start_date=day(3), end_date=day(3))
    assert codes(info.value) == [Code.INVALID_DATES.value]


def test_shop_closes_a_date(homestay):
    product, variant = homestay
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=product.shop)
    services.booking_capacity_set(actor=manager, product=product, day=day(4), capacity=0)
    refused(Code.INSUFFICIENT_CAPACITY, hold, variant, start=3, end=5)
    assert hold(variant, start=2, end=4).nights == 2


def test_capacity_cannot_drop_below_bookings(homestay):
    product, variant = homestay
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=product.shop)
    hold(variant, guests=4)
    refused(
        Code.CAPACITY_BELOW_BOOKED,
        services.booking_capacity_set,
        actor=manager,
        product=product,
        day=day(3),
        capacity=1,
    )
    row = services.booking_capacity_set(actor=manager, product=product, day=day(3), capacity=2)
    assert row.free == 0
    assert DayCapacity.objects.get(product=product, date=day(3)).capacity == 2


def test_other_shops_manager_cannot_change_the_calendar(homestay):
    product, _ = homestay
    stranger = factories.user(role=Role.SHOP_MANAGER, shop_obj=factories.shop())
    with pytest.raises(PermissionRefused):
        services.booking_capacity_set(actor=stranger, product=product, day=day(3), capacity=0)
    assert not DayCapacity.objects.exists()


# --- several holds at once -------------------------------------------------------------


def request(variant, key, start=3, end=5, guests=2) -> services.HoldRequest:
    return services.HoldRequest(
        key=key, variant=variant, start_date=day(start), end_date=day(end), guests=guests
    )


def test_hold_many_counts_every_request_against_the_same_night(homestay):
    product, variant = homestay
    # 2 rooms + 2 rooms on night 4 of a 3-room house: each fits alone, not together.
    error = refused(
        Code.INSUFFICIENT_CAPACITY,
        services.booking_hold_many,
        requests=[request(variant, "x", 3, 5, 4), request(variant, "y", 4, 6, 3)],
        expires_at=later(),
    )
    entry = error.error_dict["booking"][0]
    assert entry.params["dates"] == [day(4).isoformat()]
    assert entry.params["keys"] == ["x", "y"]
    assert not BookingHold.objects.exists()
    holds = services.booking_hold_many(
        requests=[request(variant, "y", 4, 6, 1), request(variant, "x", 3, 5, 4)],
        expires_at=later(),
    )
    assert [h.key for h in holds] == ["y", "x"]
    assert counters(product) == {day(3): (2, 0), day(4): (3, 0), day(5): (1, 0)}


def test_hold_many_names_the_key_of_bad_input(homestay):
    _, variant = homestay
    error = refused(
        Code.INVALID_DATES,
        services.booking_hold_many,
        requests=[request(variant, "good"), request(variant, "bad", 5, 5)],
        expires_at=later(),
    )
    assert error.error_dict["end_date"][0].params == {"key": "bad"}
    assert not BookingHold.objects.exists()


def test_hold_many_rejects_repeated_keys(homestay):
    _, variant = homestay
    with pytest.raises(ValueError):
        services.booking_hold_many(
            requests=[request(variant, "k"), request(variant, "k", 6, 7)], expires_at=later()
        )


def test_percent_sign_in_a_product_name_survives_the_message(homestay):
    product, variant = homestay
    Product.objects.filter(pk=product.pk).update(name="100%满意民宿")
    variant.product.refresh_from_db()
    hold(variant, key="a", guests=6)
    error = refused(Code.INSUFFICIENT_CAPACITY, hold, variant, key="b")
    assert "100%满意民宿" in error.messages[0]
