"""Looking up orders for a caller: an order by its global ID (the random UUID is the
secret, as Saleor's token is), and the staff scope of shop orders."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from marketplace.accounts.permissions import role_scopes
from marketplace.orders import selectors as order_selectors
from marketplace.orders.models import Order, ShopOrder
from storefront_api.core.errors import ApiError, PermissionDenied
from storefront_api.core.ids import decode_uuid_id


def order_for_query(info: Any, *, id: str) -> Order | None:
    """`order(id)`: any order by its global ID (the UUID is the secret, as Saleor's token)."""
    pk = decode_uuid_id(id, expected_type="Order")
    if pk is None:
        raise ApiError(f"Couldn't resolve to a node: {id}", code="GRAPHQL_ERROR", field="id")
    return order_selectors.order_get(order_id=pk)


# --- staff view of shop orders -------------------------------------------------------------


def shop_orders_visible_to(info: Any) -> QuerySet[ShopOrder]:
    """Buyers and anonymous callers are refused, not given an empty list."""
    if not role_scopes(info.context.user).is_staff_role:
        raise PermissionDenied(
            "Only shop managers, township officers and platform admins can list shop orders."
        )
    return order_selectors.shop_orders_visible_to(user=info.context.user)
