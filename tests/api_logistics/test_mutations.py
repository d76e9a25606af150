"""The logistics mutations through the API, against the Kuaidi100 sandbox: shipping a shop
order, handing a parcel over against its pickup code, and consolidation. Each refusal is
tested: "not yours" is PermissionDenied, bad input a coded `errors` entry."""

from __future__ import annotations

import pytest

from logistics.consolidation.models import BatchStatus, ConsolidationBatch
from logistics.shipment_status import ShipmentStatus
from logistics.shipments.models import Shipment, ShipmentKind
from marketplace.accounts.models import Role
from marketplace.checkout import services as checkout_services
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.orders.models import OrderStatus, ShopOrder
from tests import factories
from tests.api_logistics.conftest import (
    count_queries,
    denied,
    gid,
    manager_of,
    paid_shop_order,
    ship,
    station_in,
)
from tests.checkout import helpers
from tests.logistics.test_stations_pickup import arrive

pytestmark = pytest.mark.django_db

SHIP = """mutation($id: ID!, $carrier: String!, $grams: Int!, $station: ID) {
  shopOrderShip(id: $id, carrier: $carrier, weightGrams: $grams, stationId: $station) {
    shopOrder { status fulfillments { trackingNumber } }
    fulfillment { trackingNumber carrier trackingStatus fulfillmentOrder }
    errors { field message code } } }"""


def _ship_vars(shop_order, **extra):
    return {"id": gid("ShopOrder", shop_order.pk), "carrier": "zhongtong", "grams": 1500, **extra}


def test_the_shops_manager_ships_with_a_sandbox_waybill(gql, channel, sandbox):
    shop_order = paid_shop_order(channel)
    gql.login(manager_of(shop_order.shop))
    payload = gql.data(SHIP, _ship_vars(shop_order))["shopOrderShip"]
    assert payload["errors"] == []
    waybill = payload["fulfillment"]["trackingNumber"]
    assert waybill in sandbox.waybills and payload["fulfillment"]["carrier"] == "zhongtong"
    assert payload["fulfillment"]["trackingStatus"] == "CREATED"
    assert payload["shopOrder"] == {
        "status": "FULFILLED",
        "fulfillments": [{"trackingNumber": waybill}],
    }


def test_shipping_refusals(gql, channel, sandbox):
    shop_order = paid_shop_order(channel)
    variables = _ship_vars(shop_order)
    assert denied(gql(SHIP, variables))
    for outsider in (factories.user(), manager_of(helpers.shop_with_delivery())):
        gql.login(outsider)
        assert denied(gql(SHIP, variables))
    gql.login(manager_of(shop_order.shop))
    bad = [
        ({"carrier": "no-such-carrier"}, ("carrier", "UNKNOWN_CARRIER")),
        ({"grams": 0}, ("weightGrams", "INVALID_WEIGHT")),
        ({"grams": 500_000}, ("weightGrams", "INVALID_WEIGHT")),
        ({"id": gid("Product", shop_order.pk)}, ("id", "INVALID")),
        ({"id": gid("ShopOrder", 999_999)}, ("id", "NOT_FOUND")),
        ({"station": gid("VillageStation", 999_999)}, ("stationId", "NOT_FOUND")),
    ]
    for change, expected in bad:
        payload = gql.data(SHIP, {**variables, **change})["shopOrderShip"]
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [expected], change
        assert payload["fulfillment"] is None
    assert not Shipment.objects.exists()
    shop_order.refresh_from_db()
    assert shop_order.status == OrderStatus.UNFULFILLED
    assert len(sandbox.waybills) == 0


def test_shipping_costs_the_same_queries_for_1_and_many_lines(gql, channel, sandbox):
    small = paid_shop_order(channel)
    manager = manager_of(small.shop)
    gql.login(manager)
    few, _ = count_queries(gql, SHIP, _ship_vars(small))
    goods = [helpers.goods(shop=small.shop, channel=channel, stock=10) for _ in range(6)]
    checkout = checkout_services.checkout_create(
        channel=channel,
        email="buyer@example.cn",
        shipping_address=helpers.ADDRESS,
        lines=[helpers.line(variant, 1) for variant in goods],
    )
    order = checkout_complete(checkout=helpers.ready(checkout))
    big = ShopOrder.objects.get(order=order)
    many, data = count_queries(gql, SHIP, _ship_vars(big))
    assert data["shopOrderShip"]["errors"] == []
    assert few == many


HAND_OVER = """mutation($id: ID!, $code: String!) {
  stationParcelHandOver(id: $id, pickupCode: $code) {
    parcel { status pickupFailedAttempts pickupLocked } errors { field code message } } }"""


@pytest.fixture
def at_station(channel, adapter, sandbox, client, django_capture_on_commit_callbacks, mailoutbox):
    """A parcel waiting at its station, and the pickup code the buyer was mailed."""
    shop_order = paid_shop_order(channel)
    station = station_in(shop_order.shop.village)
    shipment = ship(shop_order, manager_of(shop_order.shop), adapter, station=station)
    code = arrive(shipment, sandbox, client, django_capture_on_commit_callbacks)
    return shipment, station, code


def test_the_operator_hands_over_against_the_code(gql, at_station):
    shipment, station, code = at_station
    gql.login(station.operator)
    variables = {"id": gid("StationParcel", shipment.pk), "code": code}
    payload = gql.data(HAND_OVER, variables)["stationParcelHandOver"]
    assert payload == {
        "parcel": {
            "status": "COLLECTED_BY_BUYER",
            "pickupFailedAttempts": 0,
            "pickupLocked": False,
        },
        "errors": [],
    }
    # Repeating with the right code answers the same parcel.
    again = gql.data(HAND_OVER, variables)["stationParcelHandOver"]
    assert again["errors"] == [] and again["parcel"]["status"] == "COLLECTED_BY_BUYER"


def test_wrong_codes_are_counted_then_lock_the_parcel(gql, at_station, settings):
    settings.PICKUP_CODE_MAX_ATTEMPTS = 3
    shipment, station, code = at_station
    gql.login(station.operator)
    wrong = "000000" if code != "000000" else "111111"
    variables = {"id": gid("StationParcel", shipment.pk), "code": wrong}
    seen = []
    for _ in range(4):
        payload = gql.data(HAND_OVER, variables)["stationParcelHandOver"]
        seen.append([(e["field"], e["code"]) for e in payload["errors"]])
        assert payload["parcel"] is None
    assert seen == [
        [("code", "INVALID_PICKUP_CODE")],
        [("code", "INVALID_PICKUP_CODE")],
        [("code", "PICKUP_LOCKED")],
        [("code", "PICKUP_LOCKED")],
    ]
    parcel = Shipment.objects.get(pk=shipment.pk)
    assert parcel.pickup_failed_attempts == 3 and parcel.pickup_locked
    # Locked: even the right code is refused until the operator checks the buyer's ID.
    right = gql.data(HAND_OVER, {**variables, "code": code})["stationParcelHandOver"]
    assert [e["code"] for e in right["errors"]] == ["PICKUP_LOCKED"]
    assert Shipment.objects.get(pk=shipment.pk).status == ShipmentStatus.AT_STATION


def test_hand_over_refusals(gql, at_station):
    shipment, station, code = at_station
    variables = {"id": gid("StationParcel", shipment.pk), "code": code}
    assert denied(gql(HAND_OVER, variables))
    other_operator = station_in(helpers.shop_with_delivery().village).operator
    for outsider in (factories.user(), factories.platform_admin(), other_operator):
        gql.login(outsider)
        assert denied(gql(HAND_OVER, variables))
    gql.login(station.operator)
    unknown = gql.data(HAND_OVER, {**variables, "id": gid("StationParcel", 999_999)})
    assert unknown["stationParcelHandOver"]["errors"][0]["code"] == "NOT_FOUND"
    parcel = Shipment.objects.get(pk=shipment.pk)
    assert parcel.status == ShipmentStatus.AT_STATION and parcel.pickup_failed_attempts == 0


OPEN = """mutation($station: ID!) { consolidationBatchOpen(stationId: $station) {
  batch { id status station { name } parcels { id } } errors { field code } } }"""
ADD = """mutation($batch: ID!, $parcel: ID!) {
  consolidationBatchAddParcel(batchId: $batch, parcelId: $parcel) {
    batch { status parcels { trackingNumber } } errors { field code } } }"""
CLOSE = """mutation($batch: ID!, $grams: Int!) {
  consolidationBatchClose(batchId: $batch, totalWeightGrams: $grams, carrier: "youzhengguonei") {
    batch { id status totalWeight { value unit } consignmentTrackingNumber closedAt
            parcels { trackingNumber status } }
    errors { field code } } }"""


@pytest.fixture
def village_parcels(channel, adapter, sandbox):
    """Two shipped parcels of one village's shop, and that village's station."""
    first = paid_shop_order(channel)
    second = paid_shop_order(channel, shop=first.shop)
    station = station_in(first.shop.village)
    manager = manager_of(first.shop)
    return [ship(order, manager, adapter) for order in (first, second)], station


def test_the_operator_opens_fills_and_closes_a_batch_once(gql, village_parcels, sandbox):
    parcels, station = village_parcels
    gql.login(station.operator)
    opened = gql.data(OPEN, {"station": gid("VillageStation", station.pk)})
    batch = opened["consolidationBatchOpen"]["batch"]
    assert batch["status"] == "OPEN" and batch["parcels"] == []
    for parcel in [*parcels, parcels[0]]:  # a rescan is a no-op
        added = gql.data(ADD, {"batch": batch["id"], "parcel": gid("StationParcel", parcel.pk)})
        assert added["consolidationBatchAddParcel"]["errors"] == []
    assert len(added["consolidationBatchAddParcel"]["batch"]["parcels"]) == 2
    closed = gql.data(CLOSE, {"batch": batch["id"], "grams": 3200})["consolidationBatchClose"]
    assert closed["errors"] == []
    assert closed["batch"]["status"] == "CLOSED"
    assert closed["batch"]["totalWeight"] == {"value": 3200.0, "unit": "G"}
    consignment = closed["batch"]["consignmentTrackingNumber"]
    assert consignment in sandbox.waybills
    assert {p["status"] for p in closed["batch"]["parcels"]} == {"COLLECTED"}
    # Closing again answers the same batch, without an error or a second consignment.
    again = gql.data(CLOSE, {"batch": batch["id"], "grams": 3200})["consolidationBatchClose"]
    assert again == closed
    assert Shipment.objects.filter(kind=ShipmentKind.CONSIGNMENT).count() == 1


def test_consolidation_refusals(gql, village_parcels, channel, adapter):
    parcels, station = village_parcels
    station_id = gid("VillageStation", station.pk)
    other = station_in(helpers.shop_with_delivery().village)
    assert denied(gql(OPEN, {"station": station_id}))
    for outsider in (factories.user(), factories.platform_admin(), other.operator):
        gql.login(outsider)
        assert denied(gql(OPEN, {"station": station_id}))
    gql.login(station.operator)
    batch_id = gql.data(OPEN, {"station": station_id})["consolidationBatchOpen"]["batch"]["id"]
    parcel_id = gid("StationParcel", parcels[0].pk)
    empty = gql.data(CLOSE, {"batch": batch_id, "grams": 100})["consolidationBatchClose"]
    assert [(e["field"], e["code"]) for e in empty["errors"]] == [("batch", "BATCH_EMPTY")]
    gql.data(ADD, {"batch": batch_id, "parcel": parcel_id})
    # Another station's operator may not scan into or close this batch.
    gql.login(other.operator)
    assert denied(gql(ADD, {"batch": batch_id, "parcel": gid("StationParcel", parcels[1].pk)}))
    assert denied(gql(CLOSE, {"batch": batch_id, "grams": 100}))
    other_batch = gql.data(OPEN, {"station": gid("VillageStation", other.pk)})[
        "consolidationBatchOpen"
    ]["batch"]["id"]
    from_elsewhere = gql.data(ADD, {"batch": other_batch, "parcel": parcel_id})
    assert [e["code"] for e in from_elsewhere["consolidationBatchAddParcel"]["errors"]] == [
        "PARCEL_NOT_FROM_VILLAGE"
    ]
    gql.login(station.operator)
    second_batch = gql.data(OPEN, {"station": station_id})["consolidationBatchOpen"]["batch"]["id"]
    twice = gql.data(ADD, {"batch": second_batch, "parcel": parcel_id})
    assert [e["code"] for e in twice["consolidationBatchAddParcel"]["errors"]] == [
        "PARCEL_IN_OPEN_BATCH"
    ]
    for grams in (0, -5, 5_000_000):
        bad = gql.data(CLOSE, {"batch": batch_id, "grams": grams})["consolidationBatchClose"]
        assert [e["code"] for e in bad["errors"]] == ["INVALID_WEIGHT"]
    unknown = gql.data(ADD, {"batch": gid("ConsolidationBatch", 999_999), "parcel": parcel_id})
    assert unknown["consolidationBatchAddParcel"]["errors"] == [
        {"field": "batchId", "code": "NOT_FOUND"}
    ]
    assert ConsolidationBatch.objects.filter(status=BatchStatus.CLOSED).count() == 0
    assert not Shipment.objects.filter(kind=ShipmentKind.CONSIGNMENT).exists()


def test_a_station_operator_role_is_needed_even_for_a_stations_user(gql, village_parcels):
    # The station names its operator; a user who lost the role is refused all the same.
    _, station = village_parcels
    station.operator.role_assignments.filter(role=Role.STATION_OPERATOR).delete()
    gql.login(station.operator)
    assert denied(gql(OPEN, {"station": gid("VillageStation", station.pk)}))


def _batch_with(gql, station, parcels) -> str:
    batch_id = gql.data(OPEN, {"station": gid("VillageStation", station.pk)})[
        "consolidationBatchOpen"
    ]["batch"]["id"]
    for parcel in parcels:
        gql.data(ADD, {"batch": batch_id, "parcel": gid("StationParcel", parcel.pk)})
    return batch_id


def test_consolidation_costs_the_same_queries_for_1_and_many_parcels(
    gql, channel, adapter, sandbox
):
    first = paid_shop_order(channel)
    station = station_in(first.shop.village)
    manager = manager_of(first.shop)
    parcels = [ship(first, manager, adapter)]
    parcels += [ship(paid_shop_order(channel, shop=first.shop), manager, adapter) for _ in range(4)]
    gql.login(station.operator)
    small, big = _batch_with(gql, station, parcels[:1]), _batch_with(gql, station, [])
    add_one, _ = count_queries(
        gql, ADD, {"batch": big, "parcel": gid("StationParcel", parcels[1].pk)}
    )
    for parcel in parcels[2:]:
        added, _ = count_queries(
            gql, ADD, {"batch": big, "parcel": gid("StationParcel", parcel.pk)}
        )
        assert added == add_one
    few, _ = count_queries(gql, CLOSE, {"batch": small, "grams": 900})
    many, data = count_queries(gql, CLOSE, {"batch": big, "grams": 3600})
    assert len(data["consolidationBatchClose"]["batch"]["parcels"]) == 4
    assert few == many
