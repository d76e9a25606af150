"""Delivery methods in the back office: each shop's manager keeps their own, officers read.

A method's rules are about its own row (the CHECK constraints: pickup is free and names a
station, express names none, days in order), which `full_clean` checks; the one rule across
rows, that a pickup station belongs to the method's shop, is checked by the form. There is
no delivery-method service yet, so the form saves the row.

Methods are retired with `is_active` rather than deleted: an open checkout's delivery
choice points at its method and would vanish with it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.db.models import Model
from django.http import HttpRequest

from admin.scoping import Access, Scope, ScopedModelAdmin
from logistics.models import DeliveryMethod

DELIVERY_METHOD_SCOPE = Scope(shop_path="shop", manager=Access.EDIT, officer=Access.VIEW)


class DeliveryMethodForm(forms.ModelForm):
    class Meta:
        model = DeliveryMethod
        fields = (
            "shop",
            "kind",
            "name",
            "price_amount",
            "pickup_warehouse",
            "minimum_delivery_days",
            "maximum_delivery_days",
            "is_active",
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        shop = cleaned.get("shop") if "shop" in self.fields else self.instance.shop
        warehouse = cleaned.get("pickup_warehouse")
        if shop is not None and warehouse is not None and warehouse.shop_id != shop.pk:
            self.add_error("pickup_warehouse", f"Pick a station of {shop} itself.")
        return cleaned


@admin.register(DeliveryMethod)
class DeliveryMethodAdmin(ScopedModelAdmin):
    scope = DELIVERY_METHOD_SCOPE
    form = DeliveryMethodForm
    list_display = (
        "name",
        "shop",
        "kind",
        "price_amount",
        "pickup_warehouse",
        "minimum_delivery_days",
        "maximum_delivery_days",
        "is_active",
    )
    list_filter = ("kind", "is_active", ("shop", RelatedOnlyFieldListFilter))
    search_fields = ("name", "shop__name")
    list_select_related = ("shop", "pickup_warehouse")
    autocomplete_fields = ("shop", "pickup_warehouse")
    readonly_fields = ("created_at",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Orders snapshot a method as their shop's; moving it to another shop would
        # rewrite whose delivery that was.
        return ("shop", "created_at") if obj is not None else ("created_at",)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
