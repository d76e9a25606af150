"""`ruralmart carrier_sandbox` serves Kuaidi100's protocol on 127.0.0.1 with the settings'
credentials; the logistics tasks are registered with Celery and scheduled by beat."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from logistics.carriers.base import CarrierError, Party
from logistics.carriers.kuaidi100 import Kuaidi100Client


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_command_serves_waybills_and_signed_queries(settings):
    port = _free_port()
    ruralmart = Path(sys.executable).with_name("ruralmart")
    env = {**os.environ, "KUAIDI100_SANDBOX_URL": f"http://127.0.0.1:{port}"}
    server = subprocess.Popen(
        [str(ruralmart), "carrier_sandbox"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "the sandbox did not start"
                time.sleep(0.2)
        client = Kuaidi100Client(base_url=f"http://127.0.0.1:{port}")
        someone = Party(name="张三", mobile="13800000000", address="云南省临沧市")
        waybill = client.create_waybill(
            carrier="youzhengguonei",
            sender=someone,
            recipient=someone,
            weight_grams=500,
            cargo="茶",
        )
        assert waybill.tracking_number.startswith("9893")
        assert (
            client.query(carrier="youzhengguonei", tracking_number=waybill.tracking_number).points
            == []
        )
        with pytest.raises(CarrierError):
            Kuaidi100Client(base_url=f"http://127.0.0.1:{port}", secret="forged").create_waybill(
                carrier="zhongtong", sender=someone, recipient=someone, weight_grams=1, cargo="x"
            )
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert "zhongtong" in (server.stdout.read() if server.stdout else "")


def test_logistics_tasks_are_registered_and_scheduled(settings):
    from marketplace.celery import app

    app.loader.import_default_modules()
    for name in (
        "logistics.notify_buyer",
        "logistics.subscribe_tracking",
        "logistics.remind_or_return_uncollected",
    ):
        assert name in app.tasks
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "logistics.remind_or_return_uncollected" in scheduled
