"""One Red Supermarket per village shop, selling from its own warehouse."""

from __future__ import annotations

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
