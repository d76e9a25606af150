"""Batch loaders for shop vouchers (an order's shop orders name theirs by ID)."""

from __future__ import annotations

from collections.abc import Sequence

from marketplace.checkout.models import Voucher
from storefront_api.core.dataloaders import DataLoader, by_key


class VoucherByIdLoader(DataLoader[int, Voucher]):
    def batch_load(self, keys: Sequence[int]) -> list[Voucher | None]:
        return by_key(keys, Voucher.objects.filter(pk__in=keys), lambda v: v.pk)
