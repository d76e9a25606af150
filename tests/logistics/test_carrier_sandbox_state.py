"""The carrier sandbox keeps its waybills in a state file when given one, as the real
carrier keeps them: the demo loads its parcels through one sandbox run, and the sandbox
`ruralmart demo` serves afterwards still answers their tracking queries."""

from __future__ import annotations

from logistics.carriers.base import Party
from logistics.carriers.kuaidi100 import Kuaidi100Client
from logistics.carriers.sandbox import Kuaidi100Sandbox
from tests.logistics.conftest import CUSTOMER, KEY, SECRET

SENDER = Party(name="冰岛村茶叶合作社", mobile="", address="云南省临沧市双江县勐库镇冰岛村")
BUYER = Party(name="王小明", mobile="13800000000", address="北京市东城区东直门 1 号")


def _sandbox(state_file) -> Kuaidi100Sandbox:
    return Kuaidi100Sandbox(key=KEY, customer=CUSTOMER, secret=SECRET, state_file=state_file)


def _client(sandbox: Kuaidi100Sandbox) -> Kuaidi100Client:
    return Kuaidi100Client(
        base_url=sandbox.url, label_base_url=sandbox.url, key=KEY, customer=CUSTOMER, secret=SECRET
    )


def test_waybills_and_their_events_outlive_a_restart(tmp_path):
    state = tmp_path / "waybills.json"
    first = _sandbox(state).start()
    try:
        waybill = _client(first).create_waybill(
            carrier="zhongtong", sender=SENDER, recipient=BUYER, weight_grams=800, cargo="茶叶"
        )
        first.advance(waybill.tracking_number, code="1", context="已揽收", deliver=False)
    finally:
        first.stop()
    second = _sandbox(state).start()
    try:
        track = _client(second).query(carrier="zhongtong", tracking_number=waybill.tracking_number)
        assert [p.description for p in track.points] == ["已揽收"]
        another = _client(second).create_waybill(
            carrier="zhongtong", sender=SENDER, recipient=BUYER, weight_grams=500, cargo="茶叶"
        )
        assert another.tracking_number != waybill.tracking_number  # numbering carries on
    finally:
        second.stop()


def test_a_damaged_state_file_starts_an_empty_sandbox(tmp_path):
    state = tmp_path / "waybills.json"
    state.write_text("{not json")
    assert _sandbox(state).waybills == {}


def test_without_a_state_file_nothing_is_written(tmp_path):
    sandbox = _sandbox(None).start()
    try:
        _client(sandbox).create_waybill(
            carrier="youzhengguonei", sender=SENDER, recipient=BUYER, weight_grams=300, cargo="蜂蜜"
        )
    finally:
        sandbox.stop()
    assert list(tmp_path.iterdir()) == []
