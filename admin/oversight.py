"""The dashboards' precomputed figures in the back office, read-only for everyone (only
the nightly refresh writes them). Township officers see their villages' month figures;
the per-buyer, per-household and per-SKU rows and the refresh log are platform-only."""

from __future__ import annotations

from django.contrib import admin

from admin.scoping import PLATFORM_ONLY, Access, ReadOnlyMixin, Scope, ScopedModelAdmin
from marketplace.oversight.models import (
    FiguresRefresh,
    HouseholdMonthIncome,
    SkuMonthPrice,
    VillageMonthBuyer,
    VillageMonthFigures,
)


@admin.register(VillageMonthFigures)
class VillageMonthFiguresAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = Scope(village_path="village", officer=Access.VIEW)
    list_display = ("village", "month", "sales_total", "shop_orders", "refunds_amount")
    list_select_related = ("village",)
    list_filter = ("month",)
    readonly_fields = [f.name for f in VillageMonthFigures._meta.fields]


@admin.register(VillageMonthBuyer)
class VillageMonthBuyerAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = PLATFORM_ONLY
    list_display = ("village", "month", "buyer_key", "shop_orders")
    list_select_related = ("village",)
    readonly_fields = [f.name for f in VillageMonthBuyer._meta.fields]


@admin.register(HouseholdMonthIncome)
class HouseholdMonthIncomeAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = PLATFORM_ONLY
    list_display = ("household", "village", "month", "income", "member_count")
    list_select_related = ("household", "village")
    readonly_fields = [f.name for f in HouseholdMonthIncome._meta.fields]


@admin.register(SkuMonthPrice)
class SkuMonthPriceAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = PLATFORM_ONLY
    list_display = ("shop", "product_sku", "month", "lowest_unit_price", "highest_unit_price")
    list_select_related = ("shop",)
    readonly_fields = [f.name for f in SkuMonthPrice._meta.fields]


@admin.register(FiguresRefresh)
class FiguresRefreshAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = PLATFORM_ONLY
    list_display = ("finished_at", "full", "duration_ms", "high_water_mark")
    readonly_fields = [f.name for f in FiguresRefresh._meta.fields]
