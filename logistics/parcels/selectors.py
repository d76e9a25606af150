"""Reads for parcels logged in at a station."""

from __future__ import annotations

from django.db.models import QuerySet

from logistics.parcels.models import ParcelDispatch, StationParcel
from logistics.stations.models import VillageStation


def station_logged_parcels(
    *, station: VillageStation, status: str | None = None
) -> QuerySet[StationParcel]:
    """The station's logged-in parcels, newest first, optionally in one status."""
    parcels = StationParcel.objects.filter(station=station).order_by("-arrived_at", "-pk")
    return parcels if status is None else parcels.filter(status=status)


def station_dispatches(*, station: VillageStation) -> QuerySet[ParcelDispatch]:
    return ParcelDispatch.objects.filter(station=station).order_by("-created_at", "-pk")


def station_parcel_get(*, parcel_id: int) -> StationParcel | None:
    return StationParcel.objects.select_related("station").filter(pk=parcel_id).first()
