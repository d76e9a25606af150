"""Warehouses (village stations) and stock, kept by each shop's manager."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from admin.catalog import StockForm
from admin.scoping import Access, Scope, ScopedModelAdmin, ScopedTabularInline
from marketplace.inventory.models import Stock, Warehouse


class WarehouseStockInline(ScopedTabularInline):
    model = Stock
    scope = Scope(shop_path="warehouse__shop", manager=Access.VIEW)
    extra = 0
    fields = ("product_variant", "quantity", "quantity_allocated")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # stock is added from the variant's page, where prices and SKUs are

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("product_variant__product")


@admin.register(Warehouse)
class WarehouseAdmin(ScopedModelAdmin):
    scope = Scope(shop_path="shop", manager=Access.EDIT)
    list_display = ("name", "slug", "shop", "is_village_station", "street_address")
    list_filter = ("is_village_station", ("shop", RelatedOnlyFieldListFilter))
    search_fields = ("name", "slug", "shop__name", "street_address")
    list_select_related = ("shop",)
    autocomplete_fields = ("shop",)
    inlines = (WarehouseStockInline,)


@admin.register(Stock)
class StockAdmin(ScopedModelAdmin):
    # Scoped through the warehouse; StockForm also requires the variant's shop to match.
    scope = Scope(shop_path="warehouse__shop", manager=Access.EDIT)
    form = StockForm
    list_display = ("product_variant", "warehouse", "quantity", "quantity_allocated", "available")
    list_filter = (("warehouse", RelatedOnlyFieldListFilter),)
    search_fields = ("product_variant__sku", "product_variant__product__name", "warehouse__name")
    list_select_related = ("product_variant__product", "warehouse")
    autocomplete_fields = ("product_variant", "warehouse")
    readonly_fields = ("quantity_allocated",)

    @admin.display(description="Available")
    def available(self, obj: Stock) -> int:
        return obj.quantity - obj.quantity_allocated
