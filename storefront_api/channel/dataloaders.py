"""Batch loader for channels (checkouts and orders name theirs by ID)."""

from __future__ import annotations

from collections.abc import Sequence

from marketplace.channels.models import Channel
from storefront_api.core.dataloaders import DataLoader, by_key


class ChannelByIdLoader(DataLoader[int, Channel]):
    def batch_load(self, keys: Sequence[int]) -> list[Channel | None]:
        return by_key(keys, Channel.objects.filter(pk__in=keys), lambda c: c.pk)
