"""Shipments and their events.

A parcel (`kind=PARCEL`) carries one shop order's goods; a consignment (`kind=CONSIGNMENT`)
is the one waybill a consolidation batch travels under to the county hub. Both are tracked
the same way, so one callback serves both.

Status only moves forward: `STATUS_RANK` orders the statuses, services refuse a lower or
equal rank, and a database trigger (migration 0100) refuses it for any UPDATE, so a raw
`update()` cannot slip past either.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from logistics.shipment_status import STATUS_RANK, ShipmentStatus


class ShipmentKind(models.TextChoices):
    PARCEL = "PARCEL", "Parcel of a shop order"
    CONSIGNMENT = "CONSIGNMENT", "Consolidated consignment to the county hub"


class Shipment(models.Model):
    """One waybill. Shown to buyers as Saleor's `Fulfillment` (`trackingNumber`)."""

    kind = models.CharField(max_length=12, choices=ShipmentKind.choices)
    shop_order = models.ForeignKey(
        "orders.ShopOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shipments",
    )
    # Carrier code as Kuaidi100 spells it (lower case, e.g. "zhongtong").
    carrier = models.CharField(max_length=32)
    tracking_number = models.CharField(max_length=32)
    status = models.CharField(
        max_length=20, choices=ShipmentStatus.choices, default=ShipmentStatus.CREATED
    )
    # Set for parcels the buyer collects at a village station.
    station = models.ForeignKey(
        "logistics.VillageStation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shipments",
    )
    pickup_code_hash = models.CharField(max_length=64, blank=True)
    pickup_failed_attempts = models.PositiveSmallIntegerField(default=0)
    pickup_locked = models.BooleanField(default=False)
    arrived_at_station_at = models.DateTimeField(null=True, blank=True)
    pickup_reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    subscribed_at = models.DateTimeField(null=True, blank=True)
    # Notifications already sent (status names), so a retried task never mails twice.
    notified = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "arrived_at_station_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "tracking_number"], name="shipment_waybill_unique"
            ),
            models.CheckConstraint(
                name="shipment_kind_matches_order",
                condition=Q(kind="PARCEL", shop_order__isnull=False)
                | Q(kind="CONSIGNMENT", shop_order__isnull=True, station__isnull=True),
            ),
            models.CheckConstraint(
                name="shipment_tracking_number_present", condition=~Q(tracking_number="")
            ),
            models.CheckConstraint(
                name="shipment_pickup_code_only_at_a_station",
                condition=Q(pickup_code_hash="") | Q(station__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carrier}:{self.tracking_number}"

    @property
    def rank(self) -> int:
        return STATUS_RANK[self.status]


class ShipmentEventSource(models.TextChoices):
    CARRIER = "CARRIER", "Carrier"
    STATION = "STATION", "Village station"
    SYSTEM = "SYSTEM", "Ruralmart"


class ShipmentEvent(models.Model):
    """One line of a waybill's history. `key` makes a repeated push add nothing: the
    carrier's events carry no id, so it is derived from the event's time and text."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    key = models.CharField(max_length=64)
    occurred_at = models.DateTimeField()
    source = models.CharField(max_length=8, choices=ShipmentEventSource.choices)
    # The status this event stands for, when it maps to one (a "problem" note does not).
    status = models.CharField(max_length=20, choices=ShipmentStatus.choices, blank=True)
    carrier_state = models.CharField(max_length=8, blank=True)
    description = models.CharField(max_length=512)
    location = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "key"], name="shipment_event_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.occurred_at:%Y-%m-%d %H:%M} {self.description}"
