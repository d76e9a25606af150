"""Batch loaders over the logistics domain for zones, rates and stations: one query per
level of a GraphQL query, whatever the number of zones or stations on the page."""

from __future__ import annotations

from collections.abc import Sequence

from logistics.consolidation.models import ConsolidationItem
from logistics.models import DeliveryRate, ShippingZonePrefix
from logistics.shipments.models import Shipment
from logistics.stations.models import VillageStation
from storefront_api.core.dataloaders import DataLoader, by_key, grouped


class PrefixesByZoneIdLoader(DataLoader[int, list[str]]):
    def batch_load(self, keys: Sequence[int]) -> list[list[str]]:
        rows = ShippingZonePrefix.objects.filter(zone_id__in=keys).order_by("prefix")
        return [[row.prefix for row in group] for group in grouped(keys, rows, lambda p: p.zone_id)]


class RatesByZoneIdLoader(DataLoader[int, list[DeliveryRate]]):
    def batch_load(self, keys: Sequence[int]) -> list[list[DeliveryRate]]:
        # The method comes along: every rate is shown with the method it prices.
        rows = (
            DeliveryRate.objects.filter(zone_id__in=keys)
            .select_related("method")
            .order_by("method_id", "pk")
        )
        return grouped(keys, rows, lambda r: r.zone_id)


class StationByIdLoader(DataLoader[int, VillageStation]):
    def batch_load(self, keys: Sequence[int]) -> list[VillageStation | None]:
        return by_key(keys, VillageStation.objects.filter(pk__in=keys), lambda s: s.pk)


class ShipmentByIdLoader(DataLoader[int, Shipment]):
    def batch_load(self, keys: Sequence[int]) -> list[Shipment | None]:
        return by_key(keys, Shipment.objects.filter(pk__in=keys), lambda s: s.pk)


class ParcelsByBatchIdLoader(DataLoader[int, list[Shipment]]):
    def batch_load(self, keys: Sequence[int]) -> list[list[Shipment]]:
        items = (
            ConsolidationItem.objects.filter(batch_id__in=keys)
            .select_related("shipment")
            .order_by("scanned_at", "pk")
        )
        return [
            [item.shipment for item in group]
            for group in grouped(keys, items, lambda i: i.batch_id)
        ]
