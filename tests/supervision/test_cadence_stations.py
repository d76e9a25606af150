"""The cadence judges stations as well as shops: parcels left on the shelf past their
return date and an operator who stopped logging in put a village behind, and the station's
operator is reminded with the village's administrators; unanswered orders are a reason."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from logistics.parcels.models import StationParcel
from logistics.stations.models import VillageStation
from marketplace.activity.services import activity_record, activity_record_login
from marketplace.orders.models import OrderStatus, ShopOrder
from marketplace.supervision import cadence
from marketplace.supervision.models import Reminder, ReminderKind
from tests import factories
from tests.supervision.world import Town, sell

pytestmark = pytest.mark.django_db


def _station(village, operator=None) -> VillageStation:
    return VillageStation.objects.create(
        village=village,
        name=f"服务站{village.pk}",
        address="村委会",
        opening_hours="8-20",
        capacity=50,
        operator=operator,
    )


def _parcel(station: VillageStation, *, days_ago: float, waybill: str) -> StationParcel:
    return StationParcel.objects.create(
        station=station,
        carrier="zhongtong",
        waybill=waybill,
        recipient_phone="13800138000",
        pickup_code_hash="x" * 64,
        arrived_at=timezone.now() - datetime.timedelta(days=days_ago),
        logged_in_by=station.operator or factories.user(role="STATION_OPERATOR"),
    )


def test_parcels_past_their_return_date_and_an_absent_operator_put_a_station_behind(
    town: Town, settings
):
    settings.PICKUP_RETURN_AFTER_DAYS = 7
    settings.SUPERVISION_NO_LOGIN_DAYS = 10
    behind_village, fine_village = town.shops[0].village, town.shops[1].village
    absent = town.station_operator
    activity_record(
        user_id=absent.pk, logins=1, day=timezone.localdate() - datetime.timedelta(days=30)
    )
    late = _station(behind_village, operator=absent)
    _parcel(late, days_ago=9, waybill="73100000000001")
    _parcel(late, days_ago=8, waybill="73100000000002")
    _parcel(late, days_ago=2, waybill="73100000000003")  # not yet due back
    present = factories.user(role="STATION_OPERATOR")
    activity_record_login(user_id=present.pk)
    _parcel(_station(fine_village, operator=present), days_ago=3, waybill="73100000000004")

    reasons = cadence.stations_behind(now=timezone.now())
    assert reasons[behind_village.pk] == [
        "2 parcel(s) at the station past their return date (7 days)",
        "station operator has not logged in for 10 days",
    ]
    assert fine_village.pk not in reasons
    # A collected parcel no longer counts.
    StationParcel.objects.filter(waybill="73100000000001").update(
        status="COLLECTED_BY_BUYER", handed_over_at=timezone.now()
    )
    assert cadence.stations_behind(now=timezone.now())[behind_village.pk][0].startswith("1 parcel")

    cadence.cadence_send(kind=ReminderKind.MID_MONTH)
    sent = dict(Reminder.objects.values_list("recipient", "reason"))
    # The station's operator is reminded, and so is the village's shop manager.
    assert "past their return date" in sent[absent.pk] and "no login" in sent[absent.pk]
    assert "station operator has not logged in" in sent[town.managers[0].pk]
    assert "station" not in sent.get(town.managers[1].pk, "")
    # Their own station is in order: only their village's stale shop is mentioned.
    assert "station" not in sent[present.pk] and "no login" not in sent[present.pk]


def test_unanswered_orders_are_a_reason_and_answered_or_recent_ones_are_not(town: Town, settings):
    settings.SUPERVISION_UNANSWERED_ORDER_HOURS = 48
    shop = town.shops[2]
    old = timezone.now() - datetime.timedelta(hours=60)
    waiting = [sell(shop, amount="10.00", when=old) for _ in range(2)]
    fulfilled = sell(shop, amount="10.00", when=old)
    ShopOrder.objects.filter(pk=fulfilled.pk).update(status=OrderStatus.FULFILLED)
    sell(shop, amount="10.00", when=timezone.now() - datetime.timedelta(hours=5))
    reasons = cadence.villages_behind()
    assert "2 order(s) unanswered for over 48 hours" in reasons[shop.village_id]
    assert not any("unanswered" in r for r in reasons.get(town.shops[0].village_id, []))
    ShopOrder.objects.filter(pk=waiting[0].pk).update(status=OrderStatus.FULFILLED)
    assert "1 order(s) unanswered for over 48 hours" in cadence.villages_behind()[shop.village_id]
    cadence.cadence_send(kind=ReminderKind.MONTH_END)
    reason = Reminder.objects.get(recipient=town.managers[2]).reason
    assert "1 order(s) unanswered" in reason


def _statements() -> int:
    with CaptureQueriesContext(connection) as ctx:
        cadence.villages_behind()
    return len(ctx.captured_queries)


def test_judging_villages_costs_the_same_statements_for_one_station_or_many(town: Town):
    _parcel(_station(town.shops[0].village), days_ago=30, waybill="73100000000010")
    one = _statements()
    for index, shop in enumerate(town.shops[1:]):
        station = _station(shop.village, operator=factories.user(role="STATION_OPERATOR"))
        _parcel(station, days_ago=30, waybill=f"7310000000002{index}")
    assert _statements() == one == 2
    behind = cadence.villages_behind()
    assert all(any("past their return date" in r for r in behind[s.village_id]) for s in town.shops)
