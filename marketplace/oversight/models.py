"""The precomputed figures behind the bureau dashboards.

Every row is derived: `refresh.figures_refresh` rebuilds whole months from orders, refunds,
shipments and the ledger, so nothing here is ever edited by hand and a re-run gives the same
rows. Months are the first day of the month in the project's time zone (Asia/Shanghai).

Sums over months are exact for amounts and counts. What cannot be summed (distinct buyers,
percentiles of delivery times, households' per-capita income, price spreads) is kept one
level down, per buyer, per delivered parcel, per household and per SKU, so any range of
months is still answered in one query per figure.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q


def _money() -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))


def _first_of_month(field: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__day": 1}), name=f"%(class)s_{field}_first_of_month"
    )


class VillageMonthFigures(models.Model):
    """Sales, orders, refunds, household income and deliveries of one village in one month."""

    village = models.ForeignKey(
        "divisions.Village", on_delete=models.CASCADE, related_name="month_figures"
    )
    month = models.DateField()
    # Line totals (goods value before shop vouchers, shipping excluded) of live orders.
    sales_produce = _money()
    sales_goods = _money()
    sales_homestay = _money()
    sales_experience = _money()
    sales_total = _money()
    shop_orders = models.PositiveIntegerField(default=0)
    refunds_amount = _money()
    refunds = models.PositiveIntegerField(default=0)
    household_income = _money()
    parcels_delivered = models.PositiveIntegerField(default=0)
    # Minutes from handing to the carrier to delivery, one entry per delivered parcel.
    delivery_minutes = ArrayField(models.PositiveIntegerField(), default=list, blank=True)
    delivery_exceptions = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["month", "village_id"]
        verbose_name_plural = "village month figures"
        constraints = [
            models.UniqueConstraint(fields=["village", "month"], name="village_month_once"),
            _first_of_month("month"),
            models.CheckConstraint(
                name="village_month_sales_add_up",
                condition=Q(
                    sales_total=models.F("sales_produce")
                    + models.F("sales_goods")
                    + models.F("sales_homestay")
                    + models.F("sales_experience")
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village_id} {self.month:%Y-%m}"


class VillageMonthBuyer(models.Model):
    """How many shop orders one buyer placed with one village's shops in one month.
    `buyer_key` is the account id, or a hash of the e-mail for guest orders: no address,
    name or e-mail is kept."""

    village = models.ForeignKey("divisions.Village", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    buyer_key = models.CharField(max_length=72)
    shop_orders = models.PositiveIntegerField()

    class Meta:
        ordering = ["month", "village_id", "buyer_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "month", "buyer_key"], name="village_month_buyer_once"
            ),
            _first_of_month("month"),
            models.CheckConstraint(
                condition=Q(shop_orders__gt=0), name="village_month_buyer_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village_id} {self.month:%Y-%m} {self.buyer_key}"


class HouseholdMonthIncome(models.Model):
    """What one household was credited by settlements in one month (ledger)."""

    household = models.ForeignKey(
        "organisations.Household", on_delete=models.CASCADE, related_name="+"
    )
    village = models.ForeignKey("divisions.Village", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    income = _money()
    # Copied so per-capita figures need no join to the personal-data table.
    member_count = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["month", "household_id"]
        constraints = [
            models.UniqueConstraint(fields=["household", "month"], name="household_month_once"),
            _first_of_month("month"),
            models.CheckConstraint(
                condition=Q(member_count__gte=1), name="household_month_has_members"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.month:%Y-%m}"


class SkuMonthPrice(models.Model):
    """The unit prices one shop sold one SKU at in one month (order-line snapshots are the
    platform's price history)."""

    village = models.ForeignKey("divisions.Village", on_delete=models.CASCADE, related_name="+")
    shop = models.ForeignKey("organisations.Shop", on_delete=models.CASCADE, related_name="+")
    product_sku = models.CharField(max_length=64)
    product_name = models.CharField(max_length=386)
    month = models.DateField()
    quantity = models.PositiveIntegerField()
    lowest_unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    highest_unit_price = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["month", "shop_id", "product_sku"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "product_sku", "month"], name="sku_month_price_once"
            ),
            _first_of_month("month"),
            models.CheckConstraint(
                condition=Q(lowest_unit_price__lte=models.F("highest_unit_price")),
                name="sku_month_price_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.product_sku} {self.month:%Y-%m}"


class FiguresRefresh(models.Model):
    """One run of the precompute: which months it rebuilt and up to when it had looked.

    `high_water_mark` is the time the run started reading; the next run rebuilds the months
    of every order, refund, shipment event and journal entry changed since then (less a
    safety margin for transactions still open at that moment)."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    high_water_mark = models.DateTimeField()
    full = models.BooleanField(default=False)
    months = ArrayField(models.DateField(), default=list, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-finished_at", "-pk"]
        get_latest_by = "finished_at"
        constraints = [
            models.CheckConstraint(
                condition=Q(finished_at__gte=models.F("started_at")),
                name="figures_refresh_finishes_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.finished_at:%Y-%m-%d %H:%M} ({len(self.months)} months)"
