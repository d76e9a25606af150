"""Real races against PostgreSQL: threads released together, each on its own connection.

Two pushes of the same event add it once; two hand-overs with the right code give the
parcel out once; neither deadlocks or errors."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.core import mail
from django.test import Client

from logistics.shipment_status import ShipmentStatus
from logistics.shipments.models import ShipmentEvent
from logistics.shipments.services import shipment_hand_over
from tests.checkout.test_races import race
from tests.logistics.conftest import CALLBACK, reload

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_concurrent_pushes_of_the_same_event_record_it_once(shipped, sandbox):
    shipment, _, _ = shipped
    sandbox.advance(shipment.tracking_number, code="1", context="已揽收", deliver=False)
    form = sandbox.advance(shipment.tracking_number, code="3", context="已签收", deliver=False)

    outcomes = race(4, lambda i: Client().post(CALLBACK, form).status_code)

    assert outcomes == [("ok", 200)] * 4
    assert ShipmentEvent.objects.filter(shipment=shipment).count() == 2
    assert reload(shipment).status == ShipmentStatus.DELIVERED
    # One move, so one notice to the buyer.
    assert len([m for m in mail.outbox if "Delivered" in m.body]) == 1


def test_two_concurrent_hand_overs_give_the_parcel_out_once(shipped, sandbox):
    shipment, station, _ = shipped
    form = sandbox.advance(shipment.tracking_number, code="501", context="到站", deliver=False)
    assert Client().post(CALLBACK, form).status_code == 200
    code = re.search(r"Pickup code: (\d{6})", mail.outbox[-1].body).group(1)

    outcomes = race(
        3,
        lambda i: (
            shipment_hand_over(shipment=shipment, operator=station.operator, code=code).status
        ),
    )

    assert Counter(outcomes) == {("ok", ShipmentStatus.COLLECTED_BY_BUYER): 3}
    assert ShipmentEvent.objects.filter(shipment=shipment, key="collected-by-buyer").count() == 1
    announced = [m for m in mail.outbox if "Collected by the buyer" in m.body]
    assert len(announced) == 1


def test_concurrent_wrong_codes_are_all_counted(shipped, sandbox, settings):
    settings.PICKUP_CODE_MAX_ATTEMPTS = 3
    shipment, station, _ = shipped
    form = sandbox.advance(shipment.tracking_number, code="501", context="到站", deliver=False)
    Client().post(CALLBACK, form)
    code = re.search(r"Pickup code: (\d{6})", mail.outbox[-1].body).group(1)
    wrong = f"{(int(code) + 7) % 1_000_000:06d}"

    outcomes = race(
        5, lambda i: shipment_hand_over(shipment=shipment, operator=station.operator, code=wrong)
    )

    refused = Counter(code for kind, codes in outcomes for code in codes)
    assert all(kind == "refused" for kind, _ in outcomes)
    assert refused == {"invalid_pickup_code": 2, "pickup_locked": 3}
    parcel = reload(shipment)
    assert (parcel.pickup_failed_attempts, parcel.pickup_locked) == (3, True)


def test_two_concurrent_closes_book_one_consignment(shipped, adapter, sandbox):
    from logistics.consolidation.models import ConsolidationBatch
    from logistics.consolidation.services import batch_add_parcel, batch_close, batch_open
    from logistics.shipments.models import Shipment, ShipmentKind

    shipment, station, _ = shipped
    batch = batch_open(station=station, operator=station.operator)
    batch_add_parcel(batch=batch, shipment=shipment, operator=station.operator)

    outcomes = race(
        3,
        lambda i: (
            batch_close(
                batch=batch,
                operator=station.operator,
                total_weight_grams=1200,
                carrier="zhongtong",
                adapter=adapter,
            ).consignment_id
        ),
    )

    consignment = ConsolidationBatch.objects.get(pk=batch.pk).consignment_id
    assert outcomes == [("ok", consignment)] * 3
    assert Shipment.objects.filter(kind=ShipmentKind.CONSIGNMENT).count() == 1
    # One waybill at the carrier for the consignment, beside the parcel's own.
    assert len(sandbox.waybills) == 2
