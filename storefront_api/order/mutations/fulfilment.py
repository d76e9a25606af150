"""Ruralmart extension: a shop fulfils its own part of an order (`shopOrderFulfill`)."""

from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import ValidationError

from marketplace.core.errors import PermissionRefused
from marketplace.orders.error_codes import OrderErrorCode as DomainOrderErrorCode
from marketplace.orders.lifecycle import shop_order_fulfil
from marketplace.payments.selectors import order_pays_on_handover
from storefront_api.core.errors import PermissionDenied
from storefront_api.core.mutations import ErrorsMutation
from storefront_api.order.mutations.base import OrderErrorCode, order_error_entries
from storefront_api.order.staff import require_shop_staff, shop_order_from_global_id
from storefront_api.order.types import ShopOrder


class ShopOrderFulfillError(graphene.ObjectType):
    field = graphene.String()
    message = graphene.String()
    code = graphene.Field(OrderErrorCode, required=True)


class ShopOrderFulfill(ErrorsMutation):
    class Arguments:
        id = graphene.ID(required=True, description="The ShopOrder to hand over.")
        tracking_number = graphene.String(description="The carrier's tracking number, if any.")

    class Meta:
        description = (
            "Ruralmart extension: the shop ships its part of the order or hands it over at "
            "the village station; stock leaves the warehouse. For the shop's managers."
        )

    shop_order = graphene.Field(ShopOrder)
    errors = graphene.List(graphene.NonNull(ShopOrderFulfillError), required=True)

    @classmethod
    def errors_from(cls, exc: ValidationError) -> list[ShopOrderFulfillError]:
        return [
            ShopOrderFulfillError(field=field, message=message, code=code)
            for field, message, code in order_error_entries(exc)
        ]

    @classmethod
    def perform(cls, info: Any, id: str, tracking_number: str = "") -> ShopOrderFulfill:
        user = require_shop_staff(info, who="Fulfilling orders is for shop managers")
        shop_order = shop_order_from_global_id(id, field="id", codes=DomainOrderErrorCode)
        try:
            fulfilled = shop_order_fulfil(
                shop_order=shop_order,
                actor=user,
                tracking_number=tracking_number or "",
                allow_unpaid=order_pays_on_handover(order=shop_order.order),
            )
        except PermissionRefused as exc:
            raise PermissionDenied(exc.message) from None
        return cls(shop_order=fulfilled, errors=[])
