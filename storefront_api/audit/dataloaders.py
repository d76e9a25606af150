"""Batch loaders of the audit API: a request's households, and requests by id."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from marketplace.audit.models import DataAccessRequest
from marketplace.organisations.models import Household
from storefront_api.core.dataloaders import DataLoader, by_key

_RequestHouseholds = DataAccessRequest.households.through


class HouseholdsByDataRequestLoader(DataLoader[int, list[Household]]):
    def batch_load(self, keys: Sequence[int]) -> list[list[Household]]:
        found: dict[int, list[Household]] = defaultdict(list)
        links = (
            _RequestHouseholds.objects.filter(dataaccessrequest_id__in=keys)
            .select_related("household")
            .order_by("household_id")
        )
        for link in links:
            found[link.dataaccessrequest_id].append(link.household)
        return [found.get(key, []) for key in keys]


class DataRequestByIdLoader(DataLoader[int, DataAccessRequest]):
    def batch_load(self, keys: Sequence[int]) -> list[DataAccessRequest | None]:
        return by_key(keys, DataAccessRequest.objects.filter(pk__in=keys), lambda r: r.pk)
