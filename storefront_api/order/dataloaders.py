"""Batch loaders for order relations: one query set per level of a GraphQL query, whatever
the number of orders, shop orders or lines on the page."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from django.db.models import F

from logistics.shipments.models import Shipment, ShipmentEvent, ShipmentKind
from logistics.shipments.selectors import shipments_tracking
from marketplace.orders.models import Order, OrderEvent, OrderLine, ShopOrder
from storefront_api.core.dataloaders import DataLoader, by_key, grouped


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


class ParcelsByOrderIdLoader(DataLoader[UUID, list[Shipment]]):
    """An order's parcels (Saleor's fulfilments), oldest first, each numbered in the order
    as Saleor's `fulfillmentOrder` is: 1, 2, … across all of its shop orders."""

    def batch_load(self, keys: Sequence[UUID]) -> list[list[Shipment]]:
        rows = (
            Shipment.objects.filter(kind=ShipmentKind.PARCEL, shop_order__order_id__in=keys)
            .annotate(order_key=F("shop_order__order_id"))
            .order_by("created_at", "pk")
        )
        groups = grouped(keys, rows, lambda s: s.order_key)
        for parcels in groups:
            for number, parcel in enumerate(parcels, start=1):
                parcel.fulfillment_order = number
        return groups


class TrackingByShipmentIdLoader(DataLoader[int, list[ShipmentEvent]]):
    def batch_load(self, keys: Sequence[int]) -> list[list[ShipmentEvent]]:
        tracking = shipments_tracking(shipment_ids=keys)
        return [tracking[key] for key in keys]
