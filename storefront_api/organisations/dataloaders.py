"""Batch loaders over the organisations domain: shops, their Party organisations and
households, and the division tree. Every API package that shows a shop loads it here."""

from __future__ import annotations

from collections.abc import Sequence

from marketplace.divisions.models import County, Township, Village
from marketplace.organisations.models import Household, PartyOrganisation, Shop
from storefront_api.core.dataloaders import DataLoader, by_key, get_loader


class ShopByIdLoader(DataLoader[int, Shop]):
    """Shops with their place: a shop is almost always shown with its village (and often
    township and county), so one joined query primes those loaders instead of three more."""

    def batch_load(self, keys: Sequence[int]) -> list[Shop | None]:
        shops = list(Shop.objects.filter(pk__in=keys).select_related("village__township__county"))
        villages = get_loader(self.context, VillageByIdLoader)
        townships = get_loader(self.context, TownshipByIdLoader)
        counties = get_loader(self.context, CountyByIdLoader)
        for shop in shops:
            village = shop.village
            villages.prime(village.pk, village)
            townships.prime(village.township.pk, village.township)
            counties.prime(village.township.county.pk, village.township.county)
        return by_key(keys, shops, lambda s: s.pk)


class VillageByIdLoader(DataLoader[int, Village]):
    def batch_load(self, keys: Sequence[int]) -> list[Village | None]:
        return by_key(keys, Village.objects.filter(pk__in=keys), lambda v: v.pk)


class TownshipByIdLoader(DataLoader[int, Township]):
    def batch_load(self, keys: Sequence[int]) -> list[Township | None]:
        return by_key(keys, Township.objects.filter(pk__in=keys), lambda t: t.pk)


class CountyByIdLoader(DataLoader[int, County]):
    def batch_load(self, keys: Sequence[int]) -> list[County | None]:
        return by_key(keys, County.objects.filter(pk__in=keys), lambda c: c.pk)


class PartyOrganisationByIdLoader(DataLoader[int, PartyOrganisation]):
    def batch_load(self, keys: Sequence[int]) -> list[PartyOrganisation | None]:
        return by_key(keys, PartyOrganisation.objects.filter(pk__in=keys), lambda o: o.pk)


class HouseholdByIdLoader(DataLoader[int, Household]):
    def batch_load(self, keys: Sequence[int]) -> list[Household | None]:
        return by_key(keys, Household.objects.filter(pk__in=keys), lambda h: h.pk)
