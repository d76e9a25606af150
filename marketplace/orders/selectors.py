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
    from marketplace.accounts.permissions import role_scopes

    scopes = role_scopes(user)
    queryset = ShopOrder.objects.order_by("-created_at", "-pk")
    if scopes.is_platform_admin:
        return queryset
    return queryset.filter(
        Q(shop_id__in=scopes.managed_shop_ids | scopes.operated_shop_ids)
        | Q(shop__village__township_id__in=scopes.township_ids)
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


def _booking_of(item: Any) -> tuple[Any, ...]:
    return (item.variant_id, item.booking_start_date, item.booking_end_date, item.booking_guests)


def order_line_hold_keys(*, order: Order, lines: Iterable[OrderLine]) -> dict[int, str]:
    """The booking hold key of each tourism line among `lines` (pass all of a shop order's
    tourism lines), by line pk: the key the line keeps, or, for lines sold before lines
    kept their key, the checkout line it was sold from, matched by booking. Identical old
    bookings are paired with identical checkout lines in pk order, so each finds its own
    hold rather than all finding the first. Lines with no hold found are left out.

    At most one query (only when old lines are among `lines`)."""
    from marketplace.checkout.models import CheckoutLine

    booked = [line for line in lines if line.booking_start_date]
    keys = {line.pk: line.booking_hold_key for line in booked if line.booking_hold_key}
    old = sorted((line for line in booked if not line.booking_hold_key), key=lambda x: x.pk)
    if not old or order.checkout_token is None:
        return keys
    sources: dict[tuple[Any, ...], list[str]] = {}
    for source in CheckoutLine.objects.filter(
        checkout_id=order.checkout_token, booking_start_date__isnull=False
    ).order_by("pk"):
        sources.setdefault(_booking_of(source), []).append(source.hold_key)
    for line in old:
        candidates = sources.get(_booking_of(line))
        if candidates:
            keys[line.pk] = candidates.pop(0)
    return keys
