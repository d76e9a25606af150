"""Fixtures for stations, shipments and tracking: the Kuaidi100 sandbox really running on
an ephemeral 127.0.0.1 port (stopped after the test), settings pointing the adapter at it,
and a paid order ready to ship.

Pushes under test are taken from the sandbox undelivered (`advance(..., deliver=False)`)
and posted to the Django test client, so they run inside the test's transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from logistics.carriers.kuaidi100 import Kuaidi100Client
from logistics.carriers.sandbox import Kuaidi100Sandbox
from logistics.shipments.models import Shipment
from logistics.shipments.services import shop_order_ship
from logistics.stations.models import VillageStation
from logistics.stations.services import station_create
from marketplace.accounts.models import Role
from marketplace.checkout import services as checkout_services
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.orders.models import ShopOrder
from tests import factories
from tests.checkout import helpers
from tests.checkout.helpers import goods, line

KEY, CUSTOMER, SECRET, SALT = "test-key-77", "TESTCUSTOMER77", "test-secret-77", "salt-77"
CALLBACK = "/logistics/kuaidi100/callback/"


@pytest.fixture
def sandbox(settings) -> Iterator[Kuaidi100Sandbox]:
    running = Kuaidi100Sandbox(key=KEY, customer=CUSTOMER, secret=SECRET).start()
    settings.KUAIDI100_BASE_URL = running.url
    settings.KUAIDI100_LABEL_BASE_URL = running.url
    settings.KUAIDI100_KEY = KEY
    settings.KUAIDI100_CUSTOMER = CUSTOMER
    settings.KUAIDI100_SECRET = SECRET
    settings.KUAIDI100_CALLBACK_SALT = SALT
    settings.KUAIDI100_CALLBACK_URL = f"http://127.0.0.1:9/{CALLBACK}"
    yield running
    running.stop()


@pytest.fixture
def adapter(sandbox) -> Kuaidi100Client:
    return Kuaidi100Client()


def paid_shop_order(channel: Any, shop: Any = None) -> ShopOrder:
    shop = shop or helpers.shop_with_delivery()
    tea = goods(shop=shop, channel=channel, stock=10)
    checkout = checkout_services.checkout_create(
        channel=channel,
        email="buyer@example.cn",
        shipping_address=helpers.ADDRESS,
        lines=[line(tea, 2)],
    )
    order = checkout_complete(checkout=helpers.ready(checkout))
    return ShopOrder.objects.select_related("shop__village", "order").get(order=order)


def station_in(village: Any) -> VillageStation:
    operator = factories.user(role=Role.STATION_OPERATOR)
    return station_create(
        village=village,
        name=f"{village.name}服务站",
        address=f"{village.name}村委会一楼",
        opening_hours="每天 08:00–20:00",
        capacity=200,
        operator=operator,
        red_supermarket_name=f"{village.name}红色超市",
    )


def ship(
    shop_order: ShopOrder,
    manager: Any,
    adapter: Kuaidi100Client,
    *,
    carrier: str = "zhongtong",
    station: VillageStation | None = None,
) -> Shipment:
    """Ship and subscribe (after-commit subscription does not run inside a test's
    transaction; subscribing twice is harmless: the sandbox answers 501)."""
    shipment = shop_order_ship(
        shop_order=shop_order,
        actor=manager,
        carrier=carrier,
        adapter=adapter,
        weight_grams=1500,
        station=station,
    )
    adapter.subscribe(carrier=shipment.carrier, tracking_number=shipment.tracking_number)
    return shipment


@pytest.fixture
def shipped(channel, adapter, sandbox):
    """A paid shop order shipped to the shop's village station, subscribed for pushes."""
    shop_order = paid_shop_order(channel)
    station = station_in(shop_order.shop.village)
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=shop_order.shop)
    return ship(shop_order, manager, adapter, station=station), station, manager


def push(client: Any, form: dict[str, str]) -> Any:
    return client.post(CALLBACK, form)


def reload(shipment: Shipment) -> Shipment:
    return Shipment.objects.get(pk=shipment.pk)
