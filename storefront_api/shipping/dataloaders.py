"""Batch loaders for delivery methods (an order's shop orders name theirs by ID)."""

from __future__ import annotations

from collections.abc import Sequence

from logistics.models import DeliveryMethod
from storefront_api.core.dataloaders import DataLoader, by_key


class DeliveryMethodByIdLoader(DataLoader[int, DeliveryMethod]):
    def batch_load(self, keys: Sequence[int]) -> list[DeliveryMethod | None]:
        return by_key(keys, DeliveryMethod.objects.filter(pk__in=keys), lambda m: m.pk)
