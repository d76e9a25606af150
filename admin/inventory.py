"""Warehouses (village stations) and stock, kept by each shop's manager; the reservations
and allocations that checkouts and orders hold on that stock, which the shop's manager may
read but only the checkout services write."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from admin.catalog import StockForm
from admin.scoping import Access, ReadOnlyMixin, Scope, ScopedModelAdmin, ScopedTabularInline
from marketplace.inventory.models import Allocation, Reservation, Stock, Warehouse


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


STOCK_CLAIM_SCOPE = Scope(shop_path="stock__warehouse__shop", manager=Access.VIEW)


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = STOCK_CLAIM_SCOPE
    list_display = ("stock_variant", "warehouse", "quantity_reserved", "reserved_until")
    list_filter = (("stock__warehouse", RelatedOnlyFieldListFilter),)
    search_fields = ("stock__product_variant__sku", "stock__product_variant__product__name")
    list_select_related = ("stock__product_variant__product", "stock__warehouse")
    date_hierarchy = "reserved_until"
    # The checkout line is the platform admin's (it belongs to a buyer's checkout); the
    # row is shown by its variant and warehouse.
    fields = ("stock_variant", "warehouse", "quantity_reserved", "reserved_until")
    readonly_fields = fields

    @admin.display(description="Variant", ordering="stock__product_variant__sku")
    def stock_variant(self, obj: Reservation | Allocation) -> str:
        return str(obj.stock.product_variant)

    @admin.display(description="Warehouse", ordering="stock__warehouse__name")
    def warehouse(self, obj: Reservation | Allocation) -> str:
        return str(obj.stock.warehouse)


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = STOCK_CLAIM_SCOPE
    list_display = (
        "order_number",
        "order_line",
        "stock_variant",
        "warehouse",
        "quantity_allocated",
    )
    list_filter = (("stock__warehouse", RelatedOnlyFieldListFilter),)
    search_fields = ("order_line__product_sku", "order_line__shop_order__order__number__exact")
    list_select_related = (
        "order_line__shop_order__order",
        "stock__product_variant__product",
        "stock__warehouse",
    )
    fields = ("order_number", "order_line", "stock_variant", "warehouse", "quantity_allocated")
    readonly_fields = fields

    stock_variant = ReservationAdmin.stock_variant
    warehouse = ReservationAdmin.warehouse

    @admin.display(description="Order", ordering="order_line__shop_order__order__number")
    def order_number(self, obj: Allocation) -> str:
        return str(obj.order_line.shop_order.order)
