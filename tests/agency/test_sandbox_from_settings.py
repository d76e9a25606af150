"""The sandbox as the demo starts it (`sandbox_from_settings`): its "timeout" accounts stay
silent longer than the adapters wait, whatever AGENCY_PROVIDER_TIMEOUT_SECONDS says, so
the demo's timeout path is a real timeout and not merely a slow success."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request

import pytest

from marketplace.agency.models import OrderStatus
from marketplace.agency.providers.sandbox.from_settings import (
    point_providers_at,
    sandbox_from_settings,
    sandbox_timeout_delay,
)
from tests.agency.test_orders import pay

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("client_timeout", [0.5, 5.0, 12.0])
def test_the_delay_outlasts_the_client_timeout(settings, client_timeout):
    settings.AGENCY_PROVIDER_TIMEOUT_SECONDS = client_timeout
    assert sandbox_timeout_delay() > client_timeout
    assert sandbox_from_settings(port=0).timeout_delay == sandbox_timeout_delay()


def test_a_timeout_account_times_the_adapter_out_against_the_demo_sandbox(settings, counter):
    settings.AGENCY_PROVIDER_TIMEOUT_SECONDS = 0.5
    server = sandbox_from_settings(host="127.0.0.1", port=0).start()
    settings.AGENCY_PROVIDERS = point_providers_at(server)
    try:
        slow = pay(counter, request_id="demo-timeout-01", account="3100019999")
        quick = pay(counter, request_id="demo-success-01", account="3100012345")
    finally:
        server.stop()
    # The adapter gave up waiting: the outcome is unknown and left to the query, never paid
    # twice; an ordinary account still answers within the wait.
    assert slow.status == OrderStatus.UNKNOWN
    assert quick.status == OrderStatus.SUCCESS


def test_the_command_serves_every_provider_as_its_own_gateway_with_its_sign_type(settings):
    # No database needed: the command runs as the demo starts it, in its own process.
    command = [sys.executable, "-m", "marketplace.cli", "agency_sandbox", "--port", "0"]
    child = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert child.stdout is not None
        banner = [child.stdout.readline() for _ in range(6)]
        base = banner[0].split(" on ")[1].strip().rstrip("/")
        with urllib.request.urlopen(f"{base}/", timeout=5) as response:
            listing = response.read().decode("utf-8")
    finally:
        child.terminate()
        child.wait(timeout=10)
    for code, conf in settings.AGENCY_PROVIDERS.items():
        line = f"{base}/gw/{code}/  merchant {conf['merchant_id']}, {conf['sign_type']}"
        assert any(line in row for row in banner[1:]), (line, banner)
        assert f"/gw/{code}/ ({conf['merchant_id']}, {conf['sign_type']})" in listing
