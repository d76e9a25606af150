"""Calling orders off: the Ruralmart extension `shopOrderCancel` (a shop cancels its own part
of an order) and Saleor's `orderCancel` (a platform admin cancels a whole order).

Both are thin: refuse callers without a staff role (before the lookup, so that NOT_FOUND
tells outsiders nothing), resolve the ID, and call the payments domain's
cancel-and-refund, which cancels through the orders services and then refunds what was
paid. Refusals come back as `errors` with OrderErrorCode; "you may not" is a GraphQL error
(PermissionDenied), as for `shopOrderFulfill`.
"""

from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import ValidationError

from marketplace.core.errors import PermissionRefused, refuse
from marketplace.orders.error_codes import OrderErrorCode as DomainOrderErrorCode
from marketplace.orders.models import Order as OrderModel
from marketplace.payments.cancellation import order_cancel_and_refund, shop_order_cancel_and_refund
from storefront_api.account.types import AddressTypeEnum
from storefront_api.core.errors import PermissionDenied
from storefront_api.core.ids import decode_uuid_id
from storefront_api.core.mutations import ErrorsMutation
from storefront_api.order.mutations.base import OrderErrorCode, order_error_entries
from storefront_api.order.staff import (
    require_platform_admin,
    require_shop_staff,
    shop_order_from_global_id,
)
from storefront_api.order.types import Order, ShopOrder

# Saleor's orderCancel takes no reason; the order's history and the buyer's notice say this.
ORDER_CANCEL_REASON = "Cancelled by the platform"


class ShopOrderCancelError(graphene.ObjectType):
    field = graphene.String()
    message = graphene.String()
    code = graphene.Field(OrderErrorCode, required=True)


class ShopOrderCancel(ErrorsMutation):
    class Arguments:
        id = graphene.ID(required=True, description="The ShopOrder to cancel.")
        reason = graphene.String(
            required=True, description="Why; recorded in the order's history and told the buyer."
        )

    class Meta:
        description = (
            "Ruralmart extension: the shop calls off its part of an order before anything of "
            "it is handed over. Stock and booking days go back on sale, and a paid shop order "
            "is refunded in full. Repeating it changes nothing. For the shop's managers and "
            "platform admins."
        )

    shop_order = graphene.Field(ShopOrder)
    errors = graphene.List(graphene.NonNull(ShopOrderCancelError), required=True)

    @classmethod
    def errors_from(cls, exc: ValidationError) -> list[ShopOrderCancelError]:
        return [
            ShopOrderCancelError(field=field, message=message, code=code)
            for field, message, code in order_error_entries(exc)
        ]

    @classmethod
    def perform(cls, info: Any, id: str, reason: str) -> ShopOrderCancel:
        user = require_shop_staff(
            info, who="Cancelling shop orders is for shop managers and platform admins"
        )
        shop_order = shop_order_from_global_id(id, field="id", codes=DomainOrderErrorCode)
        try:
            outcome = shop_order_cancel_and_refund(actor=user, shop_order=shop_order, reason=reason)
        except PermissionRefused as exc:
            raise PermissionDenied(exc.message) from None
        return cls(shop_order=outcome.shop_orders[0], errors=[])


# Saleor's OrderError. Ruralmart fills `field`, `message` and `code`; the other fields are
# Saleor's and stay null (no refusal here concerns a warehouse, a line or an address).
class OrderError(graphene.ObjectType):
    field = graphene.String(
        description="Name of a field that caused the error. A value of `null` indicates that "
        "the error isn't associated with a particular field."
    )
    message = graphene.String(description="The error message.")
    code = graphene.Field(OrderErrorCode, required=True, description="The error code.")
    warehouse = graphene.ID(description="Warehouse ID which causes the error.")
    order_lines = graphene.List(
        graphene.NonNull(graphene.ID), description="List of order line IDs that cause the error."
    )
    variants = graphene.List(
        graphene.NonNull(graphene.ID),
        description="List of product variants that are associated with the error",
    )
    address_type = graphene.Field(
        AddressTypeEnum, description="A type of address that causes the error."
    )


class OrderCancel(ErrorsMutation):
    class Arguments:
        id = graphene.ID(required=True, description="ID of the order to cancel.")

    class Meta:
        description = (
            "Cancel an order: every shop order of it, as long as none was fulfilled; stock and "
            "booking days go back on sale and paid shop orders are refunded in full. For "
            "platform admins (Saleor: MANAGE_ORDERS)."
        )

    order = graphene.Field(Order, description="Canceled order.")
    order_errors = graphene.List(
        graphene.NonNull(OrderError),
        required=True,
        deprecation_reason="Use `errors` field instead.",
    )
    errors = graphene.List(graphene.NonNull(OrderError), required=True)

    @classmethod
    def errors_from(cls, exc: ValidationError) -> list[OrderError]:
        return [
            OrderError(field=field, message=message, code=code)
            for field, message, code in order_error_entries(exc)
        ]

    legacy_errors_field = "order_errors"

    @classmethod
    def perform(cls, info: Any, id: str) -> OrderCancel:
        # Before the lookup, so that NOT_FOUND is only ever told to those who may cancel.
        user = require_platform_admin(info, who="Cancelling whole orders is for platform admins")
        pk = decode_uuid_id(id, expected_type="Order")
        if pk is None:
            raise refuse("id", f"Couldn't resolve id: {id}.", DomainOrderErrorCode.GRAPHQL_ERROR)
        order = OrderModel.objects.filter(pk=pk).first()
        if order is None:
            raise refuse("id", "No such order.", DomainOrderErrorCode.NOT_FOUND)
        try:
            outcome = order_cancel_and_refund(actor=user, order=order, reason=ORDER_CANCEL_REASON)
        except PermissionRefused as exc:
            raise PermissionDenied(exc.message) from None
        return cls(order=outcome.order, errors=[])
