"""Reads of orders: by id for the confirmation page, a buyer's orders, a shop's orders, what
the live shop orders of an order cost, and the booking hold behind each tourism line."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet, Sum

from marketplace.accounts.models import User
from marketplace.accounts.permissions import role_scopes
from marketplace.orders.models import Order, OrderLine, OrderStatus, ShopOrder
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
    scopes = role_scopes(user)
    queryset = ShopOrder.objects.order_by("-created_at", "-pk")
    if scopes.is_platform_admin:
        return queryset
    return queryset.filter(
        Q(shop_id__in=scopes.managed_shop_ids | scopes.operated_shop_ids)
        | Q(shop__village__township_id__in=scopes.overseen_township_ids)
    )


def order_live_total(*, order_id: UUID | str) -> Decimal | None:
    """What the order's shop orders that are not cancelled cost together: what the buyer
    still owes for (before refunds of what was cancelled). None when every shop order is
    cancelled."""
    return (
        ShopOrder.objects.filter(order_id=order_id)
        .exclude(status=OrderStatus.CANCELED)
        .aggregate(total=Sum("total_amount"))["total"]
    )


def order_line_hold_keys(*, lines: Iterable[OrderLine]) -> dict[int, str]:
    """The booking hold key of each tourism line among `lines`, by line pk (checkout
    completion stores it on the line; lines sold before that got theirs from migration
    0005). Lines with no hold are left out. No query."""
    return {
        line.pk: line.booking_hold_key
        for line in lines
        if line.booking_start_date and line.booking_hold_key
    }
