"""Red Supermarkets in the back office.

The platform admin opens one for a village shop (through `red_supermarket_create`, which
checks that the warehouse and station belong to that shop's village); the shop's manager
and the township's officers view it. Counter sales, tills and agency orders have their own
pages beside this one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from admin.scoping import (
    Access,
    CreatesThroughServiceMixin,
    ReadOnlyInline,
    ReadOnlyMixin,
    Scope,
    ScopedModelAdmin,
)
from marketplace.red_supermarket.models import (
    CounterSale,
    CounterSaleLine,
    QuickKey,
    Receipt,
    ReceiptCounter,
    RedSupermarket,
    TillShift,
)
from marketplace.red_supermarket.services import red_supermarket_create

SUPERMARKET_SCOPE = Scope(shop_path="shop", manager=Access.VIEW, officer=Access.VIEW)


@admin.register(RedSupermarket)
class RedSupermarketAdmin(CreatesThroughServiceMixin, ScopedModelAdmin):
    scope = SUPERMARKET_SCOPE
    list_display = ("name", "shop", "warehouse", "station", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "shop__name", "shop__village__name")
    list_select_related = ("shop", "warehouse", "station")
    autocomplete_fields = ("shop",)
    fields = ("shop", "warehouse", "station", "name", "address", "opening_hours", "is_active")

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Model:
        return red_supermarket_create(
            shop=data["shop"],
            warehouse=data["warehouse"],
            station=data.get("station"),
            name=data["name"],
            address=data["address"],
            opening_hours=data.get("opening_hours", ""),
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Its sales, tills and stock stay with the shop and warehouse it opened with.
        return ("shop", "warehouse") if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


RECEIPT_SCOPE = Scope(shop_path="supermarket__shop", manager=Access.VIEW, officer=Access.VIEW)


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyMixin, ScopedModelAdmin):
    """Receipts are issued by the counter's services and never edited: a reprint shows
    what was handed over."""

    scope = RECEIPT_SCOPE
    list_display = ("number", "supermarket", "kind", "total", "payment_method", "issued_at")
    list_filter = ("kind", "payment_method")
    search_fields = ("number", "reference")
    list_select_related = ("supermarket",)
    date_hierarchy = "issued_at"


@admin.register(ReceiptCounter)
class ReceiptCounterAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = RECEIPT_SCOPE
    list_display = ("supermarket", "day", "last_number")
    list_select_related = ("supermarket",)


COUNTER_SCOPE = Scope(shop_path="supermarket__shop", manager=Access.VIEW, officer=Access.VIEW)


class CounterSaleLineInline(ReadOnlyInline):
    model = CounterSaleLine
    scope = Scope(shop_path="sale__supermarket__shop", manager=Access.VIEW, officer=Access.VIEW)
    fields = ("product_name", "variant_name", "barcode", "quantity", "unit_price", "total_price")


@admin.register(CounterSale)
class CounterSaleAdmin(ReadOnlyMixin, ScopedModelAdmin):
    """Sales are written by the counter's services only (stock, ledger and receipt move
    with them); the back office reads them with their lines."""

    scope = COUNTER_SCOPE
    list_display = (
        "pk",
        "supermarket",
        "status",
        "payment_method",
        "total",
        "operator",
        "created_at",
    )
    list_filter = ("status", "payment_method")
    search_fields = ("request_id", "out_trade_no", "alipay_trade_no")
    list_select_related = ("supermarket", "operator")
    date_hierarchy = "created_at"
    exclude = ("auth_code", "fingerprint")
    inlines = (CounterSaleLineInline,)


@admin.register(TillShift)
class TillShiftAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = COUNTER_SCOPE
    list_display = (
        "pk",
        "supermarket",
        "status",
        "opened_by",
        "opened_at",
        "float_amount",
        "expected_amount",
        "counted_amount",
        "variance",
    )
    list_filter = ("status",)
    list_select_related = ("supermarket", "opened_by")
    date_hierarchy = "opened_at"


@admin.register(QuickKey)
class QuickKeyAdmin(ScopedModelAdmin):
    """The quick-key grid is the shop's to arrange: its manager edits it."""

    scope = Scope(shop_path="supermarket__shop", manager=Access.EDIT, officer=Access.VIEW)
    list_display = ("supermarket", "position", "label", "variant")
    list_select_related = ("supermarket", "variant__product")
    autocomplete_fields = ("variant",)
    ordering = ("supermarket", "position")


@admin.register(CounterSaleLine)
class CounterSaleLineAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = Scope(shop_path="sale__supermarket__shop", manager=Access.VIEW, officer=Access.VIEW)
    list_display = ("sale", "product_name", "barcode", "quantity", "unit_price", "total_price")
    search_fields = ("product_name", "barcode")
    list_select_related = ("sale",)
