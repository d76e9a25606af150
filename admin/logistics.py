"""Delivery methods, zones, rates and free-delivery terms in the back office: each shop's
manager keeps their own, officers read.

Zones are edited with their division-code prefixes as one text box, saved through
`logistics.services.shipping_zone_set_prefixes` (so a bad or taken prefix is refused with
its code and nothing is written); a rate's rule across rows (method and zone of one shop,
express only) is `logistics.services.check_delivery_rate`, called by the form.

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
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest

from admin.scoping import Access, Scope, ScopedModelAdmin
from logistics import services
from logistics.models import DeliveryMethod, DeliveryRate, ShippingZone, ShopShippingPolicy

DELIVERY_METHOD_SCOPE = Scope(shop_path="shop", manager=Access.EDIT, officer=Access.VIEW)
SHIPPING_ZONE_SCOPE = DELIVERY_METHOD_SCOPE
DELIVERY_RATE_SCOPE = Scope(shop_path="method__shop", manager=Access.EDIT, officer=Access.VIEW)


def _chosen(form: forms.ModelForm, name: str) -> Any:
    """A form's value for a foreign key, or the row's own where the field is read-only."""
    return form.cleaned_data.get(name) if name in form.fields else getattr(form.instance, name)


class DeliveryMethodForm(forms.ModelForm):
    class Meta:
        model = DeliveryMethod
        fields = (
            "shop",
            "kind",
            "name",
            "price_amount",
            "volumetric_divisor",
            "pickup_warehouse",
            "minimum_delivery_days",
            "maximum_delivery_days",
            "is_active",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Pickup has no parcel to weigh; a form that leaves the divisor out keeps the default.
        if "volumetric_divisor" in self.fields:  # absent from read-only views
            self.fields["volumetric_divisor"].required = False

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if "volumetric_divisor" in self.fields and cleaned.get("volumetric_divisor") is None:
            cleaned["volumetric_divisor"] = self.instance.volumetric_divisor
        shop = _chosen(self, "shop")
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


class ShippingZoneForm(forms.ModelForm):
    prefixes_text = forms.CharField(
        label="Division-code prefixes",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="2 (province), 4 (city), 6 (county), 9 (township) or 12 (village) digits, "
        "separated by spaces or commas. A destination falls in the zone with its longest "
        "matching prefix.",
    )

    class Meta:
        model = ShippingZone
        fields = ("shop", "name", "remote_surcharge_amount")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["prefixes_text"].initial = " ".join(
                p.prefix for p in self.instance.prefixes.all()
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        shop = _chosen(self, "shop")
        raw = cleaned.get("prefixes_text") or ""
        if shop is not None:
            probe = ShippingZone(pk=self.instance.pk, shop=shop)
            try:
                cleaned["prefixes"] = services.check_zone_prefixes(
                    zone=probe, prefixes=raw.replace(",", " ").replace("，", " ").split()
                )
            except ValidationError as error:
                self.add_error("prefixes_text", error.message_dict["prefixes"])
        return cleaned


@admin.register(ShippingZone)
class ShippingZoneAdmin(ScopedModelAdmin):
    scope = SHIPPING_ZONE_SCOPE
    form = ShippingZoneForm
    list_display = ("name", "shop", "prefix_list", "remote_surcharge_amount")
    list_filter = (("shop", RelatedOnlyFieldListFilter),)
    search_fields = ("name", "shop__name", "prefixes__prefix")
    list_select_related = ("shop",)
    autocomplete_fields = ("shop",)

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("prefixes")

    @admin.display(description="prefixes")
    def prefix_list(self, obj: ShippingZone) -> str:
        return " ".join(p.prefix for p in obj.prefixes.all())

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # A zone's prefixes carry its shop; moving it would leave them behind.
        return ("shop",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.shipping_zone_set_prefixes(zone=obj, prefixes=form.cleaned_data["prefixes"])


RATE_FIELDS = (
    "method",
    "zone",
    "serves",
    "first_weight_grams",
    "first_price_amount",
    "step_grams",
    "step_price_amount",
)


class DeliveryRateForm(forms.ModelForm):
    class Meta:
        model = DeliveryRate
        fields = RATE_FIELDS

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        method, zone = _chosen(self, "method"), _chosen(self, "zone")
        if method is not None and zone is not None:
            try:
                services.check_delivery_rate(method=method, zone=zone)
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field, messages)
        return cleaned


@admin.register(DeliveryRate)
class DeliveryRateAdmin(ScopedModelAdmin):
    scope = DELIVERY_RATE_SCOPE
    form = DeliveryRateForm
    list_display = RATE_FIELDS
    list_filter = ("serves", ("method__shop", RelatedOnlyFieldListFilter))
    list_select_related = ("method__shop", "zone")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("method", "zone") if obj is not None else ()


@admin.register(ShopShippingPolicy)
class ShopShippingPolicyAdmin(ScopedModelAdmin):
    scope = SHIPPING_ZONE_SCOPE
    fields = ("shop", "free_above_amount")
    list_display = ("shop", "free_above_amount")
    list_select_related = ("shop",)
    autocomplete_fields = ("shop",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("shop",) if obj is not None else ()
