"""Shipping through the carrier sandbox, tracking queries and pushes to our callback."""

from __future__ import annotations

import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from logistics.carriers.base import CarrierError
from logistics.carriers.kuaidi100 import push_sign, query_sign
from logistics.shipment_status import STATUS_RANK, ShipmentStatus
from logistics.shipments.models import Shipment, ShipmentEvent
from logistics.shipments.services import shipment_advance, shipment_refresh
from marketplace.orders.models import OrderStatus, ShopOrder
from tests.checkout.helpers import codes
from tests.logistics.conftest import CUSTOMER, SALT, push, reload

pytestmark = pytest.mark.django_db


def test_sign_is_md5_of_param_key_customer_upper_case():
    # MD5("{}" + "k" + "c") computed independently of the implementation's helper.
    import hashlib

    assert query_sign("{}", "k", "c") == hashlib.md5(b"{}kc").hexdigest().upper()
    assert push_sign("p", "s") == hashlib.md5(b"ps").hexdigest().upper()


def test_shipping_creates_a_waybill_and_fulfils_the_shop_order(shipped, sandbox):
    shipment, station, _ = shipped
    assert shipment.tracking_number in sandbox.waybills
    assert re.fullmatch(r"7831\d{10}", shipment.tracking_number)
    assert shipment.status == ShipmentStatus.CREATED and shipment.station == station
    shipment.shop_order.refresh_from_db()
    assert shipment.shop_order.status == OrderStatus.FULFILLED
    assert sandbox.waybills[shipment.tracking_number].callback_url.endswith("/callback/")


def test_query_reads_the_track_and_refresh_applies_it(shipped, sandbox, adapter):
    shipment, _, _ = shipped
    sandbox.advance(shipment.tracking_number, code="1", context="中通快递 已揽收", deliver=False)
    sandbox.advance(shipment.tracking_number, code="0", context="到达临沧中转部", deliver=False)
    track = adapter.query(carrier="zhongtong", tracking_number=shipment.tracking_number)
    assert [p.status for p in track.points] == [ShipmentStatus.COLLECTED, ShipmentStatus.IN_TRANSIT]
    outcome = shipment_refresh(shipment=shipment, adapter=adapter)
    assert (outcome.events_added, outcome.moved_to) == (2, ShipmentStatus.IN_TRANSIT)
    assert shipment_refresh(shipment=shipment, adapter=adapter).events_added == 0


def test_a_badly_signed_query_is_refused_by_the_sandbox(sandbox, adapter):
    from logistics.carriers.kuaidi100 import Kuaidi100Client

    forger = Kuaidi100Client(base_url=sandbox.url, key="wrong", customer=CUSTOMER)
    with pytest.raises(CarrierError) as exc:
        forger.query(carrier="zhongtong", tracking_number="78310000000001")
    assert exc.value.code == "601"
    with pytest.raises(CarrierError):
        adapter.query(carrier="zhongtong", tracking_number="78319999999999")
    with pytest.raises(CarrierError) as unknown:
        adapter.query(carrier="no-such", tracking_number="1")
    assert unknown.value.code == "unknown_carrier"


def test_a_signed_push_moves_the_parcel_and_a_repeat_adds_nothing(shipped, sandbox, client):
    shipment, _, _ = shipped
    sandbox.advance(shipment.tracking_number, code="1", context="已揽收", deliver=False)
    form = sandbox.advance(shipment.tracking_number, code="0", context="运输中", deliver=False)
    answer = push(client, form)
    assert answer.status_code == 200
    assert answer.json() == {"result": True, "returnCode": "200", "message": "成功"}
    assert reload(shipment).status == ShipmentStatus.IN_TRANSIT
    assert ShipmentEvent.objects.filter(shipment=shipment).count() == 2

    again = push(client, form)
    assert again.status_code == 200 and again.json()["result"] is True
    assert ShipmentEvent.objects.filter(shipment=shipment).count() == 2


def test_forged_malformed_and_unknown_pushes_are_refused_in_kuaidi100s_format(
    shipped, sandbox, client
):
    shipment, _, _ = shipped
    form = sandbox.advance(shipment.tracking_number, code="1", context="已揽收", deliver=False)

    forged = push(client, {**form, "sign": push_sign(form["param"], "not-our-salt")})
    assert forged.status_code == 403
    assert forged.json() == {
        "result": False,
        "returnCode": "403",
        "message": "Bad signature.",
        "code": "invalid_signature",
    }
    tampered = form["param"].replace('"statusCode":"1"', '"statusCode":"3"')
    assert push(client, {"param": tampered, "sign": form["sign"]}).status_code == 403

    assert push(client, {"param": form["param"]}).json()["code"] == "malformed_push"
    junk = "not json"
    bad = push(client, {"param": junk, "sign": push_sign(junk, SALT)})
    assert (bad.status_code, bad.json()["code"]) == (400, "malformed_push")
    shapeless = json.dumps({"lastResult": {"data": [{"time": "yesterday"}]}})
    assert push(client, {"param": shapeless, "sign": push_sign(shapeless, SALT)}).status_code == 400

    unknown = json.loads(form["param"])
    unknown["lastResult"]["nu"] = "78310000009999"
    text = json.dumps(unknown, ensure_ascii=False)
    answer = push(client, {"param": text, "sign": push_sign(text, SALT)})
    assert (answer.status_code, answer.json()["code"]) == (404, "unknown_waybill")

    assert client.get("/logistics/kuaidi100/callback/").status_code == 405
    assert reload(shipment).status == ShipmentStatus.CREATED
    assert not ShipmentEvent.objects.filter(shipment=shipment).exists()


def test_a_stale_push_records_history_but_never_moves_the_parcel_back(shipped, sandbox, client):
    shipment, _, _ = shipped
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    number = shipment.tracking_number
    # The carrier reports delivery first, then a late-arriving older "in transit" scan.
    sandbox.advance(number, code="3", context="已签收", at=now, deliver=False)
    assert push(client, sandbox.push_form(number)).status_code == 200
    sandbox.waybills[number].events.insert(
        0,
        {
            "time": (now - timedelta(hours=5)).strftime("%Y-%m-%d %H:%M:%S"),
            "context": "运输中",
            "statusCode": "0",
        },
    )
    stale_waybill = sandbox.waybills[number]
    stale_waybill.events = stale_waybill.events[:1]  # the push carries only the old scan
    answer = push(client, sandbox.push_form(number))
    assert answer.status_code == 200 and "stale" in answer.json()["message"]
    assert reload(shipment).status == ShipmentStatus.DELIVERED
    assert ShipmentEvent.objects.filter(shipment=shipment).count() == 2


def test_moving_backwards_is_refused_by_the_service_and_by_the_database(shipped):
    shipment, _, _ = shipped
    shipment_advance(shipment=shipment, status=ShipmentStatus.IN_TRANSIT, description="x", key="a")
    shipment_advance(shipment=shipment, status=ShipmentStatus.IN_TRANSIT, description="x", key="a")
    assert ShipmentEvent.objects.filter(shipment=shipment).count() == 1
    with pytest.raises(ValidationError) as exc:
        shipment_advance(
            shipment=shipment, status=ShipmentStatus.COLLECTED, description="y", key="b"
        )
    assert codes(exc) == ["backwards_transition"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Shipment.objects.filter(pk=shipment.pk).update(status=ShipmentStatus.CREATED)
    assert reload(shipment).status == ShipmentStatus.IN_TRANSIT


def test_the_trigger_ranks_agree_with_the_python_ranks():
    with connection.cursor() as cursor:
        for status, rank in STATUS_RANK.items():
            cursor.execute("SELECT logistics_shipment_status_rank(%s)", [str(status)])
            assert cursor.fetchone()[0] == rank, status


def test_bad_input_to_shipping_is_a_coded_error_and_writes_nothing(channel, adapter, sandbox):
    from logistics.shipments.services import shop_order_ship
    from marketplace.accounts.models import Role
    from tests import factories
    from tests.logistics.conftest import paid_shop_order

    shop_order = paid_shop_order(channel)
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=shop_order.shop)
    for kwargs, code in [
        ({"carrier": "zhongtong", "weight_grams": 0}, "invalid_weight"),
        ({"carrier": "zhongtong", "weight_grams": 10**9}, "invalid_weight"),
        ({"carrier": "no-such", "weight_grams": 100}, "unknown_carrier"),
    ]:
        with pytest.raises(ValidationError) as exc:
            shop_order_ship(shop_order=shop_order, actor=manager, adapter=adapter, **kwargs)
        assert codes(exc) == [code]
    assert not Shipment.objects.exists()
    shop_order.refresh_from_db()
    assert shop_order.status == OrderStatus.UNFULFILLED
    ShopOrder.objects.filter(pk=shop_order.pk).update(status=OrderStatus.CANCELED)
    shop_order.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        shop_order_ship(
            shop_order=shop_order,
            actor=manager,
            adapter=adapter,
            carrier="zhongtong",
            weight_grams=100,
        )
    assert codes(exc) == ["invalid"]
    assert sandbox.waybills == {}


def test_a_push_costs_the_same_statements_for_a_short_and_a_long_track(shipped, sandbox, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    shipment, _, _ = shipped
    number = shipment.tracking_number
    sandbox.advance(number, code="1", context="已揽收", deliver=False)
    with CaptureQueriesContext(connection) as short:
        push(client, sandbox.push_form(number))
    for hop in range(20):
        sandbox.advance(number, code="0", context=f"第{hop}站", deliver=False)
    with CaptureQueriesContext(connection) as long:
        assert push(client, sandbox.push_form(number)).status_code == 200
    assert ShipmentEvent.objects.filter(shipment=shipment).count() == 21
    # Both pushes move the status (collected, then in transit): same work, same statements.
    assert len(long.captured_queries) == len(short.captured_queries)


def test_hostile_pushes_get_a_clear_answer_never_a_500(shipped, sandbox, client):
    shipment, _, _ = shipped

    def signed(last_result):
        text = json.dumps({"lastResult": last_result}, ensure_ascii=False)
        return push(client, {"param": text, "sign": push_sign(text, SALT)})

    base = {"com": shipment.carrier, "nu": shipment.tracking_number, "state": "0"}
    event = {"time": "2026-12-01 10:00:00", "context": "到达\x00分拨中心", "statusCode": "0"}
    # A NUL inside an event's text is cleaned; the event is kept.
    assert signed({**base, "data": [event]}).status_code == 200
    assert ShipmentEvent.objects.get(shipment=shipment).description == "到达分拨中心"
    for hostile in [
        {**base, "nu": "7831\x00", "data": [event]},
        {**base, "nu": "9" * 40, "data": [event]},
        {**base, "data": {"not": "a list"}},
        {**base, "data": ["just text"]},
        {**base, "data": [event] * 501},
        {**base, "data": [{**event, "time": "2026-13-45 99:00:00"}]},
    ]:
        answer = signed(hostile)
        assert (answer.status_code, answer.json()["code"]) == (400, "malformed_push"), hostile
    not_a_form = client.post(
        "/logistics/kuaidi100/callback/",
        b"--x\r\nbroken",
        content_type="multipart/form-data; boundary=x",
    )
    assert not_a_form.status_code in (400, 403) and not_a_form.json()["result"] is False
    # The same event twice in one push is stored once.
    twice = {**event, "time": "2026-12-01 11:00:00", "context": "派件中", "statusCode": "5"}
    assert signed({**base, "data": [twice, twice]}).status_code == 200
    assert ShipmentEvent.objects.filter(shipment=shipment).count() == 2
    assert reload(shipment).status == ShipmentStatus.OUT_FOR_DELIVERY
