"""Delivery methods a shop offers its buyers.

For now each shop has flat-rate express shipping and pickup at its village station. The
logistics roadmap step replaces the flat price with zones by administrative division and
first-weight/extra-weight rates: those arrive as new rate tables that a `DeliveryMethod`
points to, and `DeliveryMethod.price_for(...)` (today: the flat `price_amount`) becomes the
one place a price is worked out. Checkout and orders only ever ask a method for its price
and snapshot it, so they do not change when rates do.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q


class DeliveryMethodKind(models.TextChoices):
    EXPRESS_FLAT = "EXPRESS_FLAT", "Express shipping (flat rate)"
    VILLAGE_PICKUP = "VILLAGE_PICKUP", "Pickup at the village station"


class DeliveryMethod(models.Model):
    """One way a shop hands its goods over. Shown to buyers as Saleor's `ShippingMethod`."""

    shop = models.ForeignKey(
        "organisations.Shop", on_delete=models.CASCADE, related_name="delivery_methods"
    )
    kind = models.CharField(max_length=16, choices=DeliveryMethodKind.choices)
    name = models.CharField(max_length=128)
    price_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    # The station a VILLAGE_PICKUP method hands over at; express has none.
    pickup_warehouse = models.ForeignKey(
        "inventory.Warehouse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pickup_methods",
    )
    minimum_delivery_days = models.PositiveSmallIntegerField(null=True, blank=True)
    maximum_delivery_days = models.PositiveSmallIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shop_id", "kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price_amount__gte=0), name="delivery_method_price_non_negative"
            ),
            models.CheckConstraint(
                name="delivery_pickup_is_free_at_a_station",
                # Pickup costs nothing and names its station; express names none.
                condition=Q(kind="VILLAGE_PICKUP", price_amount=0, pickup_warehouse__isnull=False)
                | Q(kind="EXPRESS_FLAT", pickup_warehouse__isnull=True),
            ),
            models.CheckConstraint(
                name="delivery_days_ordered",
                condition=Q(minimum_delivery_days__isnull=True)
                | Q(maximum_delivery_days__isnull=True)
                | Q(minimum_delivery_days__lte=F("maximum_delivery_days")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop_id}: {self.name}"

    @property
    def is_pickup(self) -> bool:
        return self.kind == DeliveryMethodKind.VILLAGE_PICKUP

    def price_for(self) -> Decimal:
        """The shipping price for one shop's part of a checkout (flat until rates arrive)."""
        return self.price_amount


from logistics import tracking_models  # noqa: E402, F401  (stations, shipments, batches)
