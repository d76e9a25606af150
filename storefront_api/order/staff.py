"""The caller check and the lookup behind every staff operation on one shop order
(`shopOrderFulfill`, `shopOrderCancel`, `shopOrderRefund`, `shopOrderRefunds`) and behind
`orderCancel`.

Shop-order IDs are sequential integers, so the order of the two steps matters: a caller who
manages no shop and is no platform admin is refused before anything is looked up. Were the
lookup first, NOT_FOUND against PermissionDenied would tell any logged-in buyer which IDs
exist. Whether the caller manages *this* shop order's shop stays the domain service's
check (PermissionRefused there).
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from marketplace.accounts.permissions import can_manage_any_shop, role_scopes
from marketplace.core.errors import refuse
from marketplace.orders.models import ShopOrder
from storefront_api.core.errors import ApiError, PermissionDenied
from storefront_api.core.ids import decode_id


def _refused(user: Any, who: str) -> PermissionDenied:
    hint = ": log in." if not user.is_authenticated else "."
    return PermissionDenied(f"{who}{hint}")


def require_shop_staff(info: Any, *, who: str) -> Any:
    """The caller, when they manage a shop or are a platform admin; PermissionDenied
    otherwise, saying `who` the operation is for (e.g. "Refunds are for shop managers")."""
    user = info.context.user
    if not can_manage_any_shop(user=user):  # anonymous callers hold no role
        raise _refused(user, who)
    return user


def require_platform_admin(info: Any, *, who: str) -> Any:
    """The caller, when they are a platform admin; PermissionDenied otherwise."""
    user = info.context.user
    if not role_scopes(user).is_platform_admin:
        raise _refused(user, who)
    return user


def shop_order_from_global_id(global_id: str, *, field: str, codes: type[Enum]) -> ShopOrder:
    """The shop order `global_id` names. A malformed ID or one of another type is refused on
    `field` with `codes.GRAPHQL_ERROR`, an unknown one with `codes.NOT_FOUND`: each
    mutation reports them in its own error enum under its own argument name."""
    try:
        pk = decode_id(global_id, expected_type="ShopOrder", field=field)
    except ApiError as exc:
        raise refuse(field, exc.message, codes["GRAPHQL_ERROR"]) from None
    shop_order = ShopOrder.objects.select_related("shop", "order").filter(pk=pk).first()
    if shop_order is None:
        raise refuse(field, "No such shop order.", codes["NOT_FOUND"])
    return shop_order
