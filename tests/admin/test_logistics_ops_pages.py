"""Stations, shipments and consolidation batches in the back office: each role sees its own
rows only (others are a 404), stations are added through the station service, the rest is
read-only, and the change lists cost the same queries for one row as for many."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from logistics.consolidation.models import ConsolidationBatch
from logistics.shipments.models import Shipment, ShipmentKind
from logistics.stations.models import VillageStation
from marketplace.accounts.models import Role
from tests import factories
from tests.admin.buying import Buying
from tests.admin.logistics_ops import Ops, open_batch, parcel, station
from tests.admin.postdata import changeform_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(world: Any) -> Ops:
    buying: Buying = world.buying
    return buying.ops


def _url(model: Any, view: str, pk: Any = None) -> str:
    opts = model._meta
    args = [] if pk is None else [pk]
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def _listed(client: Any, model: Any) -> set[Any]:
    response = client.get(_url(model, "changelist"))
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


def _status(client: Any, obj: Any) -> int:
    return client.get(_url(type(obj), "change", obj.pk)).status_code


def test_platform_admin_sees_every_station_shipment_and_batch(
    client: Any, world: Any, ops: Ops
) -> None:
    client.force_login(world.platform_admin)
    assert _listed(client, VillageStation) == {ops.station_a.pk, ops.station_b.pk}
    assert _listed(client, Shipment) == set(Shipment.objects.values_list("pk", flat=True))
    assert _listed(client, ConsolidationBatch) == {
        ops.batch_a.pk,
        ops.batch_b.pk,
        ops.closed_batch_a.pk,
    }
    shipment_page = client.get(_url(Shipment, "change", ops.parcel_a.pk))
    assert shipment_page.status_code == 200
    assert "到达临沧转运中心" in shipment_page.content.decode()
    assert "pickup_code_hash" not in shipment_page.content.decode()


def test_operator_sees_their_own_station_parcels_and_batches_only(
    client: Any, world: Any, ops: Ops
) -> None:
    client.force_login(ops.operator_a)
    index = client.get(reverse("admin:index"))
    offered = {m["object_name"] for app in index.context["app_list"] for m in app["models"]}
    assert offered == {
        "VillageStation",
        "Shipment",
        "ConsolidationBatch",
        "StationParcel",
        "ParcelDispatch",
    }
    assert _listed(client, VillageStation) == {ops.station_a.pk}
    assert _listed(client, Shipment) == {ops.parcel_a.pk}
    assert _listed(client, ConsolidationBatch) == {ops.batch_a.pk, ops.closed_batch_a.pk}
    assert _status(client, ops.batch_a) == 200
    assert _status(client, ops.station_b) == 404
    assert _status(client, ops.parcel_b) == 404
    assert _status(client, ops.batch_b) == 404
    # A consignment has no shop: only the platform admin finds it among shipments.
    assert _status(client, ops.closed_batch_a.consignment) == 404


def test_operator_views_their_station_read_only(client: Any, world: Any, ops: Ops) -> None:
    client.force_login(ops.operator_a)
    page = client.get(_url(VillageStation, "change", ops.station_a.pk))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    posted = client.post(
        _url(VillageStation, "change", ops.station_a.pk), {"name": "改名", "capacity": 1}
    )
    assert posted.status_code == 403
    assert client.get(_url(VillageStation, "add")).status_code == 403
    ops.station_a.refresh_from_db()
    assert ops.station_a.capacity == 100


def test_manager_sees_their_villages_station_and_their_shops_parcels(
    client: Any, world: Any, ops: Ops
) -> None:
    client.force_login(world.manager_a)
    assert _listed(client, VillageStation) == {ops.station_a.pk}
    assert _listed(client, Shipment) == {ops.parcel_a.pk}
    assert _status(client, ops.station_b) == 404
    assert _status(client, ops.parcel_b) == 404
    page = client.get(_url(Shipment, "change", ops.parcel_a.pk))
    assert page.status_code == 200
    events = page.context["inline_admin_formsets"][0]
    assert len(events.formset.forms) == 2
    assert events.has_change_permission is False
    # Batches are the operators' work: a shop manager is not offered them at all.
    assert client.get(_url(ConsolidationBatch, "changelist")).status_code == 403


def test_officer_reads_their_townships_stations_but_no_parcels(
    client: Any, world: Any, ops: Ops
) -> None:
    client.force_login(world.officer_1)
    # Shops A and B are both in township 1.
    assert _listed(client, VillageStation) == {ops.station_a.pk, ops.station_b.pk}
    assert client.get(_url(Shipment, "changelist")).status_code == 403


def test_shipments_and_batches_are_never_edited_here(client: Any, world: Any, ops: Ops) -> None:
    client.force_login(world.platform_admin)
    assert client.get(_url(Shipment, "add")).status_code == 403
    assert client.get(_url(ConsolidationBatch, "add")).status_code == 403
    posted = client.post(_url(Shipment, "delete", ops.parcel_a.pk), {"post": "yes"})
    assert posted.status_code == 403
    assert Shipment.objects.filter(pk=ops.parcel_a.pk).exists()


def test_platform_admin_adds_a_station_through_the_service(client: Any, world: Any) -> None:
    client.force_login(world.platform_admin)
    operator = factories.user(role=Role.STATION_OPERATOR, is_staff=True)
    village = world.shop_c.village
    form = {
        "village": village.pk,
        "name": "新站",
        "address": "  村委会旁  ",
        "opening_hours": "每天 08:00–18:00",
        "capacity": 50,
        "operator": operator.pk,
        "is_active": "on",
    }
    response = client.post(_url(VillageStation, "add"), form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = VillageStation.objects.get(village=village)
    assert (created.address, created.operator_id) == ("村委会旁", operator.pk)


def test_a_station_operator_must_hold_the_role(client: Any, world: Any, ops: Ops) -> None:
    client.force_login(world.platform_admin)
    page = client.get(_url(VillageStation, "change", ops.station_a.pk))
    data = changeform_data(page)
    data["operator"] = world.manager_a.pk  # a shop manager, not a station operator
    response = client.post(_url(VillageStation, "change", ops.station_a.pk), data)
    assert response.status_code == 200
    assert "operator" in response.context["adminform"].form.errors
    data["capacity"] = 0
    data["operator"] = ops.operator_a.pk
    response = client.post(_url(VillageStation, "change", ops.station_a.pk), data)
    assert response.status_code == 200
    ops.station_a.refresh_from_db()
    assert (ops.station_a.operator_id, ops.station_a.capacity) == (ops.operator_a.pk, 100)


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# Managers are not offered batches (tested above), so they have no batch list to count.
OFFERED = [
    (who, model)
    for who in ("platform_admin", "manager", "operator")
    for model in (VillageStation, Shipment, ConsolidationBatch)
    if (who, model) != ("manager", ConsolidationBatch)
]


@pytest.mark.parametrize(("who", "model"), OFFERED, ids=[f"{w}-{m.__name__}" for w, m in OFFERED])
def test_changelists_do_not_grow_with_rows(
    client: Any, world: Any, ops: Ops, who: str, model: Any
) -> None:
    user = {
        "platform_admin": world.platform_admin,
        "manager": world.manager_a,
        "operator": ops.operator_a,
    }[who]
    client.force_login(user)
    url = _url(model, "changelist")
    _count(client, url)  # warm caches that are not per-request (content types, ...)
    one = _count(client, url)
    shop_order = world.buying.shop_order_a
    for i in range(15):
        open_batch(ops.station_a, parcel(shop_order, ops.station_a, f"ZT71{i:08d}"))
        Shipment.objects.create(
            kind=ShipmentKind.CONSIGNMENT, carrier="zhongtong", tracking_number=f"ZC{i:08d}"
        )
    for _ in range(3):
        village = factories.village(township_obj=world.township_1)
        station(village, ops.operator_a)
    many = _count(client, url)
    assert many == one
