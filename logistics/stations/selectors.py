"""Reads for village stations."""

from __future__ import annotations

from logistics.stations.models import VillageStation


def station_for_village(*, village_id: int) -> VillageStation | None:
    return VillageStation.objects.filter(village_id=village_id, is_active=True).first()
