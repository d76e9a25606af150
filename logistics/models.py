"""Delivery methods a shop offers its buyers, and what they charge where.

Each shop has express shipping and pickup at its village station. Express is priced the way
Chinese carriers price: a shop groups destinations into `ShippingZone`s by administrative
division-code prefix (2 digits province … 12 digits village; the longest matching prefix
wins), and each express method has a `DeliveryRate` per zone: a first weight (首重) at a
price, then a price per started extra step (续重). A method with no rates at all keeps its
flat `price_amount`. The arithmetic lives in `logistics.pricing`, the bulk reads in
`logistics.selectors`; checkout asks `delivery_quotes` and snapshots what it says.
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
    # Volumetric weight (kg) = length × width × height (cm³) / divisor. Carriers use 6000
    # (most express) or 8000 (some economy and cold-chain lines).
    volumetric_divisor = models.PositiveIntegerField(default=6000)
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
                condition=Q(volumetric_divisor__in=(6000, 8000)),
                name="delivery_volumetric_divisor_6000_or_8000",
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
        """The flat price: what a method without zone rates charges, and what the method
        list shows before a cart and destination are known. Checkout prices go through
        `logistics.selectors.delivery_quotes`."""
        return self.price_amount


# A division-code prefix: province (2), city (4), county (6), township (9) or village (12).
DIVISION_PREFIX_REGEX = r"^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})$"


class ShippingZone(models.Model):
    """A shop's named group of destinations (e.g. 省内, 江浙沪, 偏远地区), shown to buyers as
    Saleor's `ShippingZone`. A remote-area surcharge is added to every rate of the zone."""

    shop = models.ForeignKey(
        "organisations.Shop", on_delete=models.CASCADE, related_name="shipping_zones"
    )
    name = models.CharField(max_length=128)
    remote_surcharge_amount = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00")
    )

    class Meta:
        ordering = ["shop_id", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "name"], name="shipping_zone_name_per_shop"),
            models.CheckConstraint(
                condition=Q(remote_surcharge_amount__gte=0),
                name="shipping_zone_surcharge_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop_id}: {self.name}"


class ShippingZonePrefix(models.Model):
    """One division-code prefix of a zone. `shop` repeats the zone's shop so the database
    can hold the rule that makes "longest prefix wins" unambiguous: within one shop a prefix
    belongs to one zone only. The service and the admin form keep `shop` equal to the
    zone's."""

    zone = models.ForeignKey(ShippingZone, on_delete=models.CASCADE, related_name="prefixes")
    shop = models.ForeignKey("organisations.Shop", on_delete=models.CASCADE, related_name="+")
    prefix = models.CharField(max_length=12)

    class Meta:
        ordering = ["zone_id", "prefix"]
        constraints = [
            models.CheckConstraint(
                condition=Q(prefix__regex=DIVISION_PREFIX_REGEX),
                name="shipping_zone_prefix_division_length",
            ),
            models.UniqueConstraint(
                fields=["shop", "prefix"], name="shipping_zone_prefix_per_shop"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.zone_id}: {self.prefix}"


class DeliveryRate(models.Model):
    """What an express method charges into one zone, or that it does not go there.

    price = first_price for the first `first_weight_grams`, plus `step_price` per started
    `step_grams` beyond it, plus the zone's remote surcharge. `serves=False` rows say the
    method does not deliver to the zone at all (cold-chain fruit outside its provinces)."""

    method = models.ForeignKey(DeliveryMethod, on_delete=models.CASCADE, related_name="rates")
    zone = models.ForeignKey(ShippingZone, on_delete=models.CASCADE, related_name="rates")
    serves = models.BooleanField(default=True)
    first_weight_grams = models.PositiveIntegerField(default=1000)
    first_price_amount = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    step_grams = models.PositiveIntegerField(default=1000)
    step_price_amount = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00")
    )

    class Meta:
        ordering = ["method_id", "zone_id"]
        constraints = [
            models.UniqueConstraint(fields=["method", "zone"], name="delivery_rate_per_zone"),
            models.CheckConstraint(
                condition=Q(first_weight_grams__gt=0, step_grams__gt=0),
                name="delivery_rate_weights_positive",
            ),
            models.CheckConstraint(
                condition=Q(first_price_amount__gte=0, step_price_amount__gte=0),
                name="delivery_rate_prices_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method_id} → {self.zone_id}"


class ShopShippingPolicy(models.Model):
    """Per-shop delivery terms that span its methods: free delivery once the shop's
    subtotal in a checkout reaches `free_above_amount` (包邮门槛; NULL = never free)."""

    shop = models.OneToOneField(
        "organisations.Shop", on_delete=models.CASCADE, related_name="shipping_policy"
    )
    free_above_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name_plural = "shop shipping policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(free_above_amount__isnull=True) | Q(free_above_amount__gte=0),
                name="shipping_policy_free_above_non_negative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.shop_id}: free above {self.free_above_amount}"


from logistics import tracking_models  # noqa: E402, F401  (stations, shipments, batches)
