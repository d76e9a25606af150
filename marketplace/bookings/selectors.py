"""Reads of the tourism calendar and cancellation policies, for storefront display and for
checkout. Nothing here locks or writes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from django.db.models import Q

from marketplace.bookings.error_codes import BookingErrorCode
from marketplace.bookings.models import BookingHold, CancellationTier, DayCapacity
from marketplace.bookings.policies import DEFAULT_TIERS, Tier
from marketplace.catalog.models import OfferingKind, Product
from marketplace.core.errors import refuse

# One calendar page: enough for a year view, bounded so one request cannot ask for millions.
MAX_AVAILABILITY_DAYS = 400


@dataclass(frozen=True)
class DayAvailability:
    date: date
    capacity: int
    held: int
    allocated: int

    @property
    def free(self) -> int:
        return max(self.capacity - self.held - self.allocated, 0)


def availability(
    *, product: Product, start_date: date, end_date: date | None = None
) -> list[DayAvailability]:
    """Units (rooms or seats) free on each day of [start_date, end_date).

    Days nobody has booked yet have no row and show the product's full capacity.
    `end_date` defaults to the day after `start_date`."""
    if not product.is_tourism:
        raise refuse(
            "product", f"{product} is not a homestay or experience.", BookingErrorCode.NOT_BOOKABLE
        )
    end_date = end_date or start_date + timedelta(days=1)
    span = (end_date - start_date).days
    if span < 1 or span > MAX_AVAILABILITY_DAYS:
        raise refuse(
            "end_date",
            f"Ask for 1 to {MAX_AVAILABILITY_DAYS} days, ending after the start.",
            BookingErrorCode.INVALID_DATES,
        )
    default = (
        product.rooms if product.offering_kind == OfferingKind.HOMESTAY else product.seats_per_date
    ) or 0
    rows = {
        row.date: row
        for row in DayCapacity.objects.filter(
            product=product, date__gte=start_date, date__lt=end_date
        )
    }
    days = []
    for i in range(span):
        day = start_date + timedelta(days=i)
        row = rows.get(day)
        days.append(
            DayAvailability(date=day, capacity=default, held=0, allocated=0)
            if row is None
            else DayAvailability(
                date=day, capacity=row.capacity, held=row.held, allocated=row.allocated
            )
        )
    return days


@dataclass(frozen=True)
class PolicyView:
    """The tiers that apply to a product, most days first, and where they come from."""

    tiers: tuple[Tier, ...]
    source: Literal["product", "shop", "default"]


def cancellation_policy_for(product: Product) -> PolicyView:
    """The product's own tiers, else its shop's, else the platform default. One query."""
    return cancellation_policies_for(products=[(product.pk, product.shop_id)])[product.pk]


def cancellation_policies_for(*, products: Sequence[tuple[int, int]]) -> dict[int, PolicyView]:
    """`cancellation_policy_for` for many (product id, shop id) pairs in one query."""
    product_ids = {product_id for product_id, _ in products}
    shop_ids = {shop_id for _, shop_id in products}
    by_product: dict[int, list[Tier]] = {}
    by_shop: dict[int, list[Tier]] = {}
    rows = (
        CancellationTier.objects.filter(
            Q(policy__product_id__in=product_ids) | Q(policy__shop_id__in=shop_ids)
        )
        .values_list("policy__product_id", "policy__shop_id", "min_days_before", "refund_percent")
        .order_by("-min_days_before")
    )
    for product_id, shop_id, days, percent in rows:
        if product_id is not None:
            by_product.setdefault(product_id, []).append(Tier(days, percent))
        else:
            by_shop.setdefault(shop_id, []).append(Tier(days, percent))
    views = {}
    for product_id, shop_id in products:
        if product_id in by_product:
            views[product_id] = PolicyView(tiers=tuple(by_product[product_id]), source="product")
        elif shop_id in by_shop:
            views[product_id] = PolicyView(tiers=tuple(by_shop[shop_id]), source="shop")
        else:
            views[product_id] = PolicyView(tiers=DEFAULT_TIERS, source="default")
    return views


def booking_hold_for_key(*, key: str) -> BookingHold | None:
    return BookingHold.objects.filter(key=key).first()
