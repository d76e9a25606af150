"""Batch loaders for checkout and order relations: one query set per level of a GraphQL
query, whatever the number of lines, orders or shop orders on the page.

Checkout loaders are keyed by `(checkout, checkout.last_change)`: every checkout service
bumps `last_change`, so a mutation's payload never reads totals cached before it ran.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from django.db.models import F

from logistics.models import DeliveryMethod
from marketplace.channels.models import Channel
from marketplace.checkout import selectors as checkout_selectors
from marketplace.checkout.models import Checkout, Voucher
from marketplace.orders.models import Order, OrderEvent, OrderLine, ShopOrder
from storefront_api.core.dataloaders import DataLoader, by_key, grouped

CheckoutKey = tuple[Checkout, datetime]


def checkout_key(checkout: Checkout) -> CheckoutKey:
    return (checkout, checkout.last_change)


class CheckoutTotalsLoader(DataLoader[CheckoutKey, checkout_selectors.CheckoutTotals]):
    """Lines with live prices and per-shop totals (a fixed number of queries per checkout;
    a request shows one checkout, so there is nothing to batch across checkouts)."""

    def batch_load(self, keys: Sequence[CheckoutKey]) -> list[checkout_selectors.CheckoutTotals]:
        return [checkout_selectors.checkout_totals(checkout=checkout) for checkout, _ in keys]


class DeliveryOptionsLoader(DataLoader[CheckoutKey, list[checkout_selectors.ShopDeliveryOptions]]):
    def batch_load(
        self, keys: Sequence[CheckoutKey]
    ) -> list[list[checkout_selectors.ShopDeliveryOptions]]:
        return [checkout_selectors.delivery_options(checkout=checkout) for checkout, _ in keys]


class ChannelByIdLoader(DataLoader[int, Channel]):
    def batch_load(self, keys: Sequence[int]) -> list[Channel | None]:
        return by_key(keys, Channel.objects.filter(pk__in=keys), lambda c: c.pk)


class DeliveryMethodByIdLoader(DataLoader[int, DeliveryMethod]):
    def batch_load(self, keys: Sequence[int]) -> list[DeliveryMethod | None]:
        return by_key(keys, DeliveryMethod.objects.filter(pk__in=keys), lambda m: m.pk)


class OrderByIdLoader(DataLoader[UUID, Order]):
    def batch_load(self, keys: Sequence[UUID]) -> list[Order | None]:
        return by_key(keys, Order.objects.filter(pk__in=keys), lambda o: o.pk)


class ShopOrdersByOrderIdLoader(DataLoader[UUID, list[ShopOrder]]):
    def batch_load(self, keys: Sequence[UUID]) -> list[list[ShopOrder]]:
        rows = ShopOrder.objects.filter(order_id__in=keys).order_by("order_id", "shop_id")
        return grouped(keys, rows, lambda s: s.order_id)


class OrderLinesByOrderIdLoader(DataLoader[UUID, list[OrderLine]]):
    def batch_load(self, keys: Sequence[UUID]) -> list[list[OrderLine]]:
        rows = (
            OrderLine.objects.filter(shop_order__order_id__in=keys)
            .annotate(order_key=F("shop_order__order_id"))
            .order_by("shop_order__shop_id", "pk")
        )
        return grouped(keys, rows, lambda line: line.order_key)


class OrderLinesByShopOrderIdLoader(DataLoader[int, list[OrderLine]]):
    def batch_load(self, keys: Sequence[int]) -> list[list[OrderLine]]:
        rows = OrderLine.objects.filter(shop_order_id__in=keys).order_by("pk")
        return grouped(keys, rows, lambda line: line.shop_order_id)


class OrderEventsByOrderIdLoader(DataLoader[UUID, list[OrderEvent]]):
    def batch_load(self, keys: Sequence[UUID]) -> list[list[OrderEvent]]:
        rows = OrderEvent.objects.filter(order_id__in=keys).order_by("date", "pk")
        return grouped(keys, rows, lambda e: e.order_id)


class VoucherByIdLoader(DataLoader[int, Voucher]):
    def batch_load(self, keys: Sequence[int]) -> list[Voucher | None]:
        return by_key(keys, Voucher.objects.filter(pk__in=keys), lambda v: v.pk)
