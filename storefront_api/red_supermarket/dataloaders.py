"""Batch loaders for the counter's types: one query per level whatever the page size."""

from __future__ import annotations

from collections.abc import Sequence

from marketplace.red_supermarket.models import (
    CounterSaleLine,
    Receipt,
    ReceiptKind,
    RedSupermarket,
    TillShift,
)
from storefront_api.core.dataloaders import DataLoader, by_key, grouped


class SupermarketByIdLoader(DataLoader[int, RedSupermarket]):
    def batch_load(self, keys: Sequence[int]) -> list[RedSupermarket | None]:
        rows = RedSupermarket.objects.filter(pk__in=keys).select_related("shop__village")
        return by_key(keys, rows, lambda s: s.pk)


class LinesBySaleIdLoader(DataLoader[int, list[CounterSaleLine]]):
    def batch_load(self, keys: Sequence[int]) -> list[list[CounterSaleLine]]:
        rows = CounterSaleLine.objects.filter(sale_id__in=keys).order_by("pk")
        return grouped(keys, rows, lambda line: line.sale_id)


class SaleReceiptBySaleIdLoader(DataLoader[int, Receipt]):
    def batch_load(self, keys: Sequence[int]) -> list[Receipt | None]:
        refs = {f"counter-sale:{pk}": pk for pk in keys}
        rows = Receipt.objects.filter(kind=ReceiptKind.COUNTER_SALE, reference__in=list(refs))
        return by_key(keys, rows, lambda r: refs[r.reference])


class OpenShiftBySupermarketIdLoader(DataLoader[int, TillShift]):
    def batch_load(self, keys: Sequence[int]) -> list[TillShift | None]:
        rows = TillShift.objects.filter(supermarket_id__in=keys, status="OPEN")
        return by_key(keys, rows, lambda s: s.supermarket_id)
