"""Batch loaders for agency types: one query per level, whatever the page size."""

from __future__ import annotations

from collections.abc import Sequence

from marketplace.agency.models import AgencyProvider, ServiceItem
from marketplace.red_supermarket.models import Receipt
from storefront_api.core.dataloaders import DataLoader, by_key


class ServiceItemByIdLoader(DataLoader[int, ServiceItem]):
    def batch_load(self, keys: Sequence[int]) -> list[ServiceItem | None]:
        return by_key(keys, ServiceItem.objects.filter(pk__in=keys), lambda item: item.pk)


class ProviderByIdLoader(DataLoader[int, AgencyProvider]):
    def batch_load(self, keys: Sequence[int]) -> list[AgencyProvider | None]:
        return by_key(keys, AgencyProvider.objects.filter(pk__in=keys), lambda p: p.pk)


class ReceiptNumberByReferenceLoader(DataLoader[str, str]):
    """The number of the receipt handed over for a business reference (order, withdrawal)."""

    def batch_load(self, keys: Sequence[str]) -> list[str | None]:
        found = dict(
            Receipt.objects.filter(
                reference__in=keys, kind__in=["AGENCY_ORDER", "CASH_WITHDRAWAL"]
            ).values_list("reference", "number")
        )
        return [found.get(key) for key in keys]
