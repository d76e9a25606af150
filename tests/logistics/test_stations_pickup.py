"""Pickup at the village station: a 6-digit code by notification, hand-over against it,
wrong codes counted and locking, reminders and return of uncollected parcels."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from logistics.shipment_status import ShipmentStatus
from logistics.shipments.models import Shipment
from logistics.shipments.services import (
    shipment_hand_over,
    shipment_unlock_pickup,
    shipments_remind_or_return,
)
from logistics.stations.services import station_create
from marketplace.accounts.models import Role
from tests import factories
from tests.checkout.helpers import codes
from tests.logistics.conftest import push, reload

pytestmark = pytest.mark.django_db


def arrive(shipment, sandbox, client, capture) -> str:
    """The parcel reaches the station; returns the pickup code the buyer was mailed."""
    from django.core import mail

    with capture(execute=True):
        form = sandbox.advance(
            shipment.tracking_number, code="501", context="已到达村级服务站", deliver=False
        )
        assert push(client, form).status_code == 200
    body = mail.outbox[-1].body
    return re.search(r"Pickup code: (\d{6})", body).group(1)


def test_arrival_mails_a_code_stored_only_hashed(
    shipped, sandbox, client, django_capture_on_commit_callbacks, mailoutbox
):
    shipment, station, _ = shipped
    code = arrive(shipment, sandbox, client, django_capture_on_commit_callbacks)
    parcel = reload(shipment)
    assert parcel.status == ShipmentStatus.AT_STATION and parcel.arrived_at_station_at
    assert code not in parcel.pickup_code_hash and len(parcel.pickup_code_hash) == 64
    assert mailoutbox[-1].to == ["buyer@example.cn"] and station.name in mailoutbox[-1].body
    # A retried notification task sends nothing more.
    from logistics.shipments.notifications import shipment_notify

    assert shipment_notify(shipment_id=shipment.pk, kind=ShipmentStatus.AT_STATION) is False


def test_right_code_hands_over_once_and_repeats_are_harmless(
    shipped, sandbox, client, django_capture_on_commit_callbacks, mailoutbox
):
    shipment, station, _ = shipped
    code = arrive(shipment, sandbox, client, django_capture_on_commit_callbacks)
    handed = shipment_hand_over(shipment=shipment, operator=station.operator, code=code)
    assert handed.status == ShipmentStatus.COLLECTED_BY_BUYER
    again = shipment_hand_over(shipment=shipment, operator=station.operator, code=code)
    assert again.status == ShipmentStatus.COLLECTED_BY_BUYER
    assert shipment.events.filter(key="collected-by-buyer").count() == 1
    with pytest.raises(ValidationError) as exc:
        shipment_hand_over(shipment=shipment, operator=station.operator, code="000000")
    assert codes(exc) == ["already_collected"]


def test_wrong_codes_are_counted_and_lock_the_parcel(
    shipped, sandbox, client, django_capture_on_commit_callbacks, mailoutbox, settings
):
    settings.PICKUP_CODE_MAX_ATTEMPTS = 3
    shipment, station, _ = shipped
    code = arrive(shipment, sandbox, client, django_capture_on_commit_callbacks)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    seen = []
    for _ in range(3):
        with pytest.raises(ValidationError) as exc:
            shipment_hand_over(shipment=shipment, operator=station.operator, code=wrong)
        seen += codes(exc)
    assert seen == ["invalid_pickup_code", "invalid_pickup_code", "pickup_locked"]
    parcel = reload(shipment)
    assert (parcel.pickup_failed_attempts, parcel.pickup_locked) == (3, True)
    # Even the right code waits for the operator to check the buyer's ID.
    with pytest.raises(ValidationError) as exc:
        shipment_hand_over(shipment=shipment, operator=station.operator, code=code)
    assert codes(exc) == ["pickup_locked"]
    shipment_unlock_pickup(shipment=shipment, operator=station.operator)
    assert shipment_hand_over(shipment=shipment, operator=station.operator, code=code).status == (
        ShipmentStatus.COLLECTED_BY_BUYER
    )


def test_another_parcels_code_and_another_stations_operator_are_refused(
    shipped,
    sandbox,
    client,
    django_capture_on_commit_callbacks,
    mailoutbox,
    channel,
    adapter,
    monkeypatch,
):
    from tests.logistics.conftest import paid_shop_order, ship

    # Two known, different codes, so the test never depends on the draw.
    draws = iter([111111, 222222])
    monkeypatch.setattr("logistics.stations.pickup.secrets.randbelow", lambda _: next(draws))
    shipment, station, manager = shipped
    code = arrive(shipment, sandbox, client, django_capture_on_commit_callbacks)
    other_order = paid_shop_order(channel, shop=shipment.shop_order.shop)
    other = ship(other_order, manager, adapter, carrier="youzhengguonei", station=station)
    other_code = arrive(other, sandbox, client, django_capture_on_commit_callbacks)
    assert (code, other_code) == ("111111", "222222")
    with pytest.raises(ValidationError) as exc:
        shipment_hand_over(shipment=other, operator=station.operator, code=code)
    assert codes(exc) == ["invalid_pickup_code"]
    stranger = factories.user(role=Role.STATION_OPERATOR)
    with pytest.raises(ValidationError) as exc:
        shipment_hand_over(shipment=shipment, operator=stranger, code=code)
    assert codes(exc) == ["not_a_station_operator"]
    assert reload(shipment).pickup_failed_attempts == 0


def test_a_parcel_not_yet_at_the_station_cannot_be_handed_over(shipped):
    shipment, station, _ = shipped
    with pytest.raises(ValidationError) as exc:
        shipment_hand_over(shipment=shipment, operator=station.operator, code="123456")
    assert codes(exc) == ["not_at_station"]


def test_uncollected_parcels_get_daily_reminders_then_go_back(
    shipped, sandbox, client, django_capture_on_commit_callbacks, mailoutbox, settings
):
    settings.PICKUP_REMINDER_AFTER_DAYS, settings.PICKUP_RETURN_AFTER_DAYS = 3, 7
    shipment, _, _ = shipped
    arrive(shipment, sandbox, client, django_capture_on_commit_callbacks)
    arrived = reload(shipment).arrived_at_station_at
    assert shipments_remind_or_return(now=arrived + timedelta(days=2)) == (0, 0)
    with django_capture_on_commit_callbacks(execute=True):
        assert shipments_remind_or_return(now=arrived + timedelta(days=3, hours=1)) == (1, 0)
        # Same day again: no second reminder.
        assert shipments_remind_or_return(now=arrived + timedelta(days=3, hours=5)) == (0, 0)
        assert shipments_remind_or_return(now=arrived + timedelta(days=4, hours=2)) == (1, 0)
    assert [m.body.startswith("Reminder") for m in mailoutbox[-2:]] == [True, True]
    assert shipments_remind_or_return(now=arrived + timedelta(days=7, hours=1)) == (0, 1)
    assert reload(shipment).status == ShipmentStatus.RETURNED
    assert shipments_remind_or_return(now=arrived + timedelta(days=8)) == (0, 0)


def test_a_station_needs_a_real_operator_and_sane_capacity():
    village = factories.village()
    buyer = factories.user(role=Role.BUYER)
    with pytest.raises(ValidationError) as exc:
        station_create(
            village=village,
            name="站",
            address="村委会",
            opening_hours="8-20",
            capacity=10,
            operator=buyer,
        )
    assert codes(exc) == ["not_a_station_operator"]
    with pytest.raises(ValidationError) as exc:
        station_create(village=village, name="站", address="村委会", opening_hours="", capacity=0)
    assert codes(exc) == ["invalid"]
    assert not Shipment.objects.exists()
    assert timezone.now()
