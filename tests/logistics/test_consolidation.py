"""Consolidation: a village's parcels leave in one consignment with its own waybill."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from logistics.consolidation.models import BatchStatus, ConsolidationItem
from logistics.consolidation.services import batch_add_parcel, batch_close, batch_open
from logistics.shipment_status import ShipmentStatus
from logistics.shipments.models import Shipment, ShipmentKind
from logistics.shipments.selectors import shipment_tracking
from tests.checkout.helpers import codes
from tests.logistics.conftest import paid_shop_order, push, reload, ship

pytestmark = pytest.mark.django_db


def close(batch, adapter, grams):
    return batch_close(
        batch=batch,
        operator=batch.station.operator,
        total_weight_grams=grams,
        carrier="youzhengguonei",
        adapter=adapter,
    )


@pytest.fixture
def two_parcels(shipped, channel, adapter):
    first, station, manager = shipped
    second = ship(paid_shop_order(channel, shop=first.shop_order.shop), manager, adapter)
    return first, second, station


def test_close_books_one_consignment_and_tracking_shows_it(two_parcels, adapter, sandbox, client):
    first, second, station = two_parcels
    batch = batch_open(station=station, operator=station.operator)
    batch_add_parcel(batch=batch, shipment=first, operator=station.operator)
    batch_add_parcel(batch=batch, shipment=second, operator=station.operator)
    batch_add_parcel(batch=batch, shipment=second, operator=station.operator)  # rescan: no-op
    assert batch.items.count() == 2

    closed = close(batch, adapter, 2400)
    assert closed.status == BatchStatus.CLOSED and closed.total_weight_grams == 2400
    consignment = closed.consignment
    assert consignment.kind == ShipmentKind.CONSIGNMENT
    assert consignment.tracking_number in sandbox.waybills
    again = close(batch, adapter, 9999)
    assert again.consignment_id == consignment.pk and again.total_weight_grams == 2400
    assert Shipment.objects.filter(kind=ShipmentKind.CONSIGNMENT).count() == 1
    assert len(sandbox.waybills) == 3
    assert reload(first).status == ShipmentStatus.COLLECTED

    adapter.subscribe(carrier=consignment.carrier, tracking_number=consignment.tracking_number)
    later = timezone.now() + timedelta(minutes=40)
    form = sandbox.advance(
        consignment.tracking_number, code="0", context="到达县级分拨中心", at=later, deliver=False
    )
    assert push(client, form).status_code == 200
    lines = [event.description for event in shipment_tracking(shipment=first)]
    village = station.village.name
    assert lines == [
        f"已在{village}服务站集货 (consolidated at {village} station)",
        "到达县级分拨中心",
    ]


def test_a_parcel_is_in_one_open_batch_only(two_parcels):
    first, _, station = two_parcels
    one = batch_open(station=station, operator=station.operator)
    two = batch_open(station=station, operator=station.operator)
    batch_add_parcel(batch=one, shipment=first, operator=station.operator)
    with pytest.raises(ValidationError) as exc:
        batch_add_parcel(batch=two, shipment=first, operator=station.operator)
    assert codes(exc) == ["parcel_in_open_batch"]
    # The database says so too, whatever writes the row.
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsolidationItem.objects.create(batch=two, shipment=first)
    assert ConsolidationItem.objects.filter(shipment=first).count() == 1


def test_bad_batches_are_refused_with_codes(two_parcels, adapter, channel):
    from tests import factories
    from tests.logistics.conftest import station_in

    first, _, station = two_parcels
    batch = batch_open(station=station, operator=station.operator)
    for weight, code in [(0, "invalid_weight"), (10**8, "invalid_weight"), (500, "batch_empty")]:
        with pytest.raises(ValidationError) as exc:
            close(batch, adapter, weight)
        assert codes(exc) == [code]
    elsewhere = station_in(factories.village())
    with pytest.raises(ValidationError) as exc:
        batch_add_parcel(
            batch=batch_open(station=elsewhere, operator=elsewhere.operator),
            shipment=first,
            operator=elsewhere.operator,
        )
    assert codes(exc) == ["parcel_not_from_village"]
    with pytest.raises(ValidationError) as exc:
        batch_add_parcel(batch=batch, shipment=first, operator=elsewhere.operator)
    assert codes(exc) == ["not_a_station_operator"]
    assert batch.items.count() == 0
