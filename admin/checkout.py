"""Checkouts and vouchers in the back office.

Checkouts hold buyers' e-mail and addresses and are written only by the checkout services,
so they (with their lines, delivery choices and applied vouchers) are read-only pages for
the platform admin. Vouchers are a shop's own promotions: its manager creates and edits
them, township officers read them.

Why vouchers save through the admin form: there is no voucher service yet, and a voucher's
rules are all about one row (the CHECK and UNIQUE constraints, which `full_clean` checks).
The two constraints that involve a field the form cannot change (the shop once chosen,
`used`) are checked by the form itself, because `full_clean` skips constraints on fields
that are not on the form.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from admin.orders import WholeBuyerAddressesMixin
from admin.scoping import (
    PLATFORM_ONLY,
    Access,
    ReadOnlyInline,
    ReadOnlyMixin,
    Scope,
    ScopedModelAdmin,
)
from marketplace.checkout.models import (
    Checkout,
    CheckoutDelivery,
    CheckoutLine,
    CheckoutVoucher,
    Voucher,
)

VOUCHER_SCOPE = Scope(shop_path="shop", manager=Access.EDIT, officer=Access.VIEW)


# --- checkouts (platform admin, read-only) ----------------------------------------------


class CheckoutLineInline(ReadOnlyInline):
    model = CheckoutLine
    scope = PLATFORM_ONLY
    fields = (
        "variant",
        "quantity",
        "booking_start_date",
        "booking_end_date",
        "booking_guests",
        "created_at",
    )
    related = ("variant__product",)


class CheckoutDeliveryInline(ReadOnlyInline):
    model = CheckoutDelivery
    scope = PLATFORM_ONLY
    fields = ("shop", "delivery_method")
    related = ("shop", "delivery_method")


class CheckoutVoucherInline(ReadOnlyInline):
    model = CheckoutVoucher
    scope = PLATFORM_ONLY
    fields = ("shop", "voucher")
    related = ("shop", "voucher")


@admin.register(Checkout)
class CheckoutAdmin(WholeBuyerAddressesMixin, ReadOnlyMixin, ScopedModelAdmin):
    scope = PLATFORM_ONLY
    list_display = (
        "token",
        "email",
        "user",
        "channel",
        "charge_status",
        "charged_amount",
        "last_change",
        "order",
    )
    list_filter = ("charge_status", "authorize_status", "channel")
    search_fields = ("token__exact", "email", "user__email")
    list_select_related = ("channel", "user", "order")
    date_hierarchy = "created_at"
    fields = (
        "token",
        "channel",
        "user",
        "email",
        "shipping_address_text",
        "billing_address_text",
        "currency",
        "charge_status",
        "authorize_status",
        "charged_amount",
        "authorized_amount",
        "created_at",
        "last_change",
        "completing_started_at",
        "order",
    )
    readonly_fields = fields
    inlines = (CheckoutLineInline, CheckoutDeliveryInline, CheckoutVoucherInline)


@admin.register(CheckoutLine)
class CheckoutLineAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = PLATFORM_ONLY
    list_display = (
        "pk",
        "checkout",
        "variant",
        "quantity",
        "booking_start_date",
        "booking_end_date",
        "created_at",
    )
    search_fields = ("checkout__token__exact", "variant__sku")
    list_select_related = ("checkout", "variant__product")


@admin.register(CheckoutDelivery)
class CheckoutDeliveryAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = PLATFORM_ONLY
    list_display = ("checkout", "shop", "delivery_method")
    list_filter = (("shop", RelatedOnlyFieldListFilter),)
    search_fields = ("checkout__token__exact",)
    list_select_related = ("checkout", "shop", "delivery_method")


@admin.register(CheckoutVoucher)
class CheckoutVoucherAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = PLATFORM_ONLY
    list_display = ("checkout", "shop", "voucher")
    list_filter = (("shop", RelatedOnlyFieldListFilter),)
    search_fields = ("checkout__token__exact", "voucher__code")
    list_select_related = ("checkout", "shop", "voucher")


# --- vouchers (the shop's manager) ------------------------------------------------------


class VoucherForm(forms.ModelForm):
    class Meta:
        model = Voucher
        fields = (
            "shop",
            "code",
            "name",
            "discount_type",
            "discount_value",
            "min_spend_amount",
            "start_date",
            "end_date",
            "usage_limit",
            "is_active",
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        shop = cleaned.get("shop") if "shop" in self.fields else self.instance.shop
        code = (cleaned.get("code") or "").strip()
        if "code" in cleaned:
            cleaned["code"] = code
        if shop is not None and code:
            taken = Voucher.objects.filter(shop=shop, code__iexact=code)
            if self.instance.pk is not None:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error("code", f"{shop} already has a voucher with the code {code}.")
        limit = cleaned.get("usage_limit")
        if limit is not None and limit < self.instance.used:
            self.add_error("usage_limit", f"It has been used {self.instance.used} times already.")
        return cleaned


@admin.register(Voucher)
class VoucherAdmin(ScopedModelAdmin):
    scope = VOUCHER_SCOPE
    form = VoucherForm
    list_display = (
        "code",
        "shop",
        "name",
        "discount_type",
        "discount_value",
        "min_spend_amount",
        "start_date",
        "end_date",
        "used",
        "usage_limit",
        "is_active",
    )
    list_filter = ("is_active", "discount_type", ("shop", RelatedOnlyFieldListFilter))
    search_fields = ("code", "name", "shop__name")
    list_select_related = ("shop",)
    autocomplete_fields = ("shop",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # A voucher stays with the shop it was made for: orders name it as that shop's.
        if obj is None:
            return ("used", "created_at")
        return ("shop", "used", "created_at")

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # A voucher that was redeemed is part of orders' history; it is switched off
        # (is_active) rather than deleted.
        if isinstance(obj, Voucher) and obj.used > 0:
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset.filter(used=0))
