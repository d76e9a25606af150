"""The calendar's invariants hold in the database itself, whatever code writes the rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from marketplace.bookings.models import (
    BookingHold,
    CancellationPolicy,
    CancellationTier,
    DayCapacity,
    HoldStatus,
)
from tests.bookings.conftest import day, later

pytestmark = pytest.mark.django_db


def violates(fn) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


def test_day_counters_stay_within_capacity(homestay):
    product, _ = homestay
    row = DayCapacity.objects.create(product=product, date=day(3), capacity=3, held=2)
    rows = DayCapacity.objects.filter(pk=row.pk)
    violates(lambda: rows.update(allocated=F("allocated") + 2))  # 2 + 2 > 3
    violates(lambda: rows.update(held=-1))
    violates(lambda: rows.update(held=0, allocated=-1))
    violates(lambda: rows.update(capacity=1))  # below what is held
    rows.update(held=0, allocated=3)
    violates(lambda: DayCapacity.objects.create(product=product, date=day(3), capacity=3))


def test_hold_rows(homestay):
    product, variant = homestay
    base = {
        "product": product,
        "variant": variant,
        "start_date": day(3),
        "end_date": day(4),
        "guests": 1,
        "units": 1,
        "expires_at": later(),
    }
    violates(lambda: BookingHold.objects.create(key="a", **{**base, "end_date": day(3)}))
    violates(lambda: BookingHold.objects.create(key="b", **{**base, "guests": 0}))
    violates(lambda: BookingHold.objects.create(key="c", **{**base, "units": 0}))
    violates(lambda: BookingHold.objects.create(key="d", **{**base, "status": "LOST"}))
    violates(lambda: BookingHold.objects.create(key="e", **{**base, "refund_percent": 50}))
    violates(
        lambda: BookingHold.objects.create(key="f", **{**base, "status": HoldStatus.ALLOCATED})
    )
    violates(
        lambda: BookingHold.objects.create(
            key="g",
            **{**base, "status": HoldStatus.CANCELLED, "allocated_at": later(-5)},
        )
    )
    violates(
        lambda: BookingHold.objects.create(
            key="h",
            **{
                **base,
                "status": HoldStatus.CANCELLED,
                "allocated_at": later(-5),
                "refund_percent": 101,
                "cancelled_on": day(1),
            },
        )
    )
    BookingHold.objects.create(key="ok", **base)
    violates(lambda: BookingHold.objects.create(key="ok", **base))
    assert BookingHold.objects.get(key="ok").end_date - day(3) == timedelta(days=1)


def test_policy_rows(homestay):
    product, _ = homestay
    violates(lambda: CancellationPolicy.objects.create())
    violates(lambda: CancellationPolicy.objects.create(shop=product.shop, product=product))
    shop_policy = CancellationPolicy.objects.create(shop=product.shop)
    violates(lambda: CancellationPolicy.objects.create(shop=product.shop))
    CancellationPolicy.objects.create(product=product)
    violates(lambda: CancellationPolicy.objects.create(product=product))
    CancellationTier.objects.create(policy=shop_policy, min_days_before=7, refund_percent=100)
    violates(
        lambda: CancellationTier.objects.create(
            policy=shop_policy, min_days_before=7, refund_percent=50
        )
    )
    violates(
        lambda: CancellationTier.objects.create(
            policy=shop_policy, min_days_before=3, refund_percent=101
        )
    )
