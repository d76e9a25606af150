"""A station post names its station: the village's logistics station or one of its Red
Supermarkets. A station of another village is a coded refusal, and each (village, post,
station) keeps its own replacement history."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from logistics.stations.models import VillageStation
from logistics.stations.services import station_create
from marketplace.supervision.models import AdministratorAppointment
from marketplace.supervision.roster import administrator_appoint
from storefront_api.core.ids import to_global_id
from tests import factories
from tests.supervision.test_api import _appoint_input
from tests.supervision.world import Town

pytestmark = pytest.mark.django_db

APPOINT = """mutation($input: AdministratorAppointInput!) { administratorAppoint(input: $input) {
  term { post isCurrent station { name } redSupermarket { name } }
  errors { field code message } } }"""

ROSTER = """query($v: ID!) { administratorRoster(village: $v) {
  post isCurrent effectiveFrom effectiveUntil replacementReason administrator { email }
  station { name } redSupermarket { name } } }"""


def _station(shop: Any) -> VillageStation:
    return station_create(
        village=shop.village,
        name=f"{shop.village.name}服务站",
        address="村委会一楼",
        opening_hours="每天 08:00–20:00",
        capacity=40,
    )


def _appoint(town: Town, person: Any, year: int, **where: Any) -> AdministratorAppointment:
    return administrator_appoint(
        officer=town.officer,
        village=town.shops[0].village,
        post="STATION",
        administrator=person,
        is_party_member=True,
        birth_date=datetime.date(1990, 1, 1),
        education="COLLEGE",
        effective_from=datetime.date(year, 1, 1),
        replacement_reason="换届" if year > 2025 else "",
        **where,
    )


def test_an_officer_appoints_to_the_villages_station_and_supermarket(gql, town):
    station = _station(town.shops[0])
    supermarket = factories.red_supermarket(shop_obj=town.shops[0])
    gql.login(town.officer)
    at_station = gql.data(
        APPOINT, _appoint_input(town, station=to_global_id("VillageStation", station.pk))
    )["administratorAppoint"]
    assert at_station["errors"] == []
    assert at_station["term"]["station"] == {"name": station.name}
    at_counter = gql.data(
        APPOINT,
        _appoint_input(
            town,
            redSupermarket=to_global_id("RedSupermarket", supermarket.pk),
            administratorEmail=town.managers[1].email,
        ),
    )["administratorAppoint"]
    # A different post: no replacement reason needed, the station's term stays open.
    assert at_counter["errors"] == []
    assert at_counter["term"]["redSupermarket"] == {"name": supermarket.name}
    terms = AdministratorAppointment.objects.filter(effective_until__isnull=True)
    assert {(t.station_id, t.red_supermarket_id) for t in terms} == {
        (station.pk, None),
        (None, supermarket.pk),
    }


@pytest.mark.parametrize("kind", ["station", "redSupermarket"])
def test_a_station_of_another_village_is_refused_with_a_code(gql, town, kind):
    if kind == "station":
        foreign = to_global_id("VillageStation", _station(town.shops[1]).pk)
    else:
        foreign = to_global_id(
            "RedSupermarket", factories.red_supermarket(shop_obj=town.other_shop).pk
        )
    gql.login(town.officer)
    data = gql.data(APPOINT, _appoint_input(town, **{kind: foreign}))["administratorAppoint"]
    assert [(e["field"], e["code"]) for e in data["errors"]] == [(kind, "STATION_NOT_IN_VILLAGE")]
    assert data["term"] is None and not AdministratorAppointment.objects.exists()


def test_a_shop_post_or_two_stations_are_refused(gql, town):
    station = _station(town.shops[0])
    supermarket = factories.red_supermarket(shop_obj=town.shops[0])
    gql.login(town.officer)
    shop_post = _appoint_input(
        town, post="VILLAGE_SHOP", station=to_global_id("VillageStation", station.pk)
    )
    data = gql.data(APPOINT, shop_post)["administratorAppoint"]
    assert [(e["field"], e["code"]) for e in data["errors"]] == [
        ("station", "STATION_NOT_IN_VILLAGE")
    ]
    both = _appoint_input(
        town,
        station=to_global_id("VillageStation", station.pk),
        redSupermarket=to_global_id("RedSupermarket", supermarket.pk),
    )
    data = gql.data(APPOINT, both)["administratorAppoint"]
    assert [(e["field"], e["code"]) for e in data["errors"]] == [("redSupermarket", "INVALID")]
    assert not AdministratorAppointment.objects.exists()


def test_the_database_refuses_a_station_on_a_shop_post_and_two_open_village_wide_terms(town):
    station = _station(town.shops[0])
    first = _appoint(town, town.managers[0], 2025)
    with pytest.raises(IntegrityError), transaction.atomic():
        AdministratorAppointment.objects.filter(pk=first.pk).update(
            post="VILLAGE_SHOP", station=station
        )
    # The post that names no station is one post: a second open term beside it is refused.
    with pytest.raises(IntegrityError), transaction.atomic():
        first.pk = None
        first.save()


def test_each_station_keeps_its_own_replacement_history(gql, town):
    station = _station(town.shops[0])
    supermarket = factories.red_supermarket(shop_obj=town.shops[0])
    managers = town.managers
    _appoint(town, managers[0], 2025, station=station)
    _appoint(town, managers[1], 2025, red_supermarket=supermarket)
    _appoint(town, managers[2], 2026, station=station)
    _appoint(town, managers[0], 2027, station=station)
    gql.login(town.county_officer)
    roster = gql.data(ROSTER, {"v": to_global_id("Village", town.shops[0].village_id)})
    rows = [
        (
            (t["station"] or t["redSupermarket"])["name"],
            t["administrator"]["email"],
            t["effectiveFrom"],
            t["effectiveUntil"],
            t["isCurrent"],
        )
        for t in roster["administratorRoster"]
    ]
    assert rows == [
        (station.name, managers[0].email, "2027-01-01", None, True),
        (station.name, managers[2].email, "2026-01-01", "2026-12-31", False),
        (station.name, managers[0].email, "2025-01-01", "2025-12-31", False),
        # Replacing the station's administrator never touched the supermarket's post.
        (supermarket.name, managers[1].email, "2025-01-01", None, True),
    ]


def _statements(gql, variables) -> int:
    with CaptureQueriesContext(connection) as ctx:
        body = gql(ROSTER, variables)
    assert "errors" not in body, body
    return len(ctx.captured_queries)


def test_the_rosters_query_count_does_not_grow_with_its_terms(gql, town):
    station = _station(town.shops[0])
    village = town.shops[0].village
    supermarket = factories.red_supermarket(shop_obj=town.shops[0])
    _appoint(town, town.managers[0], 2025, station=station)
    _appoint(town, town.managers[1], 2025, red_supermarket=supermarket)
    gql.login(town.officer)
    variables = {"v": to_global_id("Village", village.pk)}
    few = _statements(gql, variables)
    # More terms on both posts, and the village-wide post besides.
    _appoint(town, town.managers[2], 2026, station=station)
    _appoint(town, town.managers[0], 2026, red_supermarket=supermarket)
    _appoint(town, town.managers[2], 2027, red_supermarket=supermarket)
    _appoint(town, town.managers[1], 2025)
    assert _statements(gql, variables) == few
