"""`Order.fulfillments` / `ShopOrder.fulfillments`: Saleor's Fulfillment built from the
order's logistics parcels, with the `trackingEvents` extension (oldest first, the
consolidated consignment's events included), at a constant number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from logistics.consolidation.models import BatchStatus, ConsolidationBatch, ConsolidationItem
from logistics.shipment_status import ShipmentStatus
from logistics.shipments.models import (
    Shipment,
    ShipmentEvent,
    ShipmentEventSource,
    ShipmentKind,
)
from tests.api_logistics.conftest import (
    count_queries,
    gid,
    manager_of,
    order_of_shops,
    paid_shop_order,
    parcel,
    station_in,
)
from tests.checkout import helpers

pytestmark = pytest.mark.django_db

ORDER = """query($id: ID!) { order(id: $id) {
  fulfillments { id fulfillmentOrder status statusDisplay trackingNumber created carrier
    trackingStatus lines { id quantity orderLine { productSku quantity } }
    trackingEvents { time status text location } }
  shopOrders { shop { slug } fulfillments { trackingNumber fulfillmentOrder } } } }"""


def test_an_orders_parcels_are_its_fulfillments_with_events_in_order(gql, channel):
    shop_order = paid_shop_order(channel)
    first = parcel(shop_order, events=3)
    second = parcel(shop_order, events=0, status=ShipmentStatus.RETURNED)
    data = gql.data(ORDER, {"id": gid("Order", shop_order.order_id)})["order"]
    one, two = data["fulfillments"]
    assert (one["fulfillmentOrder"], two["fulfillmentOrder"]) == (1, 2)
    assert one["trackingNumber"] == first.tracking_number and one["carrier"] == "zhongtong"
    assert one["id"] == gid("Fulfillment", first.pk)
    assert (one["status"], two["status"]) == ("FULFILLED", "RETURNED")
    assert two["trackingStatus"] == "RETURNED" and two["trackingNumber"] == second.tracking_number
    assert [e["text"] for e in one["trackingEvents"]] == ["event 0", "event 1", "event 2"]
    assert one["trackingEvents"][0]["status"] == "COLLECTED"
    assert one["trackingEvents"][0]["location"] is None
    assert one["trackingEvents"][1]["location"] == "双江县"
    quantities = [line["quantity"] for line in one["lines"]]
    assert quantities == [line["orderLine"]["quantity"] for line in one["lines"]] == [2]
    (part,) = data["shopOrders"]
    assert [f["trackingNumber"] for f in part["fulfillments"]] == [
        first.tracking_number,
        second.tracking_number,
    ]


def test_an_order_without_parcels_has_no_fulfillments(gql, channel):
    shop_order = paid_shop_order(channel)
    data = gql.data(ORDER, {"id": gid("Order", shop_order.order_id)})["order"]
    assert data["fulfillments"] == [] and data["shopOrders"][0]["fulfillments"] == []


def _consolidate(parcel_row: Shipment, station, *others: Shipment) -> Shipment:
    """The parcel (and `others`) travel in a closed batch's consignment, which has events
    of its own."""
    consignment = Shipment.objects.create(
        kind=ShipmentKind.CONSIGNMENT, carrier="zhongtong", tracking_number=f"C{parcel_row.pk}"
    )
    batch = ConsolidationBatch.objects.create(
        station=station,
        opened_by=station.operator,
        status=BatchStatus.CLOSED,
        consignment=consignment,
        total_weight_grams=3000,
        closed_at=timezone.now(),
    )
    for each in (parcel_row, *others):
        ConsolidationItem.objects.create(batch=batch, shipment=each, batch_is_open=False)
    ShipmentEvent.objects.create(
        shipment=consignment,
        key="hub",
        occurred_at=timezone.now() + timedelta(hours=1),
        source=ShipmentEventSource.CARRIER,
        status=ShipmentStatus.IN_TRANSIT,
        description="到达县集散中心",
    )
    return consignment


def test_a_consolidated_parcel_shows_the_consignments_events_after_its_own(gql, channel):
    shop_order = paid_shop_order(channel)
    station = station_in(shop_order.shop.village)
    own = parcel(shop_order, events=1)
    # A neighbour's parcel of another order travels in the same consignment.
    neighbour = parcel(paid_shop_order(channel, shop=shop_order.shop), events=2)
    _consolidate(own, station, neighbour)
    data = gql.data(ORDER, {"id": gid("Order", shop_order.order_id)})["order"]
    (fulfillment,) = data["fulfillments"]
    assert [e["text"] for e in fulfillment["trackingEvents"]] == ["event 0", "到达县集散中心"]
    theirs = gql.data(ORDER, {"id": gid("Order", neighbour.shop_order.order_id)})["order"]
    texts = [e["text"] for e in theirs["fulfillments"][0]["trackingEvents"]]
    assert texts == ["event 0", "event 1", "到达县集散中心"]


def test_fulfillments_cost_the_same_queries_for_1_and_many_parcels(gql, channel):
    small = paid_shop_order(channel)
    parcel(small, events=1)
    few, _ = count_queries(gql, ORDER, {"id": gid("Order", small.order_id)})
    shops = [helpers.shop_with_delivery() for _ in range(3)]
    big = order_of_shops(channel, shops)
    station = station_in(shops[0].village)
    for shop_order in big.shop_orders.all():
        for _ in range(3):
            _consolidate(parcel(shop_order, events=4), station)
    gql_body_count, data = count_queries(gql, ORDER, {"id": gid("Order", big.pk)})
    assert len(data["order"]["fulfillments"]) == 9
    assert all(len(f["trackingEvents"]) == 5 for f in data["order"]["fulfillments"])
    assert few == gql_body_count


SHOP_ORDERS = """{ shopOrders(first: 20) { edges { node { number
  fulfillments { trackingNumber fulfillmentOrder trackingEvents { text } } } } } }"""


def test_shop_orders_fulfillments_cost_the_same_queries_for_1_and_many(gql, channel):
    shop = helpers.shop_with_delivery()
    gql.login(manager_of(shop))
    parcel(paid_shop_order(channel, shop=shop), events=2)
    few, _ = count_queries(gql, SHOP_ORDERS, {})
    for _ in range(4):
        shop_order = paid_shop_order(channel, shop=shop)
        parcel(shop_order, events=3)
        parcel(shop_order, events=1)
    many, data = count_queries(gql, SHOP_ORDERS, {})
    nodes = [edge["node"] for edge in data["shopOrders"]["edges"]]
    assert len(nodes) == 5 and sum(len(n["fulfillments"]) for n in nodes) == 9
    assert few == many
