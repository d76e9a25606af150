"""Checkout and order queries and mutations (checkoutCreate … checkoutComplete, checkout,
order, orderCancel) and the staff extensions `shopOrders`, `shopOrderFulfill` and
`shopOrderCancel`."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import graphene

from storefront_api.checkout import resolvers
from storefront_api.checkout.mutations.cancel import OrderCancel, ShopOrderCancel
from storefront_api.checkout.mutations.checkout import (
    CheckoutBillingAddressUpdate,
    CheckoutCreate,
    CheckoutCustomerAttach,
    CheckoutCustomerDetach,
    CheckoutEmailUpdate,
    CheckoutLineDelete,
    CheckoutLinesAdd,
    CheckoutLinesDelete,
    CheckoutLinesUpdate,
    CheckoutShippingAddressUpdate,
)
from storefront_api.checkout.mutations.delivery import (
    CheckoutAddPromoCode,
    CheckoutComplete,
    CheckoutDeliveryMethodUpdate,
    CheckoutRemovePromoCode,
    DeliveryOptionsCalculate,
)
from storefront_api.checkout.mutations.fulfilment import ShopOrderFulfill
from storefront_api.checkout.types import (
    Checkout,
    Order,
    OrderStatus,
    ShopOrderCountableConnection,
)
from storefront_api.core.connection import connection_args, paginate


class ShopOrderFilterInput(graphene.InputObjectType):
    status = graphene.List(graphene.NonNull(OrderStatus), description="Any of these statuses.")
    shop = graphene.String(description="Only this shop (its slug), within the caller's scope.")


class CheckoutQueries(graphene.ObjectType):
    checkout = graphene.Field(
        Checkout,
        id=graphene.ID(description="The checkout's ID."),
        token=graphene.UUID(description="The checkout's token.", deprecation_reason="Use `id`."),
        description="Look up an open checkout: the caller's own, or an anonymous one by its ID.",
    )
    order = graphene.Field(
        Order,
        id=graphene.ID(description="ID of the order."),
        external_reference=graphene.String(description="Not supported; always null."),
        description="Look up an order by ID (works anonymously for the confirmation page).",
    )
    # Ruralmart extension.
    shop_orders = graphene.Field(
        ShopOrderCountableConnection,
        filter=graphene.Argument(ShopOrderFilterInput),
        description=(
            "Shop orders in the caller's scope: a manager's own shops, a township officer's "
            "township (read-only), everything for a platform admin."
        ),
        **connection_args(),
    )

    @staticmethod
    def resolve_checkout(
        root: Any, info: Any, id: str | None = None, token: UUID | None = None
    ) -> Any:
        return resolvers.checkout_for_query(info, id=id, token=token)

    @staticmethod
    def resolve_order(root: Any, info: Any, id: str | None = None, **_: Any) -> Any:
        if not id:
            return None
        return resolvers.order_for_query(info, id=id)

    @staticmethod
    def resolve_shop_orders(root: Any, info: Any, filter: Any = None, **page: Any) -> Any:
        queryset = resolvers.shop_orders_visible_to(info)
        filter = filter or {}
        if filter.get("status"):
            queryset = queryset.filter(
                status__in=[getattr(s, "value", s) for s in filter["status"]]
            )
        if filter.get("shop"):
            queryset = queryset.filter(shop__slug=filter["shop"])
        return paginate(
            queryset, ShopOrderCountableConnection, connection_name="shopOrders", **page
        )


class CheckoutMutations(graphene.ObjectType):
    checkout_create = CheckoutCreate.Field()
    checkout_lines_add = CheckoutLinesAdd.Field()
    checkout_lines_update = CheckoutLinesUpdate.Field()
    checkout_lines_delete = CheckoutLinesDelete.Field()
    checkout_line_delete = CheckoutLineDelete.Field(
        deprecation_reason="Use `checkoutLinesDelete` instead."
    )
    checkout_email_update = CheckoutEmailUpdate.Field()
    checkout_shipping_address_update = CheckoutShippingAddressUpdate.Field()
    checkout_billing_address_update = CheckoutBillingAddressUpdate.Field()
    checkout_customer_attach = CheckoutCustomerAttach.Field()
    checkout_customer_detach = CheckoutCustomerDetach.Field()
    delivery_options_calculate = DeliveryOptionsCalculate.Field()
    checkout_delivery_method_update = CheckoutDeliveryMethodUpdate.Field()
    checkout_add_promo_code = CheckoutAddPromoCode.Field()
    checkout_remove_promo_code = CheckoutRemovePromoCode.Field()
    checkout_complete = CheckoutComplete.Field()
    # For platform admins (Saleor's MANAGE_ORDERS).
    order_cancel = OrderCancel.Field()
    # Ruralmart extensions.
    shop_order_fulfill = ShopOrderFulfill.Field()
    shop_order_cancel = ShopOrderCancel.Field()
