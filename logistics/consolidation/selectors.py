"""Reads for consolidation."""

from __future__ import annotations

from django.db.models import QuerySet

from logistics.consolidation.models import BatchStatus, ConsolidationBatch
from logistics.stations.models import VillageStation


def station_open_batches(*, station: VillageStation) -> QuerySet[ConsolidationBatch]:
    return ConsolidationBatch.objects.filter(station=station, status=BatchStatus.OPEN)
