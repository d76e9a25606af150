"""Stations, parcels and batches for the back-office tests, on top of `tests.admin.buying`:
a station in shop A's village and one in shop B's, each with its operator; one parcel per
shop order, waiting at its shop's station with two carrier events; an open batch at each
station holding that station's parcel, and a closed one at A with its consignment.

Rows are written directly, as `tests.admin.buying` does: these tests are about who sees
which row, not about the tracking services (tests/logistics covers those)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from logistics.consolidation.models import BatchStatus, ConsolidationBatch, ConsolidationItem
from logistics.shipment_status import ShipmentStatus
from logistics.shipments.models import Shipment, ShipmentEvent, ShipmentEventSource, ShipmentKind
from logistics.stations.models import VillageStation
from logistics.stations.services import station_create
from marketplace.accounts.models import Role, User
from marketplace.orders.models import ShopOrder
from tests import factories


@dataclass
class Ops:
    operator_a: User
    operator_b: User
    station_a: VillageStation
    station_b: VillageStation
    parcel_a: Shipment
    parcel_b: Shipment
    batch_a: ConsolidationBatch
    batch_b: ConsolidationBatch
    closed_batch_a: ConsolidationBatch


def station(village: Any, operator: User) -> VillageStation:
    return station_create(
        village=village,
        name=f"{village.name}服务站",
        address=f"{village.name}村委会一楼",
        opening_hours="每天 08:00–20:00",
        capacity=100,
        operator=operator,
    )


def parcel(shop_order: ShopOrder, at: VillageStation, number: str) -> Shipment:
    shipment = Shipment.objects.create(
        kind=ShipmentKind.PARCEL,
        shop_order=shop_order,
        carrier="zhongtong",
        tracking_number=number,
        station=at,
    )
    now = timezone.now()
    for i, (status, text) in enumerate(
        [(ShipmentStatus.COLLECTED, "快件已揽收"), (ShipmentStatus.IN_TRANSIT, "到达临沧转运中心")]
    ):
        ShipmentEvent.objects.create(
            shipment=shipment,
            key=f"{number}-{i}",
            occurred_at=now - timedelta(hours=5 - i),
            source=ShipmentEventSource.CARRIER,
            status=status,
            description=text,
        )
    Shipment.objects.filter(pk=shipment.pk).update(status=ShipmentStatus.IN_TRANSIT)
    return shipment


def open_batch(at: VillageStation, *parcels: Shipment) -> ConsolidationBatch:
    assert at.operator is not None
    batch = ConsolidationBatch.objects.create(station=at, opened_by=at.operator)
    for shipment in parcels:
        ConsolidationItem.objects.create(batch=batch, shipment=shipment)
    return batch


def add_logistics_ops(shop_order_a: ShopOrder, shop_order_b: ShopOrder) -> Ops:
    operator_a = factories.user(role=Role.STATION_OPERATOR, is_staff=True)
    operator_b = factories.user(role=Role.STATION_OPERATOR, is_staff=True)
    station_a = station(shop_order_a.shop.village, operator_a)
    station_b = station(shop_order_b.shop.village, operator_b)
    parcel_a = parcel(shop_order_a, station_a, "ZT7000000001")
    parcel_b = parcel(shop_order_b, station_b, "ZT7000000002")
    consignment = Shipment.objects.create(
        kind=ShipmentKind.CONSIGNMENT, carrier="youzhengguonei", tracking_number="YZ9000000001"
    )
    closed = ConsolidationBatch.objects.create(
        station=station_a,
        opened_by=operator_a,
        status=BatchStatus.CLOSED,
        total_weight_grams=12_000,
        consignment=consignment,
        closed_at=timezone.now(),
    )
    return Ops(
        operator_a=operator_a,
        operator_b=operator_b,
        station_a=station_a,
        station_b=station_b,
        parcel_a=parcel_a,
        parcel_b=parcel_b,
        batch_a=open_batch(station_a, parcel_a),
        batch_b=open_batch(station_b, parcel_b),
        closed_batch_a=closed,
    )
