"""Parcels logged in at the counter: the code by SMS, hand-over with the station's code
rules, capacity shared with our shipments, reminders and returns, dispatches out."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from logistics.parcels.models import ParcelDispatch, StationParcel, StationParcelStatus
from logistics.parcels.services import (
    station_parcel_dispatch,
    station_parcel_hand_over,
    station_parcel_log_in,
    station_parcel_unlock,
    station_parcels_remind_or_return,
)
from logistics.stations.pickup import station_load
from marketplace.notifications.models import OutboxMessage, OutboxStatus
from tests import factories
from tests.checkout.helpers import codes
from tests.parcels.conftest import counter_setup, last_code

pytestmark = pytest.mark.django_db


def log_in(counter, capture, *, waybill="ZT7800112233", by=None, **kw):
    with capture(execute=True):
        return station_parcel_log_in(
            station=counter.station,
            operator=by or counter.operator,
            carrier=kw.pop("carrier", "zhongtong"),
            waybill=waybill,
            recipient_phone=kw.pop("phone", "138 0013 8000"),
            **kw,
        )


def test_log_in_texts_a_code_that_hands_the_parcel_over_once(
    counter, sms, django_capture_on_commit_callbacks
):
    parcel = log_in(
        counter, django_capture_on_commit_callbacks, recipient_name="李四", shelf_slot="A-03"
    )
    assert (parcel.status, parcel.recipient_phone, parcel.waybill) == (
        StationParcelStatus.AT_STATION,
        "13800138000",
        "ZT7800112233",
    )
    (text,) = sms.messages
    code = last_code(sms)
    assert text.template_code == "SMS_PICKUP_CODE" and code in text.content
    assert counter.station.name in text.content
    assert code not in parcel.pickup_code_hash
    assert (
        OutboxMessage.objects.get(event_key__startswith=f"station-parcel:{parcel.pk}:code").status
        == OutboxStatus.SENT
    )

    handed = station_parcel_hand_over(parcel=parcel, operator=counter.operator, code=code)
    assert (
        handed.status == StationParcelStatus.COLLECTED_BY_BUYER
        and handed.handed_over_by == counter.operator
    )
    again = station_parcel_hand_over(parcel=parcel, operator=counter.operator, code=code)
    assert again.handed_over_at == handed.handed_over_at
    with pytest.raises(ValidationError) as refused:
        station_parcel_hand_over(parcel=parcel, operator=counter.operator, code="000000")
    assert codes(refused) == ["already_collected"]
    # Off the shelf, the same waybill may come back another day.
    log_in(counter, django_capture_on_commit_callbacks)


def test_the_hosting_supermarkets_operator_works_the_counter_others_do_not(
    counter, sms, django_capture_on_commit_callbacks
):
    parcel = log_in(counter, django_capture_on_commit_callbacks, by=counter.supermarket_operator)
    code = last_code(sms)
    for stranger in (counter.other_station.operator, factories.user(), factories.platform_admin()):
        with pytest.raises(ValidationError) as refused:
            station_parcel_hand_over(parcel=parcel, operator=stranger, code=code)
        assert codes(refused) == ["not_a_station_operator"]
        with pytest.raises(ValidationError) as refused:
            log_in(counter, django_capture_on_commit_callbacks, by=stranger, waybill="ZT7800999999")
        assert codes(refused) == ["not_a_station_operator"]
    assert (
        station_parcel_hand_over(
            parcel=parcel, operator=counter.supermarket_operator, code=code
        ).status
        == "COLLECTED_BY_BUYER"
    )


def test_wrong_codes_lock_the_parcel_until_unlocked(
    counter, sms, settings, django_capture_on_commit_callbacks
):
    settings.PICKUP_CODE_MAX_ATTEMPTS = 3
    parcel = log_in(counter, django_capture_on_commit_callbacks)
    code = last_code(sms)
    wrong = "999999" if code != "999999" else "888888"
    seen = []
    for _ in range(4):
        with pytest.raises(ValidationError) as refused:
            station_parcel_hand_over(parcel=parcel, operator=counter.operator, code=wrong)
        seen += codes(refused)
    assert seen == ["invalid_pickup_code", "invalid_pickup_code", "pickup_locked", "pickup_locked"]
    parcel.refresh_from_db()
    assert (parcel.pickup_failed_attempts, parcel.pickup_locked) == (3, True)
    with pytest.raises(ValidationError):
        station_parcel_hand_over(parcel=parcel, operator=counter.operator, code=code)
    station_parcel_unlock(parcel=parcel, operator=counter.operator)
    assert (
        station_parcel_hand_over(parcel=parcel, operator=counter.operator, code=code).status
        == "COLLECTED_BY_BUYER"
    )


def test_bad_input_is_refused_and_nothing_is_written(
    counter, sms, django_capture_on_commit_callbacks
):
    cases = [
        (dict(phone="12345"), "invalid_phone"),
        (dict(phone="021-66668888"), "invalid_phone"),
        (dict(waybill="ZT-1"), "invalid_waybill"),
        (dict(waybill=""), "invalid_waybill"),
        (dict(carrier="fedex"), "unknown_carrier"),
    ]
    for kwargs, code in cases:
        with pytest.raises(ValidationError) as refused:
            log_in(counter, django_capture_on_commit_callbacks, **kwargs)
        assert codes(refused) == [code], kwargs
    assert not StationParcel.objects.exists() and sms.messages == []
    log_in(counter, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError) as refused:
        log_in(counter, django_capture_on_commit_callbacks, waybill="zt7800 112233")
    assert codes(refused) == ["duplicate_waybill"]
    assert StationParcel.objects.count() == 1 and len(sms.messages) == 1
    # The database holds the rules too.
    with pytest.raises(IntegrityError), transaction.atomic():
        StationParcel.objects.filter(pk=StationParcel.objects.get().pk).update(
            recipient_phone="1234"
        )


def test_capacity_counts_logged_parcels_and_our_shipments_alike(
    sms, django_capture_on_commit_callbacks
):
    counter = counter_setup(capacity=2)
    log_in(counter, django_capture_on_commit_callbacks, waybill="ZT0000000001")
    log_in(counter, django_capture_on_commit_callbacks, waybill="ZT0000000002")
    assert station_load(station=counter.station) == 2
    with pytest.raises(ValidationError) as refused:
        log_in(counter, django_capture_on_commit_callbacks, waybill="ZT0000000003")
    assert codes(refused) == ["station_full"]
    from logistics.shipments.selectors import station_parcels_expected

    assert station_parcels_expected(station=counter.station) == 2


def test_uncollected_parcels_are_reminded_daily_then_sent_back(
    counter, sms, settings, django_capture_on_commit_callbacks
):
    settings.PICKUP_REMINDER_AFTER_DAYS, settings.PICKUP_RETURN_AFTER_DAYS = 3, 7
    parcel = log_in(counter, django_capture_on_commit_callbacks)
    arrived = parcel.arrived_at
    with django_capture_on_commit_callbacks(execute=True):
        assert station_parcels_remind_or_return(now=arrived + timedelta(days=2)) == (0, 0)
        assert station_parcels_remind_or_return(now=arrived + timedelta(days=3, hours=1)) == (1, 0)
        assert station_parcels_remind_or_return(now=arrived + timedelta(days=3, hours=5)) == (0, 0)
        assert station_parcels_remind_or_return(now=arrived + timedelta(days=4, hours=2)) == (1, 0)
        assert station_parcels_remind_or_return(now=arrived + timedelta(days=7, hours=1)) == (0, 1)
        assert station_parcels_remind_or_return(now=arrived + timedelta(days=8)) == (0, 0)
    parcel.refresh_from_db()
    assert parcel.status == StationParcelStatus.RETURNED and parcel.reminders_sent == 2
    assert [m.template_code for m in sms.messages] == [
        "SMS_PICKUP_CODE",
        "SMS_PICKUP_REMINDER",
        "SMS_PICKUP_REMINDER",
        "SMS_PARCEL_RETURNED",
    ]
    with pytest.raises(ValidationError) as refused:
        station_parcel_hand_over(parcel=parcel, operator=counter.operator, code=last_code(sms))
    assert codes(refused) == ["not_at_station"]


def test_a_dispatch_is_logged_once_per_request(counter):
    request = uuid.uuid4()
    kwargs = dict(
        station=counter.station,
        operator=counter.operator,
        carrier="youzhengguonei",
        waybill="9893000011112",
        sender_phone="13900139000",
        weight_grams=1200,
        fee="12.50",
    )
    first = station_parcel_dispatch(request_id=request, **kwargs)
    again = station_parcel_dispatch(request_id=request, **kwargs)
    assert first.pk == again.pk and first.fee_amount == Decimal("12.50")
    with pytest.raises(ValidationError) as refused:
        station_parcel_dispatch(request_id=uuid.uuid4(), **kwargs)
    assert codes(refused) == ["duplicate_waybill"]
    for change, code in [
        (dict(fee="-1"), "invalid_fee"),
        (dict(fee="1.234"), "invalid_fee"),
        (dict(fee="abc"), "invalid_fee"),
        (dict(weight_grams=0), "invalid_weight"),
        (dict(sender_phone="110"), "invalid_phone"),
        (dict(destination="x" * 129), "invalid_destination"),
        (dict(destination="云南省\n某县"), "invalid_destination"),
        (dict(operator=counter.other_station.operator), "not_a_station_operator"),
    ]:
        with pytest.raises(ValidationError) as refused:
            station_parcel_dispatch(
                request_id=uuid.uuid4(), **{**kwargs, **change, "waybill": "9893000099999"}
            )
        assert codes(refused) == [code], change
    assert ParcelDispatch.objects.count() == 1


def test_a_dispatch_keeps_where_it_goes_on_one_line(counter):
    dispatch = station_parcel_dispatch(
        station=counter.station,
        operator=counter.operator,
        request_id=uuid.uuid4(),
        carrier="youzhengguonei",
        waybill="9893000022223",
        sender_phone="13900139000",
        weight_grams=800,
        fee="8.00",
        destination="  昆明市   五华区 ",
    )
    dispatch.refresh_from_db()
    assert dispatch.destination == "昆明市 五华区"
