"""Order queries and mutations: `order`, Saleor's `orderCancel`, and the staff extensions
`shopOrders`, `shopOrderFulfill` and `shopOrderCancel`."""

from __future__ import annotations

from typing import Any

import graphene

from storefront_api.core.connection import connection_args, paginate
from storefront_api.order import resolvers
from storefront_api.order.mutations.cancel import OrderCancel, ShopOrderCancel
from storefront_api.order.mutations.fulfilment import ShopOrderFulfill
from storefront_api.order.types import Order, OrderStatus, ShopOrderCountableConnection


class ShopOrderFilterInput(graphene.InputObjectType):
    status = graphene.List(graphene.NonNull(OrderStatus), description="Any of these statuses.")
    shop = graphene.String(description="Only this shop (its slug), within the caller's scope.")


class OrderQueries(graphene.ObjectType):
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


class OrderMutations(graphene.ObjectType):
    # For platform admins (Saleor's MANAGE_ORDERS).
    order_cancel = OrderCancel.Field()
    # Ruralmart extensions.
    shop_order_fulfill = ShopOrderFulfill.Field()
    shop_order_cancel = ShopOrderCancel.Field()
