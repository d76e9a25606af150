"""Reads for village stations."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet

from logistics.stations.models import VillageStation


def station_for_village(*, village_id: int) -> VillageStation | None:
    return VillageStation.objects.filter(village_id=village_id, is_active=True).first()


def active_stations(
    *, village_ids: Sequence[int] | None = None, township_ids: Sequence[int] | None = None
) -> QuerySet[VillageStation]:
    """Open stations, by village code, optionally only in these villages or townships."""
    stations = VillageStation.objects.filter(is_active=True).order_by("village__code", "pk")
    if village_ids is not None:
        stations = stations.filter(village_id__in=village_ids)
    if township_ids is not None:
        stations = stations.filter(village__township_id__in=township_ids)
    return stations


def station_get(*, station_id: int) -> VillageStation | None:
    return VillageStation.objects.filter(pk=station_id).first()
