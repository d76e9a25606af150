"""Reads for shipments: a parcel's tracking as the buyer sees it, a station's shelf."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from logistics.shipment_status import ShipmentStatus
from logistics.shipments.models import Shipment, ShipmentEvent
from logistics.stations.models import VillageStation


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


def station_parcels_waiting(*, station: VillageStation) -> QuerySet[Shipment]:
    """Parcels on the station's shelves, oldest first."""
    return Shipment.objects.filter(station=station, status=ShipmentStatus.AT_STATION).order_by(
        "arrived_at_station_at", "pk"
    )
