"""Consolidation batches and the parcels scanned into them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class BatchStatus(models.TextChoices):
    OPEN = "OPEN", "Open"
    CLOSED = "CLOSED", "Closed"


class ConsolidationBatch(models.Model):
    station = models.ForeignKey(
        "logistics.VillageStation", on_delete=models.PROTECT, related_name="batches"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=8, choices=BatchStatus.choices, default=BatchStatus.OPEN)
    total_weight_grams = models.PositiveIntegerField(null=True, blank=True)
    # The consignment's own waybill, written when the batch closes.
    consignment = models.OneToOneField(
        "logistics.Shipment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consolidation_batch",
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "pk"]
        constraints = [
            models.CheckConstraint(
                name="batch_closed_has_consignment_and_weight",
                condition=Q(
                    status="OPEN",
                    consignment__isnull=True,
                    closed_at__isnull=True,
                    total_weight_grams__isnull=True,
                )
                | Q(
                    status="CLOSED",
                    consignment__isnull=False,
                    closed_at__isnull=False,
                    total_weight_grams__gte=1,
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"batch {self.pk} at {self.station_id} ({self.status})"


class ConsolidationItem(models.Model):
    """A parcel scanned into a batch. `batch_is_open` copies the batch's state (the closing
    service clears it) because a partial unique index cannot look across a join: it is what
    keeps a parcel in one open batch only."""

    batch = models.ForeignKey(ConsolidationBatch, on_delete=models.CASCADE, related_name="items")
    shipment = models.ForeignKey(
        "logistics.Shipment", on_delete=models.PROTECT, related_name="consolidation_items"
    )
    batch_is_open = models.BooleanField(default=True)
    scanned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["batch_id", "scanned_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "shipment"], name="batch_item_once"),
            models.UniqueConstraint(
                fields=["shipment"],
                condition=Q(batch_is_open=True),
                name="parcel_in_one_open_batch",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id} in {self.batch_id}"
