"""Reads for shipments: a parcel's tracking as the buyer sees it, a station's shelf."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.db.models import Q, QuerySet

from logistics.shipment_status import ShipmentStatus
from logistics.shipments.models import Shipment, ShipmentEvent
from logistics.stations.models import VillageStation
from logistics.stations.pickup import station_load


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


def shipments_tracking(*, shipment_ids: Sequence[int]) -> dict[int, list[ShipmentEvent]]:
    """`shipment_tracking` for many parcels at once (the API's loader): each parcel's own
    events and those of the consignments it travelled in, oldest first. Two queries,
    whatever the number of parcels."""
    consignments: dict[int, list[int]] = defaultdict(list)
    # Through the reverse relations (batch → consignment, batch → items), so shipments
    # does not import consolidation, which builds on it. values_list reuses the filter's
    # join, so each row pairs a consignment with one of the asked-for parcels only.
    for consignment_id, shipment_id in Shipment.objects.filter(
        consolidation_batch__items__shipment_id__in=shipment_ids
    ).values_list("pk", "consolidation_batch__items__shipment_id"):
        consignments[consignment_id].append(shipment_id)
    tracking: dict[int, list[ShipmentEvent]] = {pk: [] for pk in shipment_ids}
    events = ShipmentEvent.objects.filter(
        Q(shipment_id__in=shipment_ids) | Q(shipment_id__in=list(consignments))
    ).order_by("occurred_at", "pk")
    for event in events:
        if event.shipment_id in tracking:
            tracking[event.shipment_id].append(event)
        for parcel_id in consignments.get(event.shipment_id, ()):
            tracking[parcel_id].append(event)
    return tracking


def station_parcels_waiting(*, station: VillageStation) -> QuerySet[Shipment]:
    """Parcels on the station's shelves, oldest first."""
    return Shipment.objects.filter(station=station, status=ShipmentStatus.AT_STATION).order_by(
        "arrived_at_station_at", "pk"
    )


def station_parcels_expected(*, station: VillageStation) -> int:
    """Parcels waiting on the station's shelves or on their way there (not yet ended),
    counting those logged in at the counter too: the station's rule."""
    return station_load(station=station)


def station_parcels(*, station: VillageStation, status: str | None = None) -> QuerySet[Shipment]:
    """Every parcel sent to the station, newest first, optionally in one status."""
    parcels = Shipment.objects.filter(station=station).order_by("-created_at", "-pk")
    return parcels if status is None else parcels.filter(status=status)
