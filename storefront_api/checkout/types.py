"""Saleor's checkout types over the checkout domain, plus our per-shop extensions
(`Checkout.shopDeliveries`, `CheckoutLine.booking`). Orders are in `storefront_api.order`.

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

from typing import Any

import graphene

from marketplace.checkout import selectors as checkout_selectors
from marketplace.checkout.error_codes import CheckoutErrorCode as DomainCheckoutErrorCode
from marketplace.checkout.models import Checkout as CheckoutModel
from marketplace.checkout.models import CheckoutAuthorizeStatus, CheckoutChargeStatus
from marketplace.payments.gateways import available_gateways
from storefront_api.account.types import (
    Address,
    AddressTypeEnum,
    User,
    address_from_snapshot,
    customer_visible_to_caller,
)
from storefront_api.bookings.types import Booking, booking_of
from storefront_api.catalog.types import ProductVariant
from storefront_api.channel.dataloaders import ChannelByIdLoader
from storefront_api.channel.types import Channel
from storefront_api.checkout import dataloaders as loaders
from storefront_api.core.channel import with_channel
from storefront_api.core.dataloaders import gather, get_loader, then
from storefront_api.core.enums import api_enum, domain_enum
from storefront_api.core.types import (
    Money,
    ObjectWithMetadata,
    TaxedMoney,
    as_money,
    as_taxed_money,
)
from storefront_api.discount.types import GiftCard
from storefront_api.payment.types import PaymentGateway
from storefront_api.shipping.types import Delivery, ShippingMethod, UnavailableShippingMethod
from storefront_api.shops.types import Shop

CheckoutErrorCode = domain_enum(DomainCheckoutErrorCode, name="CheckoutErrorCode")
CheckoutChargeStatusEnum = domain_enum(CheckoutChargeStatus, name="CheckoutChargeStatusEnum")
CheckoutAuthorizeStatusEnum = domain_enum(
    CheckoutAuthorizeStatus, name="CheckoutAuthorizeStatusEnum"
)


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
    unavailable_deliveries = graphene.List(
        graphene.NonNull(UnavailableShippingMethod),
        required=True,
        description="The shop's methods that cannot deliver these goods to the address, and why.",
    )


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
        subtotal_price=as_taxed_money(amounts.subtotal, currency),
        shipping_price=as_taxed_money(amounts.shipping, currency),
        discount=as_money(amounts.discount, currency),
        voucher_code=amounts.voucher.code if amounts.voucher and amounts.discount else None,
        total_price=as_taxed_money(amounts.total, currency),
        unavailable_deliveries=option.unavailable,
    )


# --- checkout lines ---------------------------------------------------------------------------


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
        return as_taxed_money(root.unit_price, root._currency)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_undiscounted_unit_price(
        root: checkout_selectors.LineInfo, info: Any
    ) -> dict[str, Any]:
        return as_money(root.unit_price, root._currency)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_total_price(root: checkout_selectors.LineInfo, info: Any) -> dict[str, Any]:
        return as_taxed_money(root.total_price, root._currency)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_undiscounted_total_price(
        root: checkout_selectors.LineInfo, info: Any
    ) -> dict[str, Any]:
        return as_money(root.total_price, root._currency)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_requires_shipping(root: checkout_selectors.LineInfo, info: Any) -> bool:
        return root.is_shipping_required

    @staticmethod
    def resolve_is_gift(root: checkout_selectors.LineInfo, info: Any) -> bool:
        return False

    @staticmethod
    def resolve_booking(root: checkout_selectors.LineInfo, info: Any) -> Booking | None:
        return booking_of(root.line)


class CheckoutLineProblemInsufficientStock(graphene.ObjectType):
    available_quantity = graphene.Int()
    line = graphene.Field(CheckoutLine, required=True)
    variant = graphene.Field(ProductVariant, required=True)


class CheckoutLineProblemVariantNotAvailable(graphene.ObjectType):
    line = graphene.Field(CheckoutLine, required=True)


class CheckoutProblemDeliveryMethodStale(graphene.ObjectType):
    """The chosen delivery's price moved since the buyer chose it (the shop changed its
    rates); choosing it again accepts the new price, and checkoutComplete refuses until then."""

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
    return get_loader(info.context, ChannelByIdLoader).load(channel_id)


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
    # Ruralmart extensions.
    unavailable_shipping_methods = graphene.List(
        graphene.NonNull(UnavailableShippingMethod),
        required=True,
        description=(
            "Methods left out of shippingMethods because they cannot deliver these goods to "
            "the shipping address, each with the reason."
        ),
    )
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
        return customer_visible_to_caller(info, root.user_id)

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
        return then(_totals(info, root), lambda t: as_money(t.discount, root.currency))

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
    def resolve_unavailable_shipping_methods(root: CheckoutModel, info: Any) -> Any:
        return then(
            _delivery_options(info, root),
            lambda options: [q for option in options for q in option.unavailable],
        )

    @staticmethod
    def resolve_available_payment_gateways(root: CheckoutModel, info: Any) -> Any:
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
        return then(_totals(info, root), lambda t: as_taxed_money(t.shipping, root.currency))

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
        return then(_totals(info, root), lambda t: as_taxed_money(t.subtotal, root.currency))

    @staticmethod
    def resolve_token(root: CheckoutModel, info: Any) -> Any:
        return root.token

    @staticmethod
    def resolve_total_price(root: CheckoutModel, info: Any) -> Any:
        return then(_totals(info, root), lambda t: as_taxed_money(t.total, root.currency))

    @staticmethod
    def resolve_total_balance(root: CheckoutModel, info: Any) -> Any:
        # Saleor: charged less total (negative while money is owed).
        return then(
            _totals(info, root), lambda t: as_money(root.charged_amount - t.total, root.currency)
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
            totals, channel_obj = values
            infos = totals.lines
            by_line = {i.line.pk: i for i in infos}
            for line_info in infos:
                line_info._channel_slug = channel_obj.slug  # type: ignore[attr-defined]
                line_info._currency = root.currency  # type: ignore[attr-defined]
            shaped: list[Any] = []
            problems = checkout_selectors.checkout_problems(
                checkout=root, lines=infos, totals=totals
            )
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
                elif isinstance(problem, checkout_selectors.DeliveryMethodStaleProblem):
                    shaped.append(
                        CheckoutProblemDeliveryMethodStale(
                            delivery=problem.delivery.delivery_method
                        )
                    )
                else:
                    shaped.append(
                        CheckoutProblemDeliveryMethodInvalid(
                            delivery=problem.delivery.delivery_method
                        )
                    )
            return shaped

        return then(gather([_totals(info, root), _channel(info, root.channel_id)]), build)

    @staticmethod
    def resolve_shop_deliveries(root: CheckoutModel, info: Any) -> Any:
        def build(values: list[Any]) -> list[CheckoutShopDelivery]:
            options, totals = values
            return [
                _shop_delivery(option, totals.for_shop(option.shop.pk), root.currency)
                for option in options
            ]

        return then(gather([_delivery_options(info, root), _totals(info, root)]), build)
