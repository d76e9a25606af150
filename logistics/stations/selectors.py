"""Reads for village stations."""

from __future__ import annotations

from django.db.models import QuerySet

from logistics.shipments.models import Shipment, ShipmentStatus
from logistics.stations.models import VillageStation


def station_for_village(*, village_id: int) -> VillageStation | None:
    return VillageStation.objects.filter(village_id=village_id, is_active=True).first()


def station_parcels_waiting(*, station: VillageStation) -> QuerySet[Shipment]:
    """Parcels on the station's shelves, oldest first."""
    return Shipment.objects.filter(station=station, status=ShipmentStatus.AT_STATION).order_by(
        "arrived_at_station_at", "pk"
    )
