"""A village station's shelves hold `capacity` parcels: shipping one more to a station that
already expects that many (waiting or on their way) is refused before the carrier is asked,
and room frees up once a parcel is collected."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from logistics.error_codes_tracking import TrackingErrorCode
from logistics.shipment_status import ShipmentStatus
from logistics.shipments.models import Shipment
from logistics.stations.models import VillageStation
from marketplace.accounts.models import Role
from tests import factories
from tests.logistics.conftest import paid_shop_order, ship, station_in

pytestmark = pytest.mark.django_db


def test_a_full_station_takes_no_more_parcels_until_one_is_collected(channel, adapter, sandbox):
    first = paid_shop_order(channel)
    station = station_in(first.shop.village)
    VillageStation.objects.filter(pk=station.pk).update(capacity=1)
    station.refresh_from_db()
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=first.shop)
    shipped = ship(first, manager, adapter, station=station)
    second = paid_shop_order(channel, shop=first.shop)
    waybills_before = len(sandbox.waybills)
    with pytest.raises(ValidationError) as refused:
        ship(second, manager, adapter, station=station)
    [error] = refused.value.error_dict["station"]
    assert error.code == TrackingErrorCode.STATION_FULL.value
    assert len(sandbox.waybills) == waybills_before  # the carrier was never asked
    assert not Shipment.objects.filter(shop_order=second).exists()
    # Collected by the buyer: the shelf has room again.
    Shipment.objects.filter(pk=shipped.pk).update(status=ShipmentStatus.COLLECTED_BY_BUYER)
    assert ship(second, manager, adapter, station=station).station_id == station.pk
