"""Batch loaders for account relations: one query per level of a GraphQL query."""

from __future__ import annotations

from collections.abc import Sequence

from marketplace.accounts.models import Address, User
from storefront_api.core.dataloaders import DataLoader, by_key, grouped


class AddressByIdLoader(DataLoader[int, Address]):
    def batch_load(self, keys: Sequence[int]) -> list[Address | None]:
        return by_key(keys, Address.objects.filter(pk__in=keys), lambda a: a.pk)


class AddressesByUserIdLoader(DataLoader[int, list[Address]]):
    def batch_load(self, keys: Sequence[int]) -> list[list[Address]]:
        rows = Address.objects.filter(user_id__in=keys).order_by("pk")
        return grouped(keys, rows, lambda a: a.user_id)


class UserByIdLoader(DataLoader[int, User]):
    def batch_load(self, keys: Sequence[int]) -> list[User | None]:
        return by_key(keys, User.objects.filter(pk__in=keys), lambda u: u.pk)
