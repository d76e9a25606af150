"""Saleor's order types over the orders domain, plus our per-shop extension
(`Order.shopOrders`, each `ShopOrder` fulfilled and refunded on its own).

An order is the checkout's snapshot: lines, prices, addresses and delivery names are read
from the order's own rows, never from the live catalogue, so an order shows what was sold
even after the product changes. Every relation resolves through `dataloaders.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import graphene

from logistics.shipment_status import ShipmentStatus
from logistics.shipments.models import Shipment, ShipmentEvent
from marketplace.orders import models as order_models
from storefront_api.account.types import (
    Address,
    User,
    address_from_snapshot,
    customer_visible_to_caller,
)
from storefront_api.bookings.types import Booking, booking_of
from storefront_api.catalog.dataloaders import VariantByIdLoader
from storefront_api.catalog.types import ProductVariant, image_field, product_thumbnail
from storefront_api.channel.dataloaders import ChannelByIdLoader
from storefront_api.channel.types import Channel
from storefront_api.core.connection import CountableConnection
from storefront_api.core.dataloaders import get_loader, then
from storefront_api.core.enums import api_enum, domain_enum
from storefront_api.core.ids import to_global_id
from storefront_api.core.types import (
    Money,
    ObjectWithMetadata,
    TaxedMoney,
    as_money,
    as_taxed_money,
)
from storefront_api.discount.dataloaders import VoucherByIdLoader
from storefront_api.discount.types import DiscountValueTypeEnum, GiftCard, Voucher
from storefront_api.order import dataloaders as loaders
from storefront_api.organisations.dataloaders import ShopByIdLoader
from storefront_api.shipping.dataloaders import DeliveryMethodByIdLoader
from storefront_api.shipping.types import DeliveryMethod, ShippingMethod
from storefront_api.shops.types import Shop

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
    thumbnail = image_field()
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
        return as_taxed_money(root.unit_price_amount, root.currency)

    resolve_undiscounted_unit_price = resolve_unit_price

    @staticmethod
    def resolve_unit_discount(root: order_models.OrderLine, info: Any) -> Any:
        return as_money(None, root.currency)

    @staticmethod
    def resolve_total_price(root: order_models.OrderLine, info: Any) -> Any:
        return as_taxed_money(root.total_price_amount, root.currency)

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
        return booking_of(root)

    @staticmethod
    def resolve_thumbnail(
        root: order_models.OrderLine, info: Any, size: int | None = None, **_: Any
    ) -> Any:
        # The sold variant's product picture today; none once the variant is deleted (the
        # line keeps its names, not its pictures).
        if root.variant_id is None:
            return None
        variant = get_loader(info.context, VariantByIdLoader).load(root.variant_id)
        return then(
            variant,
            lambda v: (
                product_thumbnail(info, product_id=v.product_id, size=size, alt=root.product_name)
                if v is not None
                else None
            ),
        )


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
        return customer_visible_to_caller(info, root.user_id)

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


@dataclass(frozen=True)
class _FulfilledLine:
    # A parcel carries its whole shop order (logistics ships a shop order at once), so each
    # of the shop order's lines is in it in full. The ID joins parcel and line.
    id: str
    quantity: int
    order_line: order_models.OrderLine


TrackingStatusEnum = domain_enum(
    ShipmentStatus,
    name="TrackingStatusEnum",
    description="Where a parcel is (Ruralmart extension of Saleor's fulfilment).",
)


class TrackingEvent(graphene.ObjectType):
    """Ruralmart extension: one line of a parcel's tracking, including the events of the
    consolidated consignment it travelled in."""

    time = graphene.DateTime(required=True)
    status = graphene.Field(TrackingStatusEnum, description="Null for a note with no move.")
    text = graphene.String(required=True)
    location = graphene.String()

    @staticmethod
    def resolve_time(root: ShipmentEvent, info: Any) -> Any:
        return root.occurred_at

    @staticmethod
    def resolve_status(root: ShipmentEvent, info: Any) -> str | None:
        return root.status or None

    @staticmethod
    def resolve_text(root: ShipmentEvent, info: Any) -> str:
        return root.description

    @staticmethod
    def resolve_location(root: ShipmentEvent, info: Any) -> str | None:
        return root.location or None


# Saleor's fulfilment statuses say what happened to the goods commercially; a parcel sent
# back is RETURNED, every other parcel (on its way, arrived, even lost) was FULFILLED.
_FULFILLMENT_STATUS = {ShipmentStatus.RETURNED: "returned"}


class Fulfillment(graphene.ObjectType):
    """Saleor's fulfilment: one parcel (waybill) of one shop order, from logistics."""

    class Meta:
        interfaces = (graphene.relay.Node, ObjectWithMetadata)

    fulfillment_order = graphene.Int(required=True)
    status = graphene.Field(FulfillmentStatus, required=True)
    tracking_number = graphene.String(required=True)
    created = graphene.DateTime(required=True)
    lines = graphene.List(graphene.NonNull(FulfillmentLine))
    status_display = graphene.String()
    # Ruralmart extensions.
    carrier = graphene.String(required=True, description="Kuaidi100's carrier code.")
    tracking_status = graphene.Field(TrackingStatusEnum, required=True)
    tracking_events = graphene.List(
        graphene.NonNull(TrackingEvent), required=True, description="Oldest first."
    )

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, Shipment)

    @staticmethod
    def resolve_fulfillment_order(root: Shipment, info: Any) -> int:
        # Numbered by the order's loader; a parcel reached another way is its order's newest.
        return getattr(root, "fulfillment_order", 1)

    @staticmethod
    def resolve_status(root: Shipment, info: Any) -> str:
        return _FULFILLMENT_STATUS.get(ShipmentStatus(root.status), "fulfilled")

    @staticmethod
    def resolve_status_display(root: Shipment, info: Any) -> str:
        return root.get_status_display()

    @staticmethod
    def resolve_created(root: Shipment, info: Any) -> Any:
        return root.created_at

    @staticmethod
    def resolve_tracking_status(root: Shipment, info: Any) -> str:
        return root.status

    @staticmethod
    def resolve_lines(root: Shipment, info: Any) -> Any:
        if root.shop_order_id is None:  # a consignment carries no order lines of its own
            return []
        lines = get_loader(info.context, loaders.OrderLinesByShopOrderIdLoader).load(
            root.shop_order_id
        )
        return then(
            lines,
            lambda rows: [
                _FulfilledLine(id=f"{root.pk}-{line.pk}", quantity=line.quantity, order_line=line)
                for line in rows
            ],
        )

    @staticmethod
    def resolve_tracking_events(root: Shipment, info: Any) -> Any:
        return get_loader(info.context, loaders.TrackingByShipmentIdLoader).load(root.pk)


def order_fulfillments(info: Any, order_id: Any) -> Any:
    """The order's parcels, numbered across the order (see `ParcelsByOrderIdLoader`)."""
    return get_loader(info.context, loaders.ParcelsByOrderIdLoader).load(order_id)


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
            amount=as_money(s.discount_amount, s.currency),
            total=as_money(s.discount_amount, s.currency),
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
    fulfillments = graphene.List(
        graphene.NonNull(Fulfillment), required=True, description="This shop's parcels."
    )

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, order_models.ShopOrder)

    @staticmethod
    def resolve_fulfillments(root: order_models.ShopOrder, info: Any) -> Any:
        return then(
            order_fulfillments(info, root.order_id),
            lambda parcels: [p for p in parcels if p.shop_order_id == root.pk],
        )

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
        return get_loader(info.context, DeliveryMethodByIdLoader).load(root.delivery_method_id)

    @staticmethod
    def resolve_voucher_code(root: order_models.ShopOrder, info: Any) -> str | None:
        return root.voucher_code or None

    @staticmethod
    def resolve_subtotal(root: order_models.ShopOrder, info: Any) -> Any:
        return as_taxed_money(root.subtotal_amount, root.currency)

    @staticmethod
    def resolve_shipping_price(root: order_models.ShopOrder, info: Any) -> Any:
        return as_taxed_money(root.shipping_amount, root.currency)

    @staticmethod
    def resolve_discount(root: order_models.ShopOrder, info: Any) -> Any:
        return as_money(root.discount_amount, root.currency)

    @staticmethod
    def resolve_total(root: order_models.ShopOrder, info: Any) -> Any:
        return as_taxed_money(root.total_amount, root.currency)


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
        return customer_visible_to_caller(info, root.user_id)

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
        return get_loader(info.context, ChannelByIdLoader).load(root.channel_id)

    @staticmethod
    def resolve_fulfillments(root: order_models.Order, info: Any) -> Any:
        return order_fulfillments(info, root.pk)

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
        return as_taxed_money(root.total_amount, root.currency)

    @staticmethod
    def resolve_undiscounted_total(root: order_models.Order, info: Any) -> Any:
        return as_taxed_money(root.subtotal_amount + root.shipping_amount, root.currency)

    @staticmethod
    def resolve_shipping_price(root: order_models.Order, info: Any) -> Any:
        return as_taxed_money(root.shipping_amount, root.currency)

    @staticmethod
    def resolve_token(root: order_models.Order, info: Any) -> str:
        return str(root.pk)

    @staticmethod
    def _the_only(root: order_models.Order, info: Any, attribute: str, loader: Any) -> Any:
        """A Saleor field that has one value per order from our per-shop parts: the row the
        shop orders name in `attribute`, when exactly one of them names one."""

        def one(parts: list[order_models.ShopOrder]) -> Any:
            ids = [getattr(s, attribute) for s in parts if getattr(s, attribute) is not None]
            return get_loader(info.context, loader).load(ids[0]) if len(ids) == 1 else None

        return then(Order._shop_orders(root, info), one)

    @staticmethod
    def resolve_voucher(root: order_models.Order, info: Any) -> Any:
        # Saleor has one voucher per order; ours are per shop. Shown when exactly one applied.
        return Order._the_only(root, info, "voucher_id", VoucherByIdLoader)

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
        return as_taxed_money(root.subtotal_amount, root.currency)

    @staticmethod
    def resolve_status_display(root: order_models.Order, info: Any) -> str:
        return root.get_status_display()

    @staticmethod
    def resolve_total_captured(root: order_models.Order, info: Any) -> Any:
        return as_money(root.charged_amount, root.currency)

    resolve_total_charged = resolve_total_captured

    @staticmethod
    def resolve_total_balance(root: order_models.Order, info: Any) -> Any:
        return as_money(root.charged_amount - root.total_amount, root.currency)

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
        return Order._the_only(root, info, "delivery_method_id", DeliveryMethodByIdLoader)

    @staticmethod
    def resolve_discount(root: order_models.Order, info: Any) -> Any:
        return as_money(root.discount_amount, root.currency) if root.discount_amount else None

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
