"""Fixtures for the logistics API tests: the Kuaidi100 sandbox (from tests/logistics, really
running on a loopback port), shops with zones, stations with operators, and parcels.

Parcels for the read tests are written straight to the tables (no carrier needed); the
mutation tests ship through the sandbox."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from graphql_relay import to_global_id

from logistics.models import DeliveryRate, ShippingZone, ShippingZonePrefix
from logistics.shipment_status import ShipmentStatus
from logistics.shipments.models import (
    Shipment,
    ShipmentEvent,
    ShipmentEventSource,
    ShipmentKind,
)
from marketplace.accounts.models import Role
from marketplace.checkout import services as checkout_services
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.orders.models import Order
from tests import factories
from tests.api.conftest import GraphQLClient, gql  # noqa: F401  (fixture)
from tests.checkout import helpers
from tests.logistics.conftest import (  # noqa: F401  (fixtures)
    adapter,
    paid_shop_order,
    sandbox,
    ship,
    station_in,
)

__all__ = ["paid_shop_order", "ship", "station_in"]


def gid(type_name: str, pk: Any) -> str:
    return to_global_id(type_name, str(pk))


def denied(body: dict[str, Any]) -> bool:
    return body["data"] is None or any(
        e["extensions"]["exception"]["code"] == "PermissionDenied" for e in body["errors"]
    )


def count_queries(client: GraphQLClient, query: str, variables: dict[str, Any]) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as ctx:
        body = client(query, variables)
    assert "errors" not in body, body.get("errors")
    return len(ctx.captured_queries), body["data"]


def zone(shop: Any, name: str, prefixes: list[str], price: str = "8.00") -> ShippingZone:
    created = ShippingZone.objects.create(shop=shop, name=name)
    for prefix in prefixes:
        ShippingZonePrefix.objects.create(zone=created, shop=shop, prefix=prefix)
    DeliveryRate.objects.create(
        method=helpers.express(shop), zone=created, first_price_amount=price
    )
    return created


def manager_of(shop: Any) -> Any:
    return factories.user(role=Role.SHOP_MANAGER, shop_obj=shop)


def order_of_shops(channel: Any, shops: list[Any]) -> Order:
    """A paid order with one line from each shop."""
    checkout = checkout_services.checkout_create(
        channel=channel,
        email="buyer@example.cn",
        shipping_address=helpers.ADDRESS,
        lines=[helpers.line(helpers.goods(shop=s, channel=channel, stock=10), 1) for s in shops],
    )
    return checkout_complete(checkout=helpers.ready(checkout))


_waybills = iter(range(10_000_000, 99_999_999))


def parcel(shop_order: Any, *, events: int = 1, station: Any = None, status: str = "") -> Shipment:
    """A parcel written straight to the table, with `events` carrier events."""
    shipment = Shipment.objects.create(
        kind=ShipmentKind.PARCEL,
        shop_order=shop_order,
        carrier="zhongtong",
        tracking_number=f"ZT{next(_waybills)}",
        station=station,
        status=status or ShipmentStatus.CREATED,
        arrived_at_station_at=timezone.now() if status == ShipmentStatus.AT_STATION else None,
    )
    start = timezone.now() - timedelta(days=1)
    for i in range(events):
        ShipmentEvent.objects.create(
            shipment=shipment,
            key=f"e{i}",
            occurred_at=start + timedelta(hours=i),
            source=ShipmentEventSource.CARRIER,
            status=ShipmentStatus.IN_TRANSIT if i else ShipmentStatus.COLLECTED,
            description=f"event {i}",
            location="双江县" if i else "",
        )
    return shipment


@pytest.fixture
def admin() -> Any:
    return factories.platform_admin()
