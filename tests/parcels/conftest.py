"""A station in a village whose Red Supermarket hosts it, its operator and the
supermarket's operator, and the SMS sandbox the pickup codes go through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from logistics.stations.models import VillageStation
from marketplace.accounts.models import Role, User
from tests import factories
from tests.api.conftest import gql  # noqa: F401  (fixture)
from tests.logistics.conftest import station_in
from tests.notifications.conftest import _notification_settings, sms  # noqa: F401  (fixtures)


@dataclass
class Counter:
    station: VillageStation
    operator: User
    supermarket_operator: User
    other_station: VillageStation


def counter_setup(capacity: int = 200) -> Counter:
    shop = factories.shop()
    station = station_in(shop.village)
    if capacity != 200:
        VillageStation.objects.filter(pk=station.pk).update(capacity=capacity)
        station.refresh_from_db()
    factories.red_supermarket(shop_obj=shop, station=station)
    supermarket_operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=shop)
    other = station_in(factories.shop().village)
    return Counter(
        station=station,
        operator=station.operator,
        supermarket_operator=supermarket_operator,
        other_station=other,
    )


@pytest.fixture
def counter(db) -> Counter:
    return counter_setup()


def last_code(sandbox: Any) -> str:
    return [m for m in sandbox.messages if m.template_code == "SMS_PICKUP_CODE"][-1].params["code"]
