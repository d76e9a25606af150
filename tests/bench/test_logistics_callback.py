"""The tracking-callback benchmark runs, cleans up after itself, and finds the statements
per push bounded however long the track grows."""

from __future__ import annotations

import pytest

from logistics.shipments.models import Shipment, ShipmentEvent
from tooling.bench import logistics_callback

pytestmark = pytest.mark.django_db(transaction=True)


def test_callback_bench_reports_constant_statements_and_leaves_nothing_behind():
    said: list[str] = []
    result = logistics_callback.run({"callback_pushes": 12, "callback_waybills": 3}, said.append)
    assert result["count"] == 12 and result["p50_ms"] > 0
    # Tracks grow from 2 to 5 events: one statement records a push (lookup and new events),
    # and a push that moves the status costs one conditional UPDATE more.
    assert result["statements_per_push"] in ([1], [1, 2]), result["statements_per_push"]
    assert "tracking callback: 12 pushes" in said[0]
    assert not Shipment.objects.exists() and not ShipmentEvent.objects.exists()
