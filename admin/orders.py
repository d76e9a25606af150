"""Orders in the back office: read-only history, scoped by role, with buyer data masked.

Orders are written by `checkout_complete` and changed only by the order lifecycle, so no
page edits an order: every page is a view, and the shop-order actions (fulfil, cancel)
call the services, which check who may and say why not. Buyer orders (`Order`, and their
events, whose parameters carry e-mail addresses) are for the platform admin. A shop's part
of an order (`ShopOrder`, its lines) is seen by that shop's manager and read by township
officers of the shop's township.

Buyer personal data (e-mail, the delivery address with its name and phone) is shown whole
only to the platform admin and, for a shop order's delivery address, to the manager of the
shop that must ship it; everyone else sees it masked (`buyer_address_text`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from admin.scoping import (
    PLATFORM_ONLY,
    Access,
    ReadOnlyInline,
    ReadOnlyMixin,
    Scope,
    ScopedModelAdmin,
    acting_user,
)
from marketplace.accounts.permissions import role_scopes
from marketplace.core.errors import PermissionRefused
from marketplace.orders.lifecycle import CANCEL_REASON_MAX_LENGTH, shop_order_fulfil
from marketplace.orders.models import Order, OrderEvent, OrderLine, ShopOrder
from marketplace.organisations.privacy import mask_name, mask_phone
from marketplace.payments.cancellation import shop_order_cancel_and_refund
from marketplace.payments.selectors import order_pays_on_handover

if TYPE_CHECKING:
    from marketplace.checkout.models import Checkout

SHOP_ORDER_SCOPE = Scope(shop_path="shop", manager=Access.VIEW, officer=Access.VIEW)
ORDER_LINE_SCOPE = Scope(shop_path="shop_order__shop", manager=Access.VIEW, officer=Access.VIEW)
ORDER_MONEY_FIELDS = (
    "currency",
    "subtotal_amount",
    "shipping_amount",
    "discount_amount",
    "total_amount",
)


# --- buyer data masking -----------------------------------------------------------------


def mask_email(email: str) -> str:
    """buyer@example.cn → b***@example.cn: enough to tell two buyers apart, not to write."""
    if not email:
        return ""
    local, at, domain = email.partition("@")
    return f"{local[:1]}***{at}{domain}"


def buyer_address_text(address: Mapping[str, Any] | None, *, masked: bool) -> str:
    """An address snapshot (checkout/order JSON) as one line, masked or whole.

    Masked, it keeps the province, city and county, which is what oversight needs, and
    hides who and where exactly: the name keeps its family name, the phone its ends.
    """
    if not address:
        return ""
    name = f"{address.get('last_name', '')}{address.get('first_name', '')}".strip()
    phone = str(address.get("phone", "") or "")
    region = "".join(
        str(address.get(key, "") or "") for key in ("country_area", "city", "city_area")
    )
    if masked:
        parts = [mask_name(name), mask_phone(phone), region, "****" if region else ""]
    else:
        street = " ".join(
            str(address.get(key, "") or "")
            for key in ("street_address_1", "street_address_2")
            if address.get(key)
        )
        parts = [
            name,
            phone,
            str(address.get("company_name", "") or ""),
            region + street,
            str(address.get("postal_code", "") or ""),
        ]
    return " ".join(part for part in parts if part)


class WholeBuyerAddressesMixin:
    """The unmasked `shipping_address_text` and `billing_address_text` columns of a
    platform-only admin whose rows carry both snapshots (checkouts, buyer orders)."""

    @admin.display(description="Shipping address")
    def shipping_address_text(self, obj: Checkout | Order) -> str:
        return buyer_address_text(obj.shipping_address, masked=False)

    @admin.display(description="Billing address")
    def billing_address_text(self, obj: Checkout | Order) -> str:
        return buyer_address_text(obj.billing_address, masked=False)


def sees_buyer_data(request: HttpRequest) -> bool:
    return role_scopes(acting_user(request)).is_platform_admin


def ships_shop_order(request: HttpRequest, shop_order: ShopOrder) -> bool:
    """Whether the viewer must ship this shop order, and so may read where it goes."""
    scopes = role_scopes(acting_user(request))
    return scopes.is_platform_admin or shop_order.shop_id in scopes.managed_shop_ids


# --- shop orders ------------------------------------------------------------------------


class CancelReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=CANCEL_REASON_MAX_LENGTH,
        help_text="Recorded in the order's history with your name and sent to the buyer.",
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError("A reason is required.")
        return reason


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    scope = ORDER_LINE_SCOPE
    fields = (
        "product_name",
        "variant_name",
        "product_sku",
        "quantity",
        "quantity_fulfilled",
        "unit_price_amount",
        "total_price_amount",
        "beneficiary_household",
        "booking_start_date",
        "booking_end_date",
        "booking_guests",
    )
    related = ("beneficiary_household",)


@admin.register(ShopOrder)
class ShopOrderAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = SHOP_ORDER_SCOPE
    list_display = (
        "order_number",
        "shop",
        "status",
        "delivery_method_name",
        "total_amount",
        "buyer_email",
        "ship_to",
        "created_at",
    )
    list_display_links = ("order_number",)
    list_filter = ("status", "delivery_kind", ("shop", RelatedOnlyFieldListFilter))
    # Only order numbers and snapshots: searching by a buyer's e-mail or phone would reveal
    # masked data one guess at a time.
    search_fields = ("order__number__exact", "voucher_code", "lines__product_sku")
    list_select_related = ("order", "shop")
    date_hierarchy = "created_at"
    fields = (
        "order_number",
        "shop",
        "status",
        "buyer_email",
        "ship_to",
        "delivery_method_name",
        "delivery_kind",
        "voucher_code",
        *ORDER_MONEY_FIELDS,
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    inlines = (OrderLineInline,)
    actions = ("fulfil_selected", "cancel_selected")

    @admin.action(description="Fulfil the selected shop orders (ship or hand over)")
    def fulfil_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        # Each goes through the service, which checks the manager's shop and payment.
        for shop_order in queryset.select_related("shop", "order"):
            try:
                shop_order_fulfil(
                    shop_order=shop_order,
                    actor=request.user,  # type: ignore[arg-type]
                    allow_unpaid=order_pays_on_handover(order=shop_order.order),
                )
            except PermissionRefused as exc:
                self.message_user(request, f"{shop_order.order}: {exc.message}", messages.ERROR)
            except ValidationError as exc:
                self.message_user(request, f"{shop_order.order}: {exc.messages[0]}", messages.ERROR)
            else:
                self.message_user(request, f"{shop_order.order}: fulfilled.")

    @admin.action(description="Cancel selected shop orders")
    def cancel_selected(
        self, request: HttpRequest, queryset: QuerySet[Any]
    ) -> TemplateResponse | None:
        """Ask for a reason on an intermediate page, then cancel (and refund what was paid)
        through the payments domain's service, one shop order at a time."""
        form = CancelReasonForm(request.POST if "apply" in request.POST else None)
        scopes = role_scopes(acting_user(request))
        # Only what this user may manage: a township officer reads shop orders but never
        # cancels them, and saying so beats a refusal per row.
        mine = (
            queryset
            if scopes.is_platform_admin
            else queryset.filter(shop_id__in=scopes.managed_shop_ids)
        )
        if not form.is_valid():
            return TemplateResponse(
                request,
                "backoffice/shop_order_cancel.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Cancel shop orders: give a reason",
                    "opts": self.opts,
                    "shop_orders": list(mine.select_related("order", "shop")),
                    "skipped": queryset.count() - mine.count(),
                    "form": form,
                    "action_checkbox_name": ACTION_CHECKBOX_NAME,
                },
            )
        skipped = queryset.exclude(pk__in=mine.values("pk")).count()
        if skipped:
            self.message_user(
                request, f"{skipped} shop order(s) not yours to cancel: left alone.", messages.ERROR
            )
        for shop_order in mine.select_related("shop", "order").order_by("pk"):
            try:
                outcome = shop_order_cancel_and_refund(
                    actor=acting_user(request),
                    shop_order=shop_order,
                    reason=form.cleaned_data["reason"],
                )
            except PermissionRefused as exc:
                self.message_user(request, f"{shop_order.order}: {exc.message}", messages.ERROR)
            except ValidationError as exc:
                self.message_user(request, f"{shop_order.order}: {exc.messages[0]}", messages.ERROR)
            else:
                refunded = sum(refund.amount for refund in outcome.refunds)
                self.message_user(
                    request,
                    f"{shop_order.order}: cancelled"
                    + (f", ¥{refunded} refunded." if refunded else "."),
                )
        return None

    def get_list_display(self, request: HttpRequest) -> tuple[Any, ...]:
        # The columns are methods bound to this (shared) admin; the request decides the
        # masking, so they are built per request rather than kept on the instance.
        return (
            "order_number",
            "shop",
            "status",
            "delivery_method_name",
            "total_amount",
            _column(self._buyer_email, "Buyer e-mail", request),
            _column(self._ship_to, "Ship to", request),
            "created_at",
        )

    @admin.display(description="Order", ordering="order__number")
    def order_number(self, obj: ShopOrder) -> str:
        return str(obj.order)

    def _buyer_email(self, request: HttpRequest, obj: ShopOrder) -> str:
        email = obj.order.user_email
        return email if sees_buyer_data(request) else mask_email(email)

    def _ship_to(self, request: HttpRequest, obj: ShopOrder) -> str:
        address = obj.order.shipping_address
        return buyer_address_text(address, masked=not ships_shop_order(request, obj))

    # The change page has no request in `display` methods; `change_view` stashes the
    # viewer's entitlement on a per-request copy of the row instead.
    @admin.display(description="Buyer e-mail")
    def buyer_email(self, obj: ShopOrder) -> str:
        return getattr(obj, "_shown_email", mask_email(obj.order.user_email))

    @admin.display(description="Ship to")
    def ship_to(self, obj: ShopOrder) -> str:
        return getattr(
            obj, "_shown_address", buyer_address_text(obj.order.shipping_address, masked=True)
        )

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Model:
        obj: Any = super().get_object(request, object_id, from_field)
        obj._shown_email = self._buyer_email(request, obj)
        obj._shown_address = self._ship_to(request, obj)
        return obj


def _column(method: Any, label: str, request: HttpRequest) -> Any:
    def column(obj: Any) -> str:
        return method(request, obj)

    column.short_description = label  # type: ignore[attr-defined]
    column.__name__ = method.__name__.lstrip("_")
    return column


@admin.register(OrderLine)
class OrderLineAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = ORDER_LINE_SCOPE
    list_display = (
        "product_sku",
        "product_name",
        "shop_order",
        "shop",
        "quantity",
        "quantity_fulfilled",
        "unit_price_amount",
        "total_price_amount",
        "beneficiary_household",
    )
    list_filter = ("offering_kind", ("shop_order__shop", RelatedOnlyFieldListFilter))
    search_fields = ("product_sku", "product_name")
    list_select_related = ("shop_order__order", "shop_order__shop", "beneficiary_household")

    @admin.display(description="Shop", ordering="shop_order__shop__name")
    def shop(self, obj: OrderLine) -> str:
        return str(obj.shop_order.shop)


# --- buyer orders (platform admin) ------------------------------------------------------


class ShopOrderInline(ReadOnlyInline):
    model = ShopOrder
    scope = PLATFORM_ONLY
    fields = ("shop", "status", "delivery_method_name", "voucher_code", *ORDER_MONEY_FIELDS)
    show_change_link = True
    related = ("shop",)


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    scope = PLATFORM_ONLY
    fields = ("date", "type", "shop", "user", "parameters")
    related = ("shop", "user")


@admin.register(Order)
class OrderAdmin(WholeBuyerAddressesMixin, ReadOnlyMixin, ScopedModelAdmin):
    scope = PLATFORM_ONLY
    list_display = (
        "number",
        "user_email",
        "channel",
        "status",
        "charge_status",
        "total_amount",
        "charged_amount",
        "created_at",
    )
    list_filter = ("status", "charge_status", "channel")
    search_fields = ("number__exact", "user_email", "user__email")
    list_select_related = ("channel",)
    date_hierarchy = "created_at"
    fields = (
        "number",
        "id",
        "checkout_token",
        "channel",
        "user",
        "user_email",
        "status",
        "charge_status",
        "authorize_status",
        "charged_amount",
        "shipping_address_text",
        "billing_address_text",
        *ORDER_MONEY_FIELDS,
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    inlines = (ShopOrderInline, OrderEventInline)


@admin.register(OrderEvent)
class OrderEventAdmin(ReadOnlyMixin, ScopedModelAdmin):
    # Event parameters carry buyers' e-mail addresses (EMAIL_SENT), so the history is the
    # platform admin's; a shop's manager reads their part through the shop order.
    scope = PLATFORM_ONLY
    list_display = ("date", "order", "type", "shop", "user")
    list_filter = ("type",)
    search_fields = ("order__number__exact",)
    list_select_related = ("order", "shop", "user")
    date_hierarchy = "date"
