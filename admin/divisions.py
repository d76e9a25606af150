"""Provinces, cities, counties, townships and villages: reference data platform admins keep.

Managers and officers may read them (they are public names on the storefront anyway).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin import RelatedOnlyFieldListFilter

from admin.scoping import Scope, ScopedModelAdmin
from marketplace.divisions.models import City, County, Province, Township, Village

DIVISIONS = Scope(reference=True)


@admin.register(Province)
class ProvinceAdmin(ScopedModelAdmin):
    scope = DIVISIONS
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(City)
class CityAdmin(ScopedModelAdmin):
    scope = DIVISIONS
    list_display = ("code", "name", "province")
    list_filter = (("province", RelatedOnlyFieldListFilter),)
    search_fields = ("code", "name")
    list_select_related = ("province",)


@admin.register(County)
class CountyAdmin(ScopedModelAdmin):
    scope = DIVISIONS
    list_display = ("code", "name", "province", "prefecture", "slug")
    list_filter = ("province", "prefecture")
    search_fields = ("code", "name", "slug")


@admin.register(Township)
class TownshipAdmin(ScopedModelAdmin):
    scope = DIVISIONS
    list_display = ("code", "name", "county", "slug")
    list_filter = (("county", RelatedOnlyFieldListFilter),)
    search_fields = ("code", "name", "slug", "county__name")
    list_select_related = ("county",)
    autocomplete_fields = ("county",)


@admin.register(Village)
class VillageAdmin(ScopedModelAdmin):
    scope = DIVISIONS
    list_display = ("code", "name", "township", "county", "slug")
    list_filter = (("township", RelatedOnlyFieldListFilter),)
    search_fields = ("code", "name", "slug", "township__name")
    list_select_related = ("township__county",)
    autocomplete_fields = ("township",)

    @admin.display(description="County", ordering="township__county__code")
    def county(self, obj: Village) -> str:
        return str(obj.township.county)
