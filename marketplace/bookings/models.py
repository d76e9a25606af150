"""Tourism capacity: the per-day calendar of a homestay or experience, the holds placed on it
by checkouts, and the cancellation policies that decide refunds.

Units. A homestay's calendar counts rooms per night; an experience's counts seats per date.
Every counter rule that one row can state is a CHECK here, so no code path (including a bulk
`update()`) can oversell: `held + allocated <= capacity` holds for every committed row.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q


def booking_all_or_none(*, name: str) -> models.CheckConstraint:
    """The CHECK of a row that may carry a booking (`booking_start_date`, `booking_end_date`,
    `booking_guests`), such as a checkout line or an order line: all three or none, with the
    end after the start and at least one guest. NULL is spelled out because a CHECK passes
    on NULL."""
    return models.CheckConstraint(
        name=name,
        condition=Q(
            booking_start_date__isnull=True,
            booking_end_date__isnull=True,
            booking_guests__isnull=True,
        )
        | Q(
            booking_start_date__isnull=False,
            booking_end_date__isnull=False,
            booking_guests__isnull=False,
            booking_end_date__gt=F("booking_start_date"),
            booking_guests__gte=1,
        ),
    )


class DayCapacity(models.Model):
    """One bookable day of one tourism product, created on demand the first time it is held.

    `capacity` is copied from the product (rooms or seats per date) when the row is made and
    is then the day's own figure: a shop may close or shrink one date without touching the
    product (`booking_capacity_set`). `held` counts units reserved by open checkouts,
    `allocated` units sold.
    """

    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="booking_days"
    )
    date = models.DateField()
    capacity = models.PositiveIntegerField()
    held = models.IntegerField(default=0)
    allocated = models.IntegerField(default=0)

    class Meta:
        ordering = ["product_id", "date"]
        constraints = [
            models.UniqueConstraint(fields=["product", "date"], name="booking_day_unique"),
            models.CheckConstraint(condition=Q(held__gte=0), name="booking_day_held_non_negative"),
            models.CheckConstraint(
                condition=Q(allocated__gte=0), name="booking_day_allocated_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(held__lte=F("capacity") - F("allocated")),
                name="booking_day_within_capacity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.date}: {self.held}+{self.allocated}/{self.capacity}"

    @property
    def free(self) -> int:
        return self.capacity - self.held - self.allocated


class HoldStatus(models.TextChoices):
    HELD = "HELD", "Held by a checkout"
    ALLOCATED = "ALLOCATED", "Sold"
    # Given back by the checkout (line removed, checkout abandoned).
    RELEASED = "RELEASED", "Released"
    # Given back by the expiry sweep; kept apart from RELEASED so `booking_allocate` can say
    # which happened.
    EXPIRED = "EXPIRED", "Expired"
    CANCELLED = "CANCELLED", "Cancelled after sale"


class BookingHold(models.Model):
    """A booking's claim on the calendar: `units` on every day in [start_date, end_date).

    `key` is the caller's own idempotency key (e.g. "checkout-line:42"); the bookings domain
    never looks inside it, so it depends on no checkout or order model.
    """

    key = models.CharField(max_length=128, unique=True)
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="booking_holds"
    )
    variant = models.ForeignKey(
        "catalog.ProductVariant", on_delete=models.PROTECT, related_name="booking_holds"
    )
    start_date = models.DateField()
    # Exclusive: the morning a homestay guest leaves; start + 1 day for an experience.
    end_date = models.DateField()
    guests = models.PositiveIntegerField()
    units = models.PositiveIntegerField(help_text="Rooms per night or seats, on each day.")
    status = models.CharField(max_length=10, choices=HoldStatus.choices, default=HoldStatus.HELD)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    allocated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was released, expired or cancelled."
    )
    # Fixed at cancellation so a repeated cancel answers the same refund.
    refund_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    cancelled_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            # The expiry sweep's scan.
            models.Index(
                fields=["expires_at"], name="booking_hold_open_expiry", condition=Q(status="HELD")
            ),
            models.Index(fields=["product", "start_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")), name="booking_hold_dates_ordered"
            ),
            models.CheckConstraint(condition=Q(guests__gte=1), name="booking_hold_has_guests"),
            models.CheckConstraint(condition=Q(units__gte=1), name="booking_hold_has_units"),
            models.CheckConstraint(
                condition=Q(status__in=HoldStatus.values), name="booking_hold_status_valid"
            ),
            models.CheckConstraint(
                # A refund is fixed exactly when the booking is cancelled.
                condition=(
                    Q(
                        status="CANCELLED",
                        refund_percent__isnull=False,
                        refund_percent__lte=100,
                        cancelled_on__isnull=False,
                    )
                    | (
                        ~Q(status="CANCELLED")
                        & Q(refund_percent__isnull=True, cancelled_on__isnull=True)
                    )
                ),
                name="booking_hold_refund_iff_cancelled",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["ALLOCATED", "CANCELLED"]) | Q(allocated_at__isnull=False),
                name="booking_hold_sold_has_allocated_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.units}×{self.product_id} {self.start_date}→{self.end_date}"

    @property
    def nights(self) -> int:
        return (self.end_date - self.start_date).days


class CancellationPolicy(models.Model):
    """Refund tiers for a shop's tourism offers, or for one product (which then overrides its
    shop's). With neither, `policies.DEFAULT_TIERS` applies."""

    shop = models.ForeignKey(
        "organisations.Shop",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cancellation_policies",
    )
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cancellation_policies",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "cancellation policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(shop__isnull=False, product__isnull=True)
                | Q(shop__isnull=True, product__isnull=False),
                name="cancellation_policy_shop_xor_product",
            ),
            models.UniqueConstraint(
                fields=["shop"], condition=Q(product__isnull=True), name="one_policy_per_shop"
            ),
            models.UniqueConstraint(
                fields=["product"], condition=Q(shop__isnull=True), name="one_policy_per_product"
            ),
        ]

    def __str__(self) -> str:
        owner = f"product {self.product_id}" if self.product_id else f"shop {self.shop_id}"
        return f"Cancellation policy of {owner}"


class CancellationTier(models.Model):
    """Cancelling at least `min_days_before` days before the start refunds `refund_percent`."""

    policy = models.ForeignKey(CancellationPolicy, on_delete=models.CASCADE, related_name="tiers")
    min_days_before = models.PositiveIntegerField()
    refund_percent = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["policy_id", "-min_days_before"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "min_days_before"], name="cancellation_tier_days_unique"
            ),
            models.CheckConstraint(
                condition=Q(refund_percent__gte=0, refund_percent__lte=100),
                name="cancellation_tier_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"≥{self.min_days_before} days: {self.refund_percent}%"
