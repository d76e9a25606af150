"""A parcel logged in at a station (`StationParcel`) and a parcel sent out from one
(`ParcelDispatch`).

A waybill is unique per carrier while its parcel is on the shelf (a partial unique index):
the same carrier may reuse a number years later, and a returned parcel may come back. A
dispatch is unique by its request id (the counter's retried submit) and by its waybill.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from logistics.shipment_status import ShipmentStatus

MOBILE_REGEX = r"^1[3-9][0-9]{9}$"
WAYBILL_REGEX = r"^[A-Z0-9]{8,24}$"


class StationParcelStatus(models.TextChoices):
    # The same names as a shipment's, so both kinds read alike at the counter.
    AT_STATION = ShipmentStatus.AT_STATION.value, "Waiting at the station"
    COLLECTED_BY_BUYER = ShipmentStatus.COLLECTED_BY_BUYER.value, "Collected"
    RETURNED = ShipmentStatus.RETURNED.value, "Returned to the carrier"


class StationParcel(models.Model):
    station = models.ForeignKey(
        "logistics.VillageStation", on_delete=models.PROTECT, related_name="logged_parcels"
    )
    # Kuaidi100's carrier code, e.g. "zhongtong".
    carrier = models.CharField(max_length=32)
    waybill = models.CharField(max_length=24)
    recipient_phone = models.CharField(max_length=11)
    recipient_name = models.CharField(max_length=64, blank=True)
    shelf_slot = models.CharField(max_length=16, blank=True)
    status = models.CharField(
        max_length=20, choices=StationParcelStatus.choices, default=StationParcelStatus.AT_STATION
    )
    pickup_code_hash = models.CharField(max_length=64)
    pickup_failed_attempts = models.PositiveSmallIntegerField(default=0)
    pickup_locked = models.BooleanField(default=False)
    arrived_at = models.DateTimeField()
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    logged_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    handed_over_at = models.DateTimeField(null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-arrived_at", "-pk"]
        indexes = [
            models.Index(fields=["station", "status", "arrived_at"]),
            models.Index(fields=["status", "arrived_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "waybill"],
                condition=Q(status="AT_STATION"),
                name="station_parcel_waybill_unique_on_shelf",
            ),
            models.CheckConstraint(
                name="station_parcel_phone_is_mainland_mobile",
                condition=Q(recipient_phone__regex=MOBILE_REGEX),
            ),
            models.CheckConstraint(
                name="station_parcel_waybill_format", condition=Q(waybill__regex=WAYBILL_REGEX)
            ),
            models.CheckConstraint(
                name="station_parcel_has_code", condition=~Q(pickup_code_hash="")
            ),
            models.CheckConstraint(
                name="station_parcel_collected_has_time",
                condition=~Q(status="COLLECTED_BY_BUYER") | Q(handed_over_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carrier}:{self.waybill}"

    @property
    def code_subject(self) -> str:
        """What its pickup code is keyed to (see `pickup.pickup_hash`)."""
        return f"parcel-{self.pk}"


class ParcelDispatch(models.Model):
    """A villager sends a parcel from the station: the carrier's waybill, weight and fee."""

    station = models.ForeignKey(
        "logistics.VillageStation", on_delete=models.PROTECT, related_name="dispatches"
    )
    request_id = models.UUIDField(unique=True)
    carrier = models.CharField(max_length=32)
    waybill = models.CharField(max_length=24)
    sender_phone = models.CharField(max_length=11)
    weight_grams = models.PositiveIntegerField()
    # Where it goes, as the sender said it (the carrier's waybill has the full address);
    # optional because a parcel booked with the carrier online arrives with its waybill.
    destination = models.CharField(max_length=128, blank=True, default="")
    fee_amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="CNY")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "waybill"], name="parcel_dispatch_waybill_unique"
            ),
            models.CheckConstraint(
                name="parcel_dispatch_weight_range",
                condition=Q(weight_grams__gte=1, weight_grams__lte=70_000),
            ),
            models.CheckConstraint(
                name="parcel_dispatch_fee_not_negative", condition=Q(fee_amount__gte=0)
            ),
            models.CheckConstraint(
                name="parcel_dispatch_phone_is_mainland_mobile",
                condition=Q(sender_phone__regex=MOBILE_REGEX),
            ),
            models.CheckConstraint(
                name="parcel_dispatch_waybill_format", condition=Q(waybill__regex=WAYBILL_REGEX)
            ),
            models.CheckConstraint(name="parcel_dispatch_cny", condition=Q(currency="CNY")),
        ]

    def __str__(self) -> str:
        return f"{self.carrier}:{self.waybill} out"
