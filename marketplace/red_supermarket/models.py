"""One Red Supermarket per village shop, selling from its own warehouse."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class RedSupermarket(models.Model):
    """The village's store and service station.

    Its operators are the users holding SUPERMARKET_OPERATOR for its shop; its village is
    its shop's. Counter stock lives in `warehouse` under the same reservation and allocation
    rules as online orders, so the counter and the web shop can never sell the same unit.
    """

    shop = models.OneToOneField(
        "organisations.Shop", on_delete=models.PROTECT, related_name="red_supermarket"
    )
    warehouse = models.OneToOneField(
        "inventory.Warehouse", on_delete=models.PROTECT, related_name="red_supermarket"
    )
    # The village station it hosts, where parcels are logged in and handed over.
    station = models.OneToOneField(
        "logistics.VillageStation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="red_supermarket",
    )
    name = models.CharField(max_length=128)
    address = models.CharField(max_length=256)
    opening_hours = models.CharField(max_length=128, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shop__village__code", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="red_supermarket_has_name"),
            models.CheckConstraint(condition=~Q(address=""), name="red_supermarket_has_address"),
        ]

    def __str__(self) -> str:
        return self.name


class ReceiptKind(models.TextChoices):
    COUNTER_SALE = "COUNTER_SALE", "Counter sale"
    AGENCY_ORDER = "AGENCY_ORDER", "Agency service (代办)"
    AGENCY_REFUND = "AGENCY_REFUND", "Agency refund"
    CASH_WITHDRAWAL = "CASH_WITHDRAWAL", "Cash withdrawal (助农取款)"
    PAYOUT = "PAYOUT", "Cash payout"
    TILL_CLOSE = "TILL_CLOSE", "Till shift closed"


class ReceiptCounter(models.Model):
    """The last receipt number used at one supermarket on one day. Numbers are issued under
    this row's lock, so they run without gaps or repeats however many tills print at once."""

    supermarket = models.ForeignKey(RedSupermarket, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["supermarket", "day"], name="receipt_counter_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.supermarket_id} {self.day}: {self.last_number}"


class Receipt(models.Model):
    """A receipt (回执) as printed: written once, reprinted from these columns, never
    recomputed from the sale, so a reprint shows what the villager was handed.

    `reference` names the business object behind it (e.g. "counter-sale:42"); it is UNIQUE
    per kind, so a retried submit gets the receipt already issued instead of a second one.
    """

    supermarket = models.ForeignKey(
        RedSupermarket, on_delete=models.PROTECT, related_name="receipts"
    )
    number = models.CharField(max_length=32, unique=True)
    kind = models.CharField(max_length=24, choices=ReceiptKind.choices)
    reference = models.CharField(max_length=64)
    # [{"name": ..., "quantity": ..., "unit_price": "12.50", "amount": "25.00"}, ...]
    lines = models.JSONField(default=list)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="CNY")
    payment_method = models.CharField(max_length=32)
    # e.g. {"received": "50.00", "change": "3.50"} or {"alipay_trade_no": ...}
    payment_details = models.JSONField(default=dict, blank=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField()
    reprint_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "reference"], name="receipt_once_per_object"),
            models.CheckConstraint(condition=Q(currency="CNY"), name="receipt_currency_cny"),
            models.CheckConstraint(condition=~Q(reference=""), name="receipt_has_reference"),
        ]

    def __str__(self) -> str:
        return self.number
