"""A village station: one per village, run by a station operator."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class VillageStation(models.Model):
    """The pickup and drop-off point of one village (村级服务站)."""

    village = models.OneToOneField(
        "divisions.Village", on_delete=models.PROTECT, related_name="station"
    )
    name = models.CharField(max_length=128)
    address = models.CharField(max_length=256)
    opening_hours = models.CharField(max_length=128, help_text="e.g. 每天 08:00–20:00")
    # A user holding the STATION_OPERATOR role; services check the role when they set it.
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="operated_stations",
    )
    # Parcels the shelves hold at once.
    capacity = models.PositiveIntegerField()
    # The Red Supermarket app does not exist yet: until it does, the hosting supermarket is
    # kept by name only, and becomes a foreign key when that app arrives.
    red_supermarket_name = models.CharField(max_length=128, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["village__code"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="station_capacity_positive"),
            models.CheckConstraint(condition=~Q(address=""), name="station_has_address"),
        ]

    def __str__(self) -> str:
        return self.name
