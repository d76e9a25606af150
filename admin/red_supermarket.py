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
    ReadOnlyMixin,
    Scope,
    ScopedModelAdmin,
)
from marketplace.red_supermarket.models import Receipt, ReceiptCounter, RedSupermarket
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
