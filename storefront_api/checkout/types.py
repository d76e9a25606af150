"""Saleor's checkout and order types over the checkout/orders domain, plus our per-shop
extensions (`Checkout.shopDeliveries`, `Order.shopOrders`, `CheckoutLine.booking`).

Prices: a line's `unitPrice` is the channel listing price; shop vouchers discount a shop's
subtotal, shown in `Checkout.discount` (and per shop in `shopDeliveries`), never spread
over lines. `subtotalPrice` is before vouchers, `totalPrice` = subtotal + shipping − discount.

Delivery is per shop. Saleor's single `Checkout.delivery` is the chosen delivery when one
shop needs shipping; with several, it is the first shop's choice once every shop has
chosen (null until then), so "delivery set" still means "ready to pay". `shopDeliveries`
shows every shop's options and choice.

Every relation resolves through the per-request loaders in `dataloaders.py`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import graphene

from logistics.models import DeliveryMethod as DeliveryMethodModel
from logistics.models import DeliveryMethodKind
from marketplace.accounts import models as account_models
from marketplace.accounts.addresses import ADDRESS_FIELDS
from marketplace.checkout import selectors as checkout_selectors
from marketplace.checkout.error_codes import CheckoutErrorCode as DomainCheckoutErrorCode
from marketplace.checkout.models import Checkout as CheckoutModel
from marketplace.checkout.models import (
    CheckoutAuthorizeStatus,
    CheckoutChargeStatus,
    VoucherDiscountType,
)
from marketplace.checkout.models import Voucher as VoucherModel
from marketplace.orders import models as order_models
from storefront_api.account.dataloaders import UserByIdLoader
from storefront_api.account.types import Address, AddressTypeEnum, User
from storefront_api.catalog.dataloaders import VariantByIdLoader
from storefront_api.catalog.types import ProductVariant, with_channel
from storefront_api.channel.types import Channel
from storefront_api.checkout import dataloaders as loaders
from storefront_api.core.connection import CountableConnection
from storefront_api.core.dataloaders import gather, get_loader, then
from storefront_api.core.enums import api_enum, domain_enum
from storefront_api.core.ids import to_global_id
from storefront_api.core.types import Money, ObjectWithMetadata, TaxedMoney
from storefront_api.payment.types import PaymentGateway
from storefront_api.shops.dataloaders import ShopByIdLoader
from storefront_api.shops.types import Shop

ZERO = Decimal("0.00")

CheckoutErrorCode = domain_enum(DomainCheckoutErrorCode, name="CheckoutErrorCode")
CheckoutChargeStatusEnum = domain_enum(CheckoutChargeStatus, name="CheckoutChargeStatusEnum")
CheckoutAuthorizeStatusEnum = domain_enum(
    CheckoutAuthorizeStatus, name="CheckoutAuthorizeStatusEnum"
)
OrderChargeStatusEnum = domain_enum(order_models.OrderChargeStatus, name="OrderChargeStatusEnum")
OrderAuthorizeStatusEnum = domain_enum(
    order_models.OrderAuthorizeStatus, name="OrderAuthorizeStatusEnum"
)
OrderStatus = domain_enum(order_models.OrderStatus, name="OrderStatus")

# Saleor's legacy payment status, derived from the order's charge status.
PaymentChargeStatusEnum = api_enum(
    "PaymentChargeStatusEnum",
    [
        ("NOT_CHARGED", "not-charged"),
        ("PENDING", "pending"),
        ("PARTIALLY_CHARGED", "partially-charged"),
        ("FULLY_CHARGED", "fully-charged"),
        ("PARTIALLY_REFUNDED", "partially-refunded"),
        ("FULLY_REFUNDED", "fully-refunded"),
        ("REFUSED", "refused"),
        ("CANCELLED", "cancelled"),
    ],
)


# Saleor's whole OrderEventsEnum; the orders domain records a subset of these names.
_ORDER_EVENT_NAMES = (
    "DRAFT_CREATED",
    "DRAFT_CREATED_FROM_REPLACE",
    "ADDED_PRODUCTS",
    "REMOVED_PRODUCTS",
    "PLACED",
    "PLACED_FROM_DRAFT",
    "PLACED_AUTOMATICALLY_FROM_PAID_CHECKOUT",
    "OVERSOLD_ITEMS",
    "CANCELED",
    "EXPIRED",
    "ORDER_MARKED_AS_PAID",
    "ORDER_FULLY_PAID",
    "ORDER_REPLACEMENT_CREATED",
    "ORDER_DISCOUNT_ADDED",
    "ORDER_DISCOUNT_AUTOMATICALLY_UPDATED",
    "ORDER_DISCOUNT_UPDATED",
    "ORDER_DISCOUNT_DELETED",
    "ORDER_LINE_DISCOUNT_UPDATED",
    "ORDER_LINE_DISCOUNT_REMOVED",
    "ORDER_LINE_PRODUCT_DELETED",
    "ORDER_LINE_VARIANT_DELETED",
    "UPDATED_ADDRESS",
    "EMAIL_SENT",
    "CONFIRMED",
    "PAYMENT_AUTHORIZED",
    "PAYMENT_CAPTURED",
    "EXTERNAL_SERVICE_NOTIFICATION",
    "PAYMENT_REFUNDED",
    "PAYMENT_VOIDED",
    "PAYMENT_FAILED",
    "TRANSACTION_EVENT",
    "TRANSACTION_CHARGE_REQUESTED",
    "TRANSACTION_REFUND_REQUESTED",
    "TRANSACTION_CANCEL_REQUESTED",
    "TRANSACTION_MARK_AS_PAID_FAILED",
    "INVOICE_REQUESTED",
    "INVOICE_GENERATED",
    "INVOICE_UPDATED",
    "INVOICE_SENT",
    "FULFILLMENT_CANCELED",
    "FULFILLMENT_RESTOCKED_ITEMS",
    "FULFILLMENT_FULFILLED_ITEMS",
    "FULFILLMENT_REFUNDED",
    "FULFILLMENT_RETURNED",
    "FULFILLMENT_REPLACED",
    "FULFILLMENT_AWAITS_APPROVAL",
    "TRACKING_UPDATED",
    "NOTE_ADDED",
    "NOTE_UPDATED",
    "OTHER",
)
OrderEventsEnum = domain_enum(
    order_models.OrderEventType, name="OrderEventsEnum", api_names=_ORDER_EVENT_NAMES
)


FulfillmentStatus = api_enum(
    "FulfillmentStatus",
    [
        ("FULFILLED", "fulfilled"),
        ("REFUNDED", "refunded"),
        ("RETURNED", "returned"),
        ("REPLACED", "replaced"),
        ("REFUNDED_AND_RETURNED", "refunded_and_returned"),
        ("CANCELED", "canceled"),
        ("WAITING_FOR_APPROVAL", "waiting_for_approval"),
    ],
)
OrderDiscountType = api_enum(
    "OrderDiscountType",
    [
        ("SALE", "sale"),
        ("VOUCHER", "voucher"),
        ("MANUAL", "manual"),
        ("PROMOTION", "promotion"),
        ("ORDER_PROMOTION", "order_promotion"),
    ],
)
DiscountValueTypeEnum = domain_enum(
    VoucherDiscountType, name="DiscountValueTypeEnum", api_names=("FIXED", "PERCENTAGE")
)
DeliveryMethodKindEnum = domain_enum(DeliveryMethodKind, name="DeliveryMethodKindEnum")


def _money(amount: Decimal | None, currency: str) -> dict[str, Any]:
    return Money.of(amount if amount is not None else ZERO, currency)


def _taxed(amount: Decimal | None, currency: str) -> dict[str, Any]:
    return TaxedMoney.of(amount if amount is not None else ZERO, currency)


def address_from_snapshot(data: dict[str, Any] | None) -> account_models.Address | None:
    """A checkout/order address snapshot as an (unsaved) Address for the Address type."""
    if not data:
        return None
    # `id` is the snapshot's owner-less Address row (see checkout.services.address_snapshot).
    return account_models.Address(
        pk=data.get("id"), **{f: data.get(f) or "" for f in ADDRESS_FIELDS}
    )


def _own_user(info: Any, user_id: int | None) -> Any:
    """The customer, shown only to that customer (an order answers anonymous callers)."""
    caller = info.context.user
    if user_id is None or not caller.is_authenticated or caller.pk != user_id:
        return None
    return get_loader(info.context, UserByIdLoader).load(user_id)


# --- errors ---------------------------------------------------------------------------------


class CheckoutError(graphene.ObjectType):
    field = graphene.String(
        description="Name of a field that caused the error. A value of `null` indicates that "
        "the error isn't associated with a particular field."
    )
    message = graphene.String(description="The error message.")
    code = graphene.Field(CheckoutErrorCode, required=True, description="The error code.")
    variants = graphene.List(
        graphene.NonNull(graphene.ID), description="List of varint IDs which causes the error."
    )
    lines = graphene.List(
        graphene.NonNull(graphene.ID), description="List of line Ids which cause the error."
    )
    address_type = graphene.Field(
        AddressTypeEnum, description="A type of address that causes the error."
    )


DeliveryOptionsCalculateErrorCode = api_enum(
    "DeliveryOptionsCalculateErrorCode",
    [("GRAPHQL_ERROR", "graphql_error"), ("NOT_FOUND", "not_found"), ("INVALID", "invalid")],
)


class DeliveryOptionsCalculateError(graphene.ObjectType):
    field = graphene.String()
    message = graphene.String()
    code = graphene.Field(DeliveryOptionsCalculateErrorCode, required=True)


# --- delivery -------------------------------------------------------------------------------


class ShippingMethod(graphene.ObjectType):
    """A shop's delivery method (`logistics.DeliveryMethod`) in Saleor's shape."""

    class Meta:
        interfaces = (graphene.relay.Node, ObjectWithMetadata)

    name = graphene.String(required=True)
    description = graphene.JSONString()
    maximum_delivery_days = graphene.Int()
    minimum_delivery_days = graphene.Int()
    price = graphene.Field(Money, required=True)
    active = graphene.Boolean(required=True)
    message = graphene.String()
    # Ruralmart extensions.
    kind = graphene.Field(DeliveryMethodKindEnum, required=True)
    shop = graphene.Field(Shop, required=True, description="The shop that delivers.")

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, DeliveryMethodModel)

    @staticmethod
    def resolve_price(root: DeliveryMethodModel, info: Any) -> dict[str, Any]:
        return _money(root.price_for(), "CNY")

    @staticmethod
    def resolve_active(root: DeliveryMethodModel, info: Any) -> bool:
        return root.is_active

    @staticmethod
    def resolve_shop(root: DeliveryMethodModel, info: Any) -> Any:
        return get_loader(info.context, ShopByIdLoader).load(root.shop_id)


class DeliveryMethod(graphene.Union):
    class Meta:
        types = (ShippingMethod,)


class Delivery(graphene.ObjectType):
    """One delivery option; its id is what `checkoutDeliveryMethodUpdate` takes (as is the
    shipping method's id)."""

    id = graphene.ID(required=True)
    shipping_method = graphene.Field(ShippingMethod)
    # Ruralmart extension: whose goods this option delivers.
    shop = graphene.Field(Shop)

    @staticmethod
    def resolve_id(root: DeliveryMethodModel, info: Any) -> str:
        return to_global_id("Delivery", root.pk)

    @staticmethod
    def resolve_shipping_method(root: DeliveryMethodModel, info: Any) -> DeliveryMethodModel:
        return root

    @staticmethod
    def resolve_shop(root: DeliveryMethodModel, info: Any) -> Any:
        return get_loader(info.context, ShopByIdLoader).load(root.shop_id)


class CheckoutShopDelivery(graphene.ObjectType):
    """Ruralmart extension: one shop's part of a checkout, its delivery options and choice."""

    shop = graphene.Field(Shop, required=True)
    is_shipping_required = graphene.Boolean(required=True)
    deliveries = graphene.List(
        graphene.NonNull(Delivery), required=True, description="Active options, cheapest first."
    )
    delivery = graphene.Field(Delivery, description="The option chosen for this shop.")
    subtotal_price = graphene.Field(TaxedMoney, required=True)
    shipping_price = graphene.Field(TaxedMoney, required=True)
    discount = graphene.Field(Money, required=True)
    voucher_code = graphene.String()
    total_price = graphene.Field(TaxedMoney, required=True)


def _shop_delivery(
    option: checkout_selectors.ShopDeliveryOptions,
    shop_totals: checkout_selectors.ShopTotals | None,
    currency: str,
) -> CheckoutShopDelivery:
    amounts = shop_totals or checkout_selectors.ShopTotals(
        shop=option.shop, lines=[], delivery=None, voucher=None
    )
    return CheckoutShopDelivery(
        shop=option.shop,
        is_shipping_required=option.is_shipping_required,
        deliveries=option.methods,
        delivery=option.selected,
        subtotal_price=_taxed(amounts.subtotal, currency),
        shipping_price=_taxed(amounts.shipping, currency),
        discount=_money(amounts.discount, currency),
        voucher_code=amounts.voucher.code if amounts.voucher and amounts.discount else None,
        total_price=_taxed(amounts.total, currency),
    )


# --- payment gateways -------------------------------------------------------------------------


# --- checkout lines ---------------------------------------------------------------------------


class Booking(graphene.ObjectType):
    """Ruralmart extension: the dates (end exclusive) and party of a tourism line."""

    start_date = graphene.Date(required=True)
    end_date = graphene.Date(required=True)
    guests = graphene.Int(required=True)


def _booking_of(row: Any) -> Booking | None:
    if row.booking_start_date is None:
        return None
    return Booking(
        start_date=row.booking_start_date, end_date=row.booking_end_date, guests=row.booking_guests
    )


class CheckoutLine(graphene.ObjectType):
    """Root: a `checkout.selectors.LineInfo` with `_channel_slug` and `_currency` set."""

    class Meta:
        interfaces = (graphene.relay.Node, ObjectWithMetadata)

    variant = graphene.Field(ProductVariant, required=True)
    quantity = graphene.Int(required=True)
    unit_price = graphene.Field(TaxedMoney, required=True)
    undiscounted_unit_price = graphene.Field(Money, required=True)
    total_price = graphene.Field(TaxedMoney, required=True)
    undiscounted_total_price = graphene.Field(Money, required=True)
    requires_shipping = graphene.Boolean(required=True)
    is_gift = graphene.Boolean()
    # Ruralmart extension.
    booking = graphene.Field(Booking, description="Dates and guests of a homestay/experience.")

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, checkout_selectors.LineInfo)

    @staticmethod
    def resolve_id(root: checkout_selectors.LineInfo, info: Any) -> int:
        return root.line.pk

    @staticmethod
    def resolve_variant(root: checkout_selectors.LineInfo, info: Any) -> Any:
        return with_channel(root.variant, root._channel_slug)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_quantity(root: checkout_selectors.LineInfo, info: Any) -> int:
        return root.line.quantity

    @staticmethod
    def resolve_unit_price(root: checkout_selectors.LineInfo, info: Any) -> dict[str, Any]:
        return _taxed(root.unit_price, root._currency)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_undiscounted_unit_price(
        root: checkout_selectors.LineInfo, info: Any
    ) -> dict[str, Any]:
        return _money(root.unit_price, root._currency)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_total_price(root: checkout_selectors.LineInfo, info: Any) -> dict[str, Any]:
        return _taxed(root.total_price, root._currency)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_undiscounted_total_price(
        root: checkout_selectors.LineInfo, info: Any
    ) -> dict[str, Any]:
        return _money(root.total_price, root._currency)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_requires_shipping(root: checkout_selectors.LineInfo, info: Any) -> bool:
        return root.is_shipping_required

    @staticmethod
    def resolve_is_gift(root: checkout_selectors.LineInfo, info: Any) -> bool:
        return False

    @staticmethod
    def resolve_booking(root: checkout_selectors.LineInfo, info: Any) -> Booking | None:
        return _booking_of(root.line)


class CheckoutLineProblemInsufficientStock(graphene.ObjectType):
    available_quantity = graphene.Int()
    line = graphene.Field(CheckoutLine, required=True)
    variant = graphene.Field(ProductVariant, required=True)


class CheckoutLineProblemVariantNotAvailable(graphene.ObjectType):
    line = graphene.Field(CheckoutLine, required=True)


class CheckoutProblemDeliveryMethodStale(graphene.ObjectType):
    """Never produced: delivery prices are flat and re-read live (kept for Saleor's union)."""

    delivery = graphene.Field(Delivery, required=True)


class CheckoutProblemDeliveryMethodInvalid(graphene.ObjectType):
    delivery = graphene.Field(Delivery, required=True)


class CheckoutProblem(graphene.Union):
    class Meta:
        types = (
            CheckoutProblemDeliveryMethodStale,
            CheckoutProblemDeliveryMethodInvalid,
            CheckoutLineProblemInsufficientStock,
            CheckoutLineProblemVariantNotAvailable,
        )


class GiftCard(graphene.ObjectType):
    """Saleor's gift card; Ruralmart sells none, so lists of them are always empty."""

    class Meta:
        interfaces = (graphene.relay.Node, ObjectWithMetadata)

    display_code = graphene.String(required=True)
    last4_code_chars = graphene.String(required=True)
    current_balance = graphene.Field(Money, required=True)


class Voucher(graphene.ObjectType):
    """A shop's promo code (Saleor's Voucher fields that apply to one)."""

    class Meta:
        interfaces = (graphene.relay.Node, ObjectWithMetadata)

    name = graphene.String()
    code = graphene.String()
    usage_limit = graphene.Int()
    used = graphene.Int(required=True)
    start_date = graphene.DateTime(required=True)
    end_date = graphene.DateTime()
    discount_value_type = graphene.Field(DiscountValueTypeEnum, required=True)
    discount_value = graphene.Float()
    currency = graphene.String()
    min_spent = graphene.Field(Money)
    # Ruralmart extension.
    shop = graphene.Field(Shop, required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, VoucherModel)

    @staticmethod
    def resolve_discount_value_type(root: VoucherModel, info: Any) -> str:
        return root.discount_type

    @staticmethod
    def resolve_discount_value(root: VoucherModel, info: Any) -> float:
        return float(root.discount_value)

    @staticmethod
    def resolve_currency(root: VoucherModel, info: Any) -> str:
        return "CNY"

    @staticmethod
    def resolve_min_spent(root: VoucherModel, info: Any) -> dict[str, Any] | None:
        return _money(root.min_spend_amount, "CNY") if root.min_spend_amount else None

    @staticmethod
    def resolve_shop(root: VoucherModel, info: Any) -> Any:
        return get_loader(info.context, ShopByIdLoader).load(root.shop_id)


# --- checkout ---------------------------------------------------------------------------------


def _totals(info: Any, checkout: CheckoutModel) -> Any:
    return get_loader(info.context, loaders.CheckoutTotalsLoader).load(
        loaders.checkout_key(checkout)
    )


def _delivery_options(info: Any, checkout: CheckoutModel) -> Any:
    return get_loader(info.context, loaders.DeliveryOptionsLoader).load(
        loaders.checkout_key(checkout)
    )


def _channel(info: Any, channel_id: int) -> Any:
    return get_loader(info.context, loaders.ChannelByIdLoader).load(channel_id)


class Checkout(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node, ObjectWithMetadata)
        description = "A buyer's cart across several village shops."

    created = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)
    last_change = graphene.DateTime(required=True)
    user = graphene.Field(User)
    channel = graphene.Field(Channel, required=True)
    billing_address = graphene.Field(Address)
    shipping_address = graphene.Field(Address)
    customer_note = graphene.String(required=True)
    discount = graphene.Field(Money)
    discount_name = graphene.String()
    translated_discount_name = graphene.String()
    voucher_code = graphene.String()
    available_shipping_methods = graphene.List(
        graphene.NonNull(ShippingMethod),
        required=True,
        deprecation_reason="Use `shippingMethods` instead.",
    )
    shipping_methods = graphene.List(graphene.NonNull(ShippingMethod), required=True)
    available_payment_gateways = graphene.List(graphene.NonNull(PaymentGateway), required=True)
    email = graphene.String()
    gift_cards = graphene.List(graphene.NonNull(GiftCard), required=True)
    is_shipping_required = graphene.Boolean(required=True)
    quantity = graphene.Int(required=True)
    lines = graphene.List(graphene.NonNull(CheckoutLine), required=True)
    shipping_price = graphene.Field(TaxedMoney, required=True)
    delivery = graphene.Field(Delivery)
    subtotal_price = graphene.Field(TaxedMoney, required=True)
    token = graphene.UUID(required=True)
    total_price = graphene.Field(TaxedMoney, required=True)
    total_balance = graphene.Field(Money, required=True)
    display_gross_prices = graphene.Boolean(required=True)
    authorize_status = graphene.Field(CheckoutAuthorizeStatusEnum, required=True)
    charge_status = graphene.Field(CheckoutChargeStatusEnum, required=True)
    problems = graphene.List(graphene.NonNull(CheckoutProblem))
    # Ruralmart extension.
    shop_deliveries = graphene.List(
        graphene.NonNull(CheckoutShopDelivery),
        required=True,
        description="Per shop: its delivery options, the chosen one and its amounts.",
    )

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, CheckoutModel)

    @staticmethod
    def resolve_id(root: CheckoutModel, info: Any) -> str:
        return str(root.token)

    @staticmethod
    def resolve_created(root: CheckoutModel, info: Any) -> Any:
        return root.created_at

    @staticmethod
    def resolve_updated_at(root: CheckoutModel, info: Any) -> Any:
        return root.last_change

    @staticmethod
    def resolve_user(root: CheckoutModel, info: Any) -> Any:
        return _own_user(info, root.user_id)

    @staticmethod
    def resolve_channel(root: CheckoutModel, info: Any) -> Any:
        return _channel(info, root.channel_id)

    @staticmethod
    def resolve_billing_address(root: CheckoutModel, info: Any) -> Any:
        return address_from_snapshot(root.billing_address)

    @staticmethod
    def resolve_shipping_address(root: CheckoutModel, info: Any) -> Any:
        return address_from_snapshot(root.shipping_address)

    @staticmethod
    def resolve_customer_note(root: CheckoutModel, info: Any) -> str:
        return ""

    @staticmethod
    def resolve_discount(root: CheckoutModel, info: Any) -> Any:
        return then(_totals(info, root), lambda t: _money(t.discount, root.currency))

    @staticmethod
    def resolve_discount_name(root: CheckoutModel, info: Any) -> Any:
        return then(
            _totals(info, root),
            lambda t: (
                ", ".join(s.voucher.name or s.voucher.code for s in t.shops if s.discount) or None
            ),
        )

    @staticmethod
    def resolve_voucher_code(root: CheckoutModel, info: Any) -> Any:
        def codes(totals: checkout_selectors.CheckoutTotals) -> str | None:
            applied = sorted({s.voucher.code for s in totals.shops if s.voucher is not None})
            return ", ".join(applied) or None

        return then(_totals(info, root), codes)

    @staticmethod
    def resolve_shipping_methods(root: CheckoutModel, info: Any) -> Any:
        return then(
            _delivery_options(info, root),
            lambda options: [m for option in options for m in option.methods],
        )

    resolve_available_shipping_methods = resolve_shipping_methods

    @staticmethod
    def resolve_available_payment_gateways(root: CheckoutModel, info: Any) -> Any:
        from marketplace.payments.gateways import available_gateways

        return then(
            _channel(info, root.channel_id),
            lambda channel: list(available_gateways(channel=channel)),
        )

    @staticmethod
    def resolve_email(root: CheckoutModel, info: Any) -> str | None:
        return root.email or None

    @staticmethod
    def resolve_gift_cards(root: CheckoutModel, info: Any) -> list[Any]:
        return []

    @staticmethod
    def resolve_is_shipping_required(root: CheckoutModel, info: Any) -> Any:
        return then(_totals(info, root), lambda t: any(s.is_shipping_required for s in t.shops))

    @staticmethod
    def resolve_quantity(root: CheckoutModel, info: Any) -> Any:
        return then(_totals(info, root), lambda t: sum(i.line.quantity for i in t.lines))

    @staticmethod
    def resolve_lines(root: CheckoutModel, info: Any) -> Any:
        channel = _channel(info, root.channel_id)

        def shape(values: list[Any]) -> list[checkout_selectors.LineInfo]:
            totals, channel_obj = values
            infos = sorted(totals.lines, key=lambda i: (i.line.created_at, i.line.pk))
            for line_info in infos:
                line_info._channel_slug = channel_obj.slug  # type: ignore[attr-defined]
                line_info._currency = root.currency  # type: ignore[attr-defined]
            return infos

        return then(gather([_totals(info, root), channel]), shape)

    @staticmethod
    def resolve_shipping_price(root: CheckoutModel, info: Any) -> Any:
        return then(_totals(info, root), lambda t: _taxed(t.shipping, root.currency))

    @staticmethod
    def resolve_delivery(root: CheckoutModel, info: Any) -> Any:
        def pick(options: list[checkout_selectors.ShopDeliveryOptions]) -> Any:
            shipping = [o for o in options if o.is_shipping_required]
            if not shipping or any(o.selected is None for o in shipping):
                return None
            return shipping[0].selected

        return then(_delivery_options(info, root), pick)

    @staticmethod
    def resolve_subtotal_price(root: CheckoutModel, info: Any) -> Any:
        return then(_totals(info, root), lambda t: _taxed(t.subtotal, root.currency))

    @staticmethod
    def resolve_token(root: CheckoutModel, info: Any) -> Any:
        return root.token

    @staticmethod
    def resolve_total_price(root: CheckoutModel, info: Any) -> Any:
        return then(_totals(info, root), lambda t: _taxed(t.total, root.currency))

    @staticmethod
    def resolve_total_balance(root: CheckoutModel, info: Any) -> Any:
        # Saleor: charged less total (negative while money is owed).
        return then(
            _totals(info, root), lambda t: _money(root.charged_amount - t.total, root.currency)
        )

    @staticmethod
    def resolve_display_gross_prices(root: CheckoutModel, info: Any) -> bool:
        return True

    @staticmethod
    def resolve_authorize_status(root: CheckoutModel, info: Any) -> str:
        return root.authorize_status

    @staticmethod
    def resolve_charge_status(root: CheckoutModel, info: Any) -> str:
        return root.charge_status

    @staticmethod
    def resolve_problems(root: CheckoutModel, info: Any) -> Any:
        def build(values: list[Any]) -> list[Any]:
            infos, channel_obj = values
            by_line = {i.line.pk: i for i in infos}
            for line_info in infos:
                line_info._channel_slug = channel_obj.slug  # type: ignore[attr-defined]
                line_info._currency = root.currency  # type: ignore[attr-defined]
            shaped: list[Any] = []
            problems = checkout_selectors.checkout_problems(checkout=root, lines=infos)
            for problem in problems:
                if isinstance(problem, checkout_selectors.InsufficientStockProblem):
                    line_info = by_line[problem.line.pk]
                    shaped.append(
                        CheckoutLineProblemInsufficientStock(
                            available_quantity=problem.available_quantity,
                            line=line_info,
                            variant=with_channel(problem.variant, channel_obj.slug),
                        )
                    )
                elif isinstance(problem, checkout_selectors.VariantNotAvailableProblem):
                    shaped.append(
                        CheckoutLineProblemVariantNotAvailable(line=by_line[problem.line.pk])
                    )
                else:
                    shaped.append(
                        CheckoutProblemDeliveryMethodInvalid(
                            delivery=problem.delivery.delivery_method
                        )
                    )
            return shaped

        totals = _totals(info, root)
        return then(
            gather([then(totals, lambda t: t.lines), _channel(info, root.channel_id)]), build
        )

    @staticmethod
    def resolve_shop_deliveries(root: CheckoutModel, info: Any) -> Any:
        def build(values: list[Any]) -> list[CheckoutShopDelivery]:
            options, totals = values
            return [
                _shop_delivery(option, totals.for_shop(option.shop.pk), root.currency)
                for option in options
            ]

        return then(gather([_delivery_options(info, root), _totals(info, root)]), build)


# --- orders -----------------------------------------------------------------------------------


class OrderLine(graphene.ObjectType):
    """A sold line: the snapshot taken at the time of sale."""

    class Meta:
        interfaces = (graphene.relay.Node, ObjectWithMetadata)

    product_name = graphene.String(required=True)
    variant_name = graphene.String(required=True)
    product_sku = graphene.String()
    product_variant_id = graphene.String()
    is_shipping_required = graphene.Boolean(required=True)
    quantity = graphene.Int(required=True)
    quantity_fulfilled = graphene.Int(required=True)
    quantity_to_fulfill = graphene.Int(required=True)
    tax_rate = graphene.Float(required=True)
    unit_price = graphene.Field(TaxedMoney, required=True)
    undiscounted_unit_price = graphene.Field(TaxedMoney, required=True)
    unit_discount = graphene.Field(Money, required=True)
    total_price = graphene.Field(TaxedMoney, required=True)
    undiscounted_total_price = graphene.Field(TaxedMoney, required=True)
    variant = graphene.Field(ProductVariant)
    translated_product_name = graphene.String(required=True)
    translated_variant_name = graphene.String(required=True)
    is_gift = graphene.Boolean()
    # Ruralmart extension.
    booking = graphene.Field(Booking)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, order_models.OrderLine)

    @staticmethod
    def resolve_product_variant_id(root: order_models.OrderLine, info: Any) -> str | None:
        return to_global_id("ProductVariant", root.variant_id) if root.variant_id else None

    @staticmethod
    def resolve_quantity_to_fulfill(root: order_models.OrderLine, info: Any) -> int:
        return root.quantity - root.quantity_fulfilled

    @staticmethod
    def resolve_tax_rate(root: order_models.OrderLine, info: Any) -> float:
        return 0.0

    @staticmethod
    def resolve_unit_price(root: order_models.OrderLine, info: Any) -> Any:
        return _taxed(root.unit_price_amount, root.currency)

    resolve_undiscounted_unit_price = resolve_unit_price

    @staticmethod
    def resolve_unit_discount(root: order_models.OrderLine, info: Any) -> Any:
        return _money(ZERO, root.currency)

    @staticmethod
    def resolve_total_price(root: order_models.OrderLine, info: Any) -> Any:
        return _taxed(root.total_price_amount, root.currency)

    resolve_undiscounted_total_price = resolve_total_price

    @staticmethod
    def resolve_variant(root: order_models.OrderLine, info: Any) -> Any:
        if root.variant_id is None:
            return None
        return get_loader(info.context, VariantByIdLoader).load(root.variant_id)

    @staticmethod
    def resolve_translated_product_name(root: order_models.OrderLine, info: Any) -> str:
        return root.product_name

    @staticmethod
    def resolve_translated_variant_name(root: order_models.OrderLine, info: Any) -> str:
        return root.variant_name

    @staticmethod
    def resolve_is_gift(root: order_models.OrderLine, info: Any) -> bool:
        return False

    @staticmethod
    def resolve_booking(root: order_models.OrderLine, info: Any) -> Booking | None:
        return _booking_of(root)


class OrderEvent(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node,)

    date = graphene.DateTime()
    type = graphene.Field(OrderEventsEnum)
    user = graphene.Field(User)
    message = graphene.String()
    email = graphene.String()
    amount = graphene.Float()
    # Ruralmart extension: the shop order an event concerns, if one.
    shop = graphene.Field(Shop)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, order_models.OrderEvent)

    @staticmethod
    def resolve_user(root: order_models.OrderEvent, info: Any) -> Any:
        return _own_user(info, root.user_id)

    @staticmethod
    def resolve_message(root: order_models.OrderEvent, info: Any) -> str | None:
        return (root.parameters or {}).get("message")

    @staticmethod
    def resolve_email(root: order_models.OrderEvent, info: Any) -> str | None:
        return (root.parameters or {}).get("email")

    @staticmethod
    def resolve_amount(root: order_models.OrderEvent, info: Any) -> float | None:
        amount = (root.parameters or {}).get("amount")
        return float(amount) if amount is not None else None

    @staticmethod
    def resolve_shop(root: order_models.OrderEvent, info: Any) -> Any:
        if root.shop_id is None:
            return None
        return get_loader(info.context, ShopByIdLoader).load(root.shop_id)


class FulfillmentLine(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node,)

    quantity = graphene.Int(required=True)
    order_line = graphene.Field(OrderLine)


class Fulfillment(graphene.ObjectType):
    """Saleor's fulfilment; shipments arrive with the logistics issue, so none exist yet."""

    class Meta:
        interfaces = (graphene.relay.Node, ObjectWithMetadata)

    fulfillment_order = graphene.Int(required=True)
    status = graphene.Field(FulfillmentStatus, required=True)
    tracking_number = graphene.String(required=True)
    created = graphene.DateTime(required=True)
    lines = graphene.List(graphene.NonNull(FulfillmentLine))


class OrderDiscount(graphene.ObjectType):
    """A shop voucher's discount on an order (one per shop order that used one)."""

    class Meta:
        interfaces = (graphene.relay.Node,)

    type = graphene.Field(OrderDiscountType, required=True)
    name = graphene.String()
    translated_name = graphene.String()
    value_type = graphene.Field(DiscountValueTypeEnum, required=True)
    reason = graphene.String()
    amount = graphene.Field(Money, required=True)
    total = graphene.Field(Money, required=True)


def _order_discounts(shop_orders: list[order_models.ShopOrder]) -> list[OrderDiscount]:
    return [
        OrderDiscount(
            id=s.pk,
            type=OrderDiscountType.VOUCHER,
            name=s.voucher_code,
            translated_name=s.voucher_code,
            value_type=DiscountValueTypeEnum.FIXED,
            amount=_money(s.discount_amount, s.currency),
            total=_money(s.discount_amount, s.currency),
        )
        for s in shop_orders
        if s.discount_amount > 0
    ]


class ShopOrder(graphene.ObjectType):
    """Ruralmart extension: one shop's part of an order, fulfilled and refunded on its own."""

    class Meta:
        interfaces = (graphene.relay.Node,)

    shop = graphene.Field(Shop, required=True)
    status = graphene.Field(OrderStatus, required=True)
    created = graphene.DateTime(required=True)
    number = graphene.String(required=True, description="The buyer-facing order number.")
    order_id = graphene.ID(required=True, description="The buyer-facing order's ID.")
    lines = graphene.List(graphene.NonNull(OrderLine), required=True)
    delivery_method_name = graphene.String()
    delivery_method = graphene.Field(ShippingMethod)
    voucher_code = graphene.String()
    subtotal = graphene.Field(TaxedMoney, required=True)
    shipping_price = graphene.Field(TaxedMoney, required=True)
    discount = graphene.Field(Money, required=True)
    total = graphene.Field(TaxedMoney, required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, order_models.ShopOrder)

    @staticmethod
    def resolve_shop(root: order_models.ShopOrder, info: Any) -> Any:
        return get_loader(info.context, ShopByIdLoader).load(root.shop_id)

    @staticmethod
    def resolve_created(root: order_models.ShopOrder, info: Any) -> Any:
        return root.created_at

    @staticmethod
    def resolve_number(root: order_models.ShopOrder, info: Any) -> Any:
        order = get_loader(info.context, loaders.OrderByIdLoader).load(root.order_id)
        return then(order, lambda o: str(o.number))

    @staticmethod
    def resolve_order_id(root: order_models.ShopOrder, info: Any) -> str:
        return to_global_id("Order", str(root.order_id))

    @staticmethod
    def resolve_lines(root: order_models.ShopOrder, info: Any) -> Any:
        return get_loader(info.context, loaders.OrderLinesByShopOrderIdLoader).load(root.pk)

    @staticmethod
    def resolve_delivery_method_name(root: order_models.ShopOrder, info: Any) -> str | None:
        return root.delivery_method_name or None

    @staticmethod
    def resolve_delivery_method(root: order_models.ShopOrder, info: Any) -> Any:
        if root.delivery_method_id is None:
            return None
        return get_loader(info.context, loaders.DeliveryMethodByIdLoader).load(
            root.delivery_method_id
        )

    @staticmethod
    def resolve_voucher_code(root: order_models.ShopOrder, info: Any) -> str | None:
        return root.voucher_code or None

    @staticmethod
    def resolve_subtotal(root: order_models.ShopOrder, info: Any) -> Any:
        return _taxed(root.subtotal_amount, root.currency)

    @staticmethod
    def resolve_shipping_price(root: order_models.ShopOrder, info: Any) -> Any:
        return _taxed(root.shipping_amount, root.currency)

    @staticmethod
    def resolve_discount(root: order_models.ShopOrder, info: Any) -> Any:
        return _money(root.discount_amount, root.currency)

    @staticmethod
    def resolve_total(root: order_models.ShopOrder, info: Any) -> Any:
        return _taxed(root.total_amount, root.currency)


_PAID = (order_models.OrderChargeStatus.FULL, order_models.OrderChargeStatus.OVERCHARGED)


class Order(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node, ObjectWithMetadata)
        description = "One buyer-facing order: one number, one payment, one shop order per shop."

    created = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)
    status = graphene.Field(OrderStatus, required=True)
    user = graphene.Field(User)
    billing_address = graphene.Field(Address)
    shipping_address = graphene.Field(Address)
    shipping_method_name = graphene.String()
    channel = graphene.Field(Channel, required=True)
    fulfillments = graphene.List(graphene.NonNull(Fulfillment), required=True)
    lines = graphene.List(graphene.NonNull(OrderLine), required=True)
    shipping_methods = graphene.List(graphene.NonNull(ShippingMethod), required=True)
    number = graphene.String(required=True)
    is_paid = graphene.Boolean(required=True)
    payment_status = graphene.Field(PaymentChargeStatusEnum, required=True)
    payment_status_display = graphene.String(required=True)
    authorize_status = graphene.Field(OrderAuthorizeStatusEnum, required=True)
    charge_status = graphene.Field(OrderChargeStatusEnum, required=True)
    total = graphene.Field(TaxedMoney, required=True)
    undiscounted_total = graphene.Field(TaxedMoney, required=True)
    shipping_price = graphene.Field(TaxedMoney, required=True)
    token = graphene.String(
        required=True, deprecation_reason="Use `id` instead.", description="The order's UUID."
    )
    voucher = graphene.Field(Voucher)
    voucher_code = graphene.String()
    gift_cards = graphene.List(graphene.NonNull(GiftCard), required=True)
    customer_note = graphene.String(required=True)
    subtotal = graphene.Field(TaxedMoney, required=True)
    status_display = graphene.String(required=True)
    total_captured = graphene.Field(Money, required=True)
    total_charged = graphene.Field(Money, required=True)
    total_balance = graphene.Field(Money, required=True)
    events = graphene.List(graphene.NonNull(OrderEvent), required=True)
    user_email = graphene.String()
    is_shipping_required = graphene.Boolean(required=True)
    delivery_method = graphene.Field(DeliveryMethod)
    discount = graphene.Field(Money)
    discounts = graphene.List(graphene.NonNull(OrderDiscount), required=True)
    display_gross_prices = graphene.Boolean(required=True)
    checkout_id = graphene.ID()
    # Ruralmart extension.
    shop_orders = graphene.List(
        graphene.NonNull(ShopOrder), required=True, description="One part per village shop."
    )

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, order_models.Order)

    @staticmethod
    def _shop_orders(root: order_models.Order, info: Any) -> Any:
        return get_loader(info.context, loaders.ShopOrdersByOrderIdLoader).load(root.pk)

    @staticmethod
    def resolve_created(root: order_models.Order, info: Any) -> Any:
        return root.created_at

    @staticmethod
    def resolve_user(root: order_models.Order, info: Any) -> Any:
        return _own_user(info, root.user_id)

    @staticmethod
    def resolve_billing_address(root: order_models.Order, info: Any) -> Any:
        return address_from_snapshot(root.billing_address)

    @staticmethod
    def resolve_shipping_address(root: order_models.Order, info: Any) -> Any:
        return address_from_snapshot(root.shipping_address)

    @staticmethod
    def resolve_shipping_method_name(root: order_models.Order, info: Any) -> Any:
        return then(
            Order._shop_orders(root, info),
            lambda parts: (
                ", ".join(s.delivery_method_name for s in parts if s.delivery_method_name) or None
            ),
        )

    @staticmethod
    def resolve_channel(root: order_models.Order, info: Any) -> Any:
        return _channel(info, root.channel_id)

    @staticmethod
    def resolve_fulfillments(root: order_models.Order, info: Any) -> list[Any]:
        return []

    @staticmethod
    def resolve_lines(root: order_models.Order, info: Any) -> Any:
        return get_loader(info.context, loaders.OrderLinesByOrderIdLoader).load(root.pk)

    @staticmethod
    def resolve_shipping_methods(root: order_models.Order, info: Any) -> list[Any]:
        return []

    @staticmethod
    def resolve_number(root: order_models.Order, info: Any) -> str:
        return str(root.number)

    @staticmethod
    def resolve_is_paid(root: order_models.Order, info: Any) -> bool:
        return root.charge_status in _PAID

    @staticmethod
    def resolve_payment_status(root: order_models.Order, info: Any) -> str:
        by_charge_status: dict[str, str] = {
            order_models.OrderChargeStatus.NONE: "not-charged",
            order_models.OrderChargeStatus.PARTIAL: "partially-charged",
        }
        return by_charge_status.get(str(root.charge_status), "fully-charged")

    @staticmethod
    def resolve_payment_status_display(root: order_models.Order, info: Any) -> str:
        return root.get_charge_status_display()

    @staticmethod
    def resolve_authorize_status(root: order_models.Order, info: Any) -> str:
        return root.authorize_status

    @staticmethod
    def resolve_charge_status(root: order_models.Order, info: Any) -> str:
        return root.charge_status

    @staticmethod
    def resolve_total(root: order_models.Order, info: Any) -> Any:
        return _taxed(root.total_amount, root.currency)

    @staticmethod
    def resolve_undiscounted_total(root: order_models.Order, info: Any) -> Any:
        return _taxed(root.subtotal_amount + root.shipping_amount, root.currency)

    @staticmethod
    def resolve_shipping_price(root: order_models.Order, info: Any) -> Any:
        return _taxed(root.shipping_amount, root.currency)

    @staticmethod
    def resolve_token(root: order_models.Order, info: Any) -> str:
        return str(root.pk)

    @staticmethod
    def resolve_voucher(root: order_models.Order, info: Any) -> Any:
        # Saleor has one voucher per order; ours are per shop. Shown when exactly one applied.
        def one(parts: list[order_models.ShopOrder]) -> Any:
            used = [s.voucher_id for s in parts if s.voucher_id is not None]
            if len(used) != 1:
                return None
            return get_loader(info.context, loaders.VoucherByIdLoader).load(used[0])

        return then(Order._shop_orders(root, info), one)

    @staticmethod
    def resolve_voucher_code(root: order_models.Order, info: Any) -> Any:
        return then(
            Order._shop_orders(root, info),
            lambda parts: (
                ", ".join(sorted({s.voucher_code for s in parts if s.voucher_code})) or None
            ),
        )

    @staticmethod
    def resolve_gift_cards(root: order_models.Order, info: Any) -> list[Any]:
        return []

    @staticmethod
    def resolve_customer_note(root: order_models.Order, info: Any) -> str:
        return ""

    @staticmethod
    def resolve_subtotal(root: order_models.Order, info: Any) -> Any:
        return _taxed(root.subtotal_amount, root.currency)

    @staticmethod
    def resolve_status_display(root: order_models.Order, info: Any) -> str:
        return root.get_status_display()

    @staticmethod
    def resolve_total_captured(root: order_models.Order, info: Any) -> Any:
        return _money(root.charged_amount, root.currency)

    resolve_total_charged = resolve_total_captured

    @staticmethod
    def resolve_total_balance(root: order_models.Order, info: Any) -> Any:
        return _money(root.charged_amount - root.total_amount, root.currency)

    @staticmethod
    def resolve_events(root: order_models.Order, info: Any) -> Any:
        return get_loader(info.context, loaders.OrderEventsByOrderIdLoader).load(root.pk)

    @staticmethod
    def resolve_user_email(root: order_models.Order, info: Any) -> str | None:
        return root.user_email or None

    @staticmethod
    def resolve_is_shipping_required(root: order_models.Order, info: Any) -> Any:
        return then(
            Order._shop_orders(root, info),
            lambda parts: any(s.delivery_method_name for s in parts),
        )

    @staticmethod
    def resolve_delivery_method(root: order_models.Order, info: Any) -> Any:
        # One method fits Saleor's field only when one shop delivers; see shopOrders.
        def one(parts: list[order_models.ShopOrder]) -> Any:
            ids = [s.delivery_method_id for s in parts if s.delivery_method_id is not None]
            if len(ids) != 1:
                return None
            return get_loader(info.context, loaders.DeliveryMethodByIdLoader).load(ids[0])

        return then(Order._shop_orders(root, info), one)

    @staticmethod
    def resolve_discount(root: order_models.Order, info: Any) -> Any:
        return _money(root.discount_amount, root.currency) if root.discount_amount else None

    @staticmethod
    def resolve_discounts(root: order_models.Order, info: Any) -> Any:
        return then(Order._shop_orders(root, info), _order_discounts)

    @staticmethod
    def resolve_display_gross_prices(root: order_models.Order, info: Any) -> bool:
        return True

    @staticmethod
    def resolve_checkout_id(root: order_models.Order, info: Any) -> str | None:
        return to_global_id("Checkout", str(root.checkout_token)) if root.checkout_token else None

    @staticmethod
    def resolve_shop_orders(root: order_models.Order, info: Any) -> Any:
        return Order._shop_orders(root, info)


class OrderCountableConnection(CountableConnection):
    class Meta:
        node = Order
        strict_types = True


class ShopOrderCountableConnection(CountableConnection):
    class Meta:
        node = ShopOrder
        strict_types = True
