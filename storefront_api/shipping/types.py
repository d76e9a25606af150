"""Saleor's shipping types over the logistics domain: a shop's delivery method as
`ShippingMethod`, the option a buyer picks as `Delivery`, and the `DeliveryMethod` union
that orders and checkouts answer with."""

from __future__ import annotations

from typing import Any

import graphene

from logistics.error_codes import DeliveryErrorCode as DomainDeliveryErrorCode
from logistics.error_codes import refusal_reason
from logistics.models import DeliveryMethod as DeliveryMethodModel
from logistics.models import DeliveryMethodKind
from logistics.selectors import DeliveryQuote
from storefront_api.core.dataloaders import get_loader
from storefront_api.core.enums import domain_enum
from storefront_api.core.ids import to_global_id
from storefront_api.core.types import Money, ObjectWithMetadata, as_money
from storefront_api.organisations.dataloaders import ShopByIdLoader
from storefront_api.shops.types import Shop

DeliveryMethodKindEnum = domain_enum(DeliveryMethodKind, name="DeliveryMethodKindEnum")
DeliveryErrorCode = domain_enum(DomainDeliveryErrorCode, name="DeliveryErrorCode")


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
        # Within a checkout a method is priced for that cart and address (weight, zone,
        # free-above: `checkout.selectors.delivery_options`); elsewhere its base price.
        quoted = getattr(root, "quoted_price", None)
        return as_money(quoted if quoted is not None else root.price_for(), "CNY")

    @staticmethod
    def resolve_active(root: DeliveryMethodModel, info: Any) -> bool:
        return root.is_active

    @staticmethod
    def resolve_shop(root: DeliveryMethodModel, info: Any) -> Any:
        return get_loader(info.context, ShopByIdLoader).load(root.shop_id)


class UnavailableShippingMethod(graphene.ObjectType):
    """Ruralmart extension: a method of the shop that cannot deliver this checkout's goods to
    its address, and why. Such methods are left out of `shippingMethods`."""

    shipping_method = graphene.Field(ShippingMethod, required=True)
    reason = graphene.Field(DeliveryErrorCode, required=True)
    message = graphene.String(required=True)

    @staticmethod
    def resolve_shipping_method(root: DeliveryQuote, info: Any) -> DeliveryMethodModel:
        return root.method

    @staticmethod
    def resolve_reason(root: DeliveryQuote, info: Any) -> Any:
        return root.refusal

    @staticmethod
    def resolve_message(root: DeliveryQuote, info: Any) -> str:
        return f"{root.method.name} cannot deliver here: " + refusal_reason(
            root.refusal or DomainDeliveryErrorCode.INVALID
        )


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
