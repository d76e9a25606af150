"""The push path's one-statement record and its conditional move: a push that arrives
after another path moved the parcel further keeps its events and moves nothing back, and a
push records its events and moves the parcel in two statements at most."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from logistics.shipment_status import ShipmentStatus
from logistics.shipments.models import Shipment
from logistics.shipments.services import _move_if_behind, shipment_advance
from tests.logistics.conftest import push, reload

pytestmark = pytest.mark.django_db


def test_a_move_decided_on_an_old_status_matches_nothing(shipped):
    shipment, _, _ = shipped
    seen = Shipment.objects.get(pk=shipment.pk)  # what a push read: CREATED
    shipment_advance(
        shipment=shipment, status=ShipmentStatus.DELIVERED, description="已签收", key="k1"
    )
    assert _move_if_behind(seen, ShipmentStatus.IN_TRANSIT, at=seen.created_at) is False
    assert reload(shipment).status == ShipmentStatus.DELIVERED


def test_a_push_costs_one_statement_and_one_more_when_it_moves(client, shipped, sandbox):
    shipment, _, _ = shipped
    first = sandbox.advance(shipment.tracking_number, code="1", context="已揽收", deliver=False)
    with CaptureQueriesContext(connection) as moving:
        assert push(client, first).status_code == 200
    assert reload(shipment).status == ShipmentStatus.COLLECTED
    note = sandbox.advance(shipment.tracking_number, code="2", context="地址不详", deliver=False)
    with CaptureQueriesContext(connection) as noting:
        assert push(client, note).status_code == 200
    assert len(moving) == 2 and len(noting) == 1
    assert reload(shipment).status == ShipmentStatus.COLLECTED
    assert [e.description for e in shipment.events.order_by("occurred_at", "pk")] == [
        "已揽收",
        "地址不详",
    ]
