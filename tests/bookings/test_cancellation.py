"""Cancellation policies: tier validation and maths at the boundaries, which policy applies,
and cancelling a sold booking (capacity freed, refund fixed once)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from marketplace.accounts.models import Role
from marketplace.bookings import policies, selectors, services
from marketplace.bookings.error_codes import BookingErrorCode as Code
from marketplace.bookings.models import BookingHold, DayCapacity, HoldStatus
from marketplace.bookings.policies import DEFAULT_TIERS, Tier
from marketplace.core.errors import PermissionRefused
from tests import factories
from tests.bookings.conftest import codes, day, later

# --- tier maths (no database) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("days_before", "percent"),
    [(30, 100), (7, 100), (6, 50), (3, 50), (2, 0), (0, 0), (-1, 0)],
)
def test_default_tiers_at_their_boundaries(days_before, percent):
    assert policies.refund_percent_for(DEFAULT_TIERS, days_before) == percent


def test_no_tier_reached_refunds_nothing():
    tiers = (Tier(14, 100), Tier(1, 30))
    assert policies.refund_percent_for(tiers, 14) == 100
    assert policies.refund_percent_for(tiers, 1) == 30
    assert policies.refund_percent_for(tiers, 0) == 0


def test_validate_sorts_most_days_first():
    assert policies.validate_tiers([(0, 0), (7, 100), (3, 50)]) == DEFAULT_TIERS


@pytest.mark.parametrize(
    "tiers",
    [
        [],
        [(7, 101)],
        [(7, -1)],
        [(-1, 50)],
        [(7, 100), (7, 50)],  # same day twice
        [(7, 50), (3, 80)],  # later cancellation refunding more
        [(7, 50.5)],
        [(True, 50)],
    ],
)
def test_invalid_tiers_are_refused(tiers):
    with pytest.raises(ValidationError) as info:
        policies.validate_tiers(tiers)
    assert codes(info.value) == [Code.INVALID_POLICY.value]


def test_days_are_counted_in_shanghai():
    start = date(2026, 5, 10)
    # 16:30 UTC on 2 May is already 00:30 on 3 May in Shanghai: 7 days before, not 8.
    assert (
        policies.days_before_start(start_date=start, on=datetime(2026, 5, 2, 16, 30, tzinfo=UTC))
        == 7
    )
    assert (
        policies.days_before_start(start_date=start, on=datetime(2026, 5, 2, 15, 59, tzinfo=UTC))
        == 8
    )
    assert policies.days_before_start(start_date=start, on=date(2026, 5, 3)) == 7
    with pytest.raises(ValueError):
        policies.days_before_start(start_date=start, on=datetime(2026, 5, 2, 12))


@pytest.mark.parametrize(
    ("percent", "paid", "refund"),
    [
        (100, "388.00", "388.00"),
        (50, "99.99", "50.00"),  # 49.995 rounds half up
        (50, "99.97", "49.99"),  # 49.985 rounds half up too
        (33, "10.00", "3.30"),
        (0, "388.00", "0.00"),
    ],
)
def test_refund_amount_to_the_cent(percent, paid, refund):
    outcome = policies.CancellationOutcome(
        hold=BookingHold(), days_before=5, refund_percent=percent
    )
    assert outcome.refund_amount(Decimal(paid)) == Decimal(refund)


def test_refund_of_a_negative_payment_is_a_bug():
    outcome = policies.CancellationOutcome(hold=BookingHold(), days_before=5, refund_percent=50)
    with pytest.raises(ValueError):
        outcome.refund_amount(Decimal("-1"))


# --- which policy applies --------------------------------------------------------------


@pytest.mark.django_db
def test_product_overrides_shop_overrides_default(homestay):
    product, _ = homestay
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=product.shop)
    assert selectors.cancellation_policy_for(product).source == "default"
    assert selectors.cancellation_policy_for(product).tiers == DEFAULT_TIERS

    services.cancellation_policy_set(actor=manager, shop=product.shop, tiers=[(10, 100), (0, 20)])
    view = selectors.cancellation_policy_for(product)
    assert (view.source, view.tiers) == ("shop", (Tier(10, 100), Tier(0, 20)))

    services.cancellation_policy_set(actor=manager, product=product, tiers=[(1, 80)])
    assert selectors.cancellation_policy_for(product).tiers == (Tier(1, 80),)
    # Replacing tiers replaces them all.
    services.cancellation_policy_set(actor=manager, product=product, tiers=[(2, 60), (5, 90)])
    view = selectors.cancellation_policy_for(product)
    assert (view.source, view.tiers) == ("product", (Tier(5, 90), Tier(2, 60)))

    services.cancellation_policy_clear(actor=manager, product=product)
    assert selectors.cancellation_policy_for(product).source == "shop"
    services.cancellation_policy_clear(actor=manager, shop=product.shop)
    assert selectors.cancellation_policy_for(product).source == "default"


@pytest.mark.django_db
def test_another_shops_policy_does_not_leak(homestay):
    product, _ = homestay
    other_shop = factories.shop()
    services.cancellation_policy_set(
        actor=factories.platform_admin(), shop=other_shop, tiers=[(0, 100)]
    )
    assert selectors.cancellation_policy_for(product).source == "default"


@pytest.mark.django_db
def test_policy_refusals(homestay, channel):
    product, _ = homestay
    stranger = factories.user(role=Role.SHOP_MANAGER, shop_obj=factories.shop())
    with pytest.raises(PermissionRefused):
        services.cancellation_policy_set(actor=stranger, product=product, tiers=[(1, 50)])
    produce = factories.product(channel_obj=channel)
    with pytest.raises(ValidationError) as info:
        services.cancellation_policy_set(
            actor=factories.platform_admin(), product=produce, tiers=[(1, 50)]
        )
    assert codes(info.value) == [Code.NOT_BOOKABLE.value]
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=product.shop)
    services.cancellation_policy_set(actor=manager, product=product, tiers=[(1, 50)])
    with pytest.raises(ValidationError):
        services.cancellation_policy_set(actor=manager, product=product, tiers=[(1, 50), (4, 10)])
    # The refused replacement left the old tiers in place.
    assert selectors.cancellation_policy_for(product).tiers == (Tier(1, 50),)


# --- cancelling a booking --------------------------------------------------------------


def sell(variant, *, key="line:1", start=10, end=12, guests=4) -> BookingHold:
    services.booking_hold(
        key=key,
        variant=variant,
        start_date=day(start),
        end_date=day(end),
        guests=guests,
        expires_at=later(),
    )
    return services.booking_allocate(key=key)


@pytest.mark.django_db
@pytest.mark.parametrize(("days_ahead", "percent"), [(7, 100), (6, 50), (3, 50), (2, 0)])
def test_cancel_refunds_by_tier_and_frees_the_rooms(homestay, days_ahead, percent):
    product, variant = homestay
    sell(variant)
    outcome = services.booking_cancel(key="line:1", on_date=day(10 - days_ahead))
    assert (outcome.days_before, outcome.refund_percent) == (days_ahead, percent)
    assert outcome.refund_amount(Decimal("776.00")) == Decimal("776.00") * percent / 100
    hold = BookingHold.objects.get(key="line:1")
    assert (hold.status, hold.refund_percent, hold.cancelled_on) == (
        HoldStatus.CANCELLED,
        percent,
        day(10 - days_ahead),
    )
    assert set(DayCapacity.objects.filter(product=product).values_list("held", "allocated")) == {
        (0, 0)
    }


@pytest.mark.django_db
def test_cancel_uses_the_products_policy(homestay):
    product, variant = homestay
    services.cancellation_policy_set(
        actor=factories.platform_admin(), product=product, tiers=[(1, 90)]
    )
    sell(variant)
    assert services.booking_cancel(key="line:1", on_date=day(9)).refund_percent == 90


@pytest.mark.django_db
def test_cancel_at_a_shanghai_midnight(homestay):
    _, variant = homestay
    sell(variant, start=10)
    # 23:30 UTC the evening before "day 3" in Shanghai is already day 3 there: 7 days ahead.
    shanghai_day3 = datetime.combine(day(3), datetime.min.time(), tzinfo=policies.BOOKING_TZ)
    moment = (shanghai_day3 + timedelta(minutes=30)).astimezone(UTC)
    assert moment.date() == day(2)
    assert services.booking_cancel(key="line:1", on_date=moment).refund_percent == 100


@pytest.mark.django_db
def test_cancel_twice_keeps_the_first_refund(homestay):
    _, variant = homestay
    sell(variant)
    first = services.booking_cancel(key="line:1", on_date=day(1))
    again = services.booking_cancel(key="line:1", on_date=day(9))
    assert (again.refund_percent, again.days_before) == (first.refund_percent, first.days_before)
    assert first.refund_percent == 100


@pytest.mark.django_db
def test_cancel_refusals(homestay):
    product, variant = homestay
    with pytest.raises(ValidationError) as info:
        services.booking_cancel(key="ghost", on_date=day(1))
    assert codes(info.value) == [Code.NOT_FOUND.value]
    services.booking_hold(
        key="held",
        variant=variant,
        start_date=day(5),
        end_date=day(6),
        guests=1,
        expires_at=later(),
    )
    with pytest.raises(ValidationError) as info:
        services.booking_cancel(key="held", on_date=day(1))
    assert codes(info.value) == [Code.NOT_ALLOCATED.value]
    assert DayCapacity.objects.get(product=product, date=day(5)).held == 1


@pytest.mark.django_db
def test_cancelled_key_is_closed(homestay):
    _, variant = homestay
    sell(variant)
    services.booking_cancel(key="line:1", on_date=day(1))
    with pytest.raises(ValidationError) as info:
        sell(variant)
    assert codes(info.value) == [Code.HOLD_CANCELLED.value]
    with pytest.raises(ValidationError) as info:
        services.booking_allocate(key="line:1")
    assert codes(info.value) == [Code.HOLD_CANCELLED.value]
    # Releasing a cancelled booking changes nothing.
    released = services.booking_release(key="line:1")
    assert released is not None and released.status == HoldStatus.CANCELLED
