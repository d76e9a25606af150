"""Saleor's discount types over the shop vouchers of the checkout domain, and the gift
card type Saleor's checkout and order answer with (Ruralmart sells none)."""

from __future__ import annotations

from typing import Any

import graphene

from marketplace.checkout.models import Voucher as VoucherModel
from marketplace.checkout.models import VoucherDiscountType
from storefront_api.core.dataloaders import get_loader
from storefront_api.core.enums import domain_enum
from storefront_api.core.types import Money, ObjectWithMetadata, as_money
from storefront_api.organisations.dataloaders import ShopByIdLoader
from storefront_api.shops.types import Shop

DiscountValueTypeEnum = domain_enum(
    VoucherDiscountType, name="DiscountValueTypeEnum", api_names=("FIXED", "PERCENTAGE")
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
        return as_money(root.min_spend_amount, "CNY") if root.min_spend_amount else None

    @staticmethod
    def resolve_shop(root: VoucherModel, info: Any) -> Any:
        return get_loader(info.context, ShopByIdLoader).load(root.shop_id)
