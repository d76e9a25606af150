"""Reads of orders: by id for the confirmation page, a buyer's orders, a shop's orders."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from marketplace.accounts.models import User
from marketplace.orders.models import Order, OrderLine, ShopOrder
from marketplace.organisations.models import Shop


def order_get(*, order_id: UUID | str) -> Order | None:
    """The order with this id, or None. Ids are random UUIDs, so the storefront's anonymous
    confirmation page may look an order up by id alone (as in Saleor)."""
    try:
        return Order.objects.filter(pk=order_id).first()
    # A malformed id is "not found", never a 500.
    except (ValueError, TypeError, ValidationError):
        return None


def orders_of_user(*, user: User) -> QuerySet[Order]:
    return Order.objects.filter(user=user).order_by("-number")


def order_lines(*, order: Order) -> QuerySet[OrderLine]:
    """The order's lines across its shop orders, shop by shop."""
    return OrderLine.objects.filter(shop_order__order=order).order_by("shop_order__shop_id", "pk")


def shop_orders_of_shop(*, shop: Shop) -> QuerySet[ShopOrder]:
    """A shop's own parts of orders, newest first: what its manager sees and manages."""
    return ShopOrder.objects.filter(shop=shop).select_related("order").order_by("-created_at")


def shop_orders_visible_to(*, user: Any) -> QuerySet[ShopOrder]:
    """Shop orders by role: a manager's (or counter operator's) own shops, a township
    officer's township (read-only), everything for the platform admin, nothing otherwise."""
    from marketplace.accounts.permissions import role_scopes

    scopes = role_scopes(user)
    queryset = ShopOrder.objects.order_by("-created_at", "-pk")
    if scopes.is_platform_admin:
        return queryset
    return queryset.filter(
        Q(shop_id__in=scopes.managed_shop_ids | scopes.operated_shop_ids)
        | Q(shop__village__township_id__in=scopes.township_ids)
    )
