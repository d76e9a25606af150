"""Reads for shipments: a parcel's tracking as the buyer sees it."""

from __future__ import annotations

from django.db.models import Q

from logistics.shipments.models import Shipment, ShipmentEvent


def shipment_tracking(*, shipment: Shipment) -> list[ShipmentEvent]:
    """The parcel's events and, for the time it travelled inside a consolidated
    consignment, the consignment's events: oldest first, in one query."""
    consignment_ids = list(
        shipment.consolidation_items.filter(batch__consignment__isnull=False).values_list(
            "batch__consignment_id", flat=True
        )
    )
    return list(
        ShipmentEvent.objects.filter(
            Q(shipment=shipment) | Q(shipment_id__in=consignment_ids)
        ).order_by("occurred_at", "pk")
    )


def shipment_by_waybill(*, carrier: str, tracking_number: str) -> Shipment | None:
    return Shipment.objects.filter(carrier=carrier, tracking_number=tracking_number).first()
