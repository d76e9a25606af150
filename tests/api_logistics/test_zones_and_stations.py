"""`shippingZones` / `shippingZone` for shop staff, public `villageStations`, and
`stationParcels` for a station's own operator: scopes, refusals and query counts."""

from __future__ import annotations

import pytest

from logistics.shipment_status import ShipmentStatus
from marketplace.accounts.models import Role
from tests import factories
from tests.api_logistics.conftest import (
    count_queries,
    denied,
    gid,
    manager_of,
    paid_shop_order,
    parcel,
    station_in,
    zone,
)
from tests.checkout import helpers

pytestmark = pytest.mark.django_db

ZONES = """query($first: Int, $filter: ShippingZoneFilterInput) {
  shippingZones(first: $first, filter: $filter) {
    totalCount
    edges { node { id name default countries { code } prefixes remoteSurcharge { amount }
      shop { slug village { name } }
      rates { serves firstPrice { amount } firstWeight { value unit } stepPrice { amount }
              method { name kind } } } } } }"""
ZONE = "query($id: ID!) { shippingZone(id: $id) { name prefixes } }"


def test_a_manager_sees_their_shops_zones_and_an_admin_all(gql, admin):
    tea, honey = helpers.shop_with_delivery(), helpers.shop_with_delivery()
    zone(tea, "省内", ["53"], price="6.00")
    other = zone(honey, "江浙沪", ["31", "32", "33"])
    gql.login(manager_of(tea))
    edges = gql.data(ZONES, {"first": 10})["shippingZones"]["edges"]
    assert [e["node"]["name"] for e in edges] == ["省内"]
    node = edges[0]["node"]
    assert node["prefixes"] == ["53"] and node["countries"] == [{"code": "CN"}]
    assert node["rates"][0]["firstPrice"] == {"amount": 6.0}
    assert node["rates"][0]["method"]["kind"] == "EXPRESS_FLAT"
    # Another shop's zone by ID answers null, as an unknown ID does.
    assert gql.data(ZONE, {"id": gid("ShippingZone", other.pk)}) == {"shippingZone": None}
    gql.login(admin)
    body = gql.data(ZONES, {"first": 10})["shippingZones"]
    assert body["totalCount"] == 2
    by_search = gql.data(ZONES, {"first": 10, "filter": {"search": "江浙"}})["shippingZones"]
    assert [e["node"]["prefixes"] for e in by_search["edges"]] == [["31", "32", "33"]]
    assert gql.data(ZONE, {"id": gid("ShippingZone", other.pk)})["shippingZone"]["name"]


def test_buyers_anonymous_and_operators_are_refused_zones(gql):
    shop = helpers.shop_with_delivery()
    one = zone(shop, "省内", ["53"])
    assert denied(gql(ZONES, {"first": 10}))
    assert denied(gql(ZONE, {"id": gid("ShippingZone", one.pk)}))
    for role in (None, Role.STATION_OPERATOR):
        gql.login(factories.user(role=role))
        assert denied(gql(ZONES, {"first": 10}))
        assert denied(gql(ZONE, {"id": gid("ShippingZone", one.pk)}))


def test_zones_cost_the_same_queries_for_1_and_many(gql, admin):
    gql.login(admin)
    first_shop = helpers.shop_with_delivery()
    zone(first_shop, "省内", ["53"])
    few, data = count_queries(gql, ZONES, {"first": 20})
    assert len(data["shippingZones"]["edges"]) == 1
    for i in range(6):
        shop = helpers.shop_with_delivery()
        zone(shop, f"zone {i}", ["31", f"{32 + i}"])
    many, data = count_queries(gql, ZONES, {"first": 20})
    assert len(data["shippingZones"]["edges"]) == 7
    assert few == many


STATIONS = """query($filter: VillageStationFilterInput) {
  villageStations(first: 20, filter: $filter) {
    totalCount edges { node { id name address openingHours capacity redSupermarketName
      village { name township { name } } operator { email } } } } }"""


def test_stations_are_public_and_the_operator_only_shown_to_them_and_admins(gql, admin):
    shop = helpers.shop_with_delivery()
    station = station_in(shop.village)
    other = station_in(helpers.shop_with_delivery().village)
    nodes = [e["node"] for e in gql.data(STATIONS)["villageStations"]["edges"]]
    assert {n["name"] for n in nodes} == {station.name, other.name}
    assert all(n["operator"] is None for n in nodes) and nodes[0]["openingHours"]
    by_village = gql.data(STATIONS, {"filter": {"village": [gid("Village", shop.village_id)]}})
    (only,) = by_village["villageStations"]["edges"]
    assert only["node"]["address"] == station.address
    by_township = {"township": [gid("Township", shop.village.township_id)]}
    assert gql.data(STATIONS, {"filter": by_township})["villageStations"]["totalCount"] >= 1
    gql.login(station.operator)
    seen = {
        n["node"]["name"]: n["node"]["operator"]
        for n in gql.data(STATIONS)["villageStations"]["edges"]
    }
    assert seen == {station.name: {"email": station.operator.email}, other.name: None}
    gql.login(admin)
    seen_by_admin = [e["node"]["operator"] for e in gql.data(STATIONS)["villageStations"]["edges"]]
    assert None not in seen_by_admin


def test_stations_cost_the_same_queries_for_1_and_many(gql, admin):
    gql.login(admin)
    station_in(helpers.shop_with_delivery().village)
    few, _ = count_queries(gql, STATIONS, {})
    for _ in range(5):
        station_in(helpers.shop_with_delivery().village)
    many, data = count_queries(gql, STATIONS, {})
    assert data["villageStations"]["totalCount"] == 6 and few == many


PARCELS = """query($station: ID!, $status: TrackingStatusEnum) {
  stationParcels(stationId: $station, status: $status, first: 50) {
    totalCount edges { node { id trackingNumber carrier status pickupLocked
      pickupFailedAttempts arrivedAtStation station { name } } } } }"""


def test_an_operator_sees_their_station_only_and_an_admin_any(gql, channel, admin):
    shop_order = paid_shop_order(channel)
    station = station_in(shop_order.shop.village)
    other = station_in(helpers.shop_with_delivery().village)
    waiting = parcel(shop_order, station=station, status=ShipmentStatus.AT_STATION)
    parcel(shop_order, station=station)
    gql.login(station.operator)
    mine = {"station": gid("VillageStation", station.pk)}
    body = gql.data(PARCELS, mine)["stationParcels"]
    assert body["totalCount"] == 2
    at_station = gql.data(PARCELS, {**mine, "status": "AT_STATION"})["stationParcels"]
    (edge,) = at_station["edges"]
    assert edge["node"]["trackingNumber"] == waiting.tracking_number
    assert edge["node"]["station"]["name"] == station.name
    # Another station: refused, whether it exists or not.
    assert denied(gql(PARCELS, {"station": gid("VillageStation", other.pk)}))
    assert denied(gql(PARCELS, {"station": gid("VillageStation", 999_999)}))
    gql.login(other.operator)
    assert denied(gql(PARCELS, mine))
    gql.login(admin)
    assert gql.data(PARCELS, mine)["stationParcels"]["totalCount"] == 2
    unknown = gql(PARCELS, {"station": gid("VillageStation", 999_999)})
    assert unknown["errors"][0]["extensions"]["exception"]["code"] == "NOT_FOUND"


def test_buyers_managers_and_anonymous_are_refused_station_parcels(gql, channel):
    shop_order = paid_shop_order(channel)
    station = station_in(shop_order.shop.village)
    mine = {"station": gid("VillageStation", station.pk)}
    assert denied(gql(PARCELS, mine))
    for user in (factories.user(), manager_of(shop_order.shop)):
        gql.login(user)
        assert denied(gql(PARCELS, mine))


def test_station_parcels_cost_the_same_queries_for_1_and_many(gql, channel):
    shop_order = paid_shop_order(channel)
    station = station_in(shop_order.shop.village)
    gql.login(station.operator)
    mine = {"station": gid("VillageStation", station.pk)}
    parcel(shop_order, station=station)
    few, _ = count_queries(gql, PARCELS, mine)
    for _ in range(8):
        parcel(shop_order, station=station, status=ShipmentStatus.AT_STATION)
    many, data = count_queries(gql, PARCELS, mine)
    assert len(data["stationParcels"]["edges"]) == 9 and few == many
