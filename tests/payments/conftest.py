"""Fixtures for the payments tests: the local Alipay sandbox on an ephemeral port with its
own data dir, Django settings pointing the adapter at it, a receiver standing in for our
notify URL (so the sandbox's own deliveries land somewhere harmless), and checkouts ready
to pay.

Notifications under test are taken from the sandbox (`pay(..., deliver=False)`) and posted
to the Django test client, so they run inside the test's database transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from marketplace.checkout import services as checkout_services
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.checkout.models import Checkout
from marketplace.orders.models import Order
from marketplace.payments.alipay import keys
from marketplace.payments.alipay.sandbox import AlipaySandbox
from marketplace.payments.initialize import transaction_initialize
from marketplace.payments.models import GatewayId
from marketplace.payments.notify import alipay_notification_handle
from tests.celery_worker import celery_worker, eager_celery  # noqa: F401
from tests.checkout import helpers

APP_ID = "2021000000000077"
SELLER_ID = "2088000000000077"


@dataclass
class Inbox:
    url: str = ""
    received: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture(scope="session")
def payments_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data dir for the run: generating RSA keys is the slowest thing here."""
    base = tmp_path_factory.mktemp("ruralmart-data")
    keys.ensure_key_pair(base / "alipay", keys.APP_KEY_NAME)
    keys.ensure_key_pair(base / "alipay", keys.SANDBOX_KEY_NAME)
    return base


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    state = Inbox()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(parse_qsl(self.rfile.read(length).decode("utf-8")))
            with state.lock:
                state.received.append(form)
            self.send_response(200)
            self.send_header("Content-Length", "7")
            self.end_headers()
            self.wfile.write(b"success")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/payments/alipay/notify/"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def alipay_sandbox(payments_data_dir: Path, inbox: Inbox, settings) -> Iterator[AlipaySandbox]:
    """A running sandbox, and settings that point `gateway_from_settings()` at it."""
    with AlipaySandbox(
        data_dir=payments_data_dir / "alipay",
        app_id=APP_ID,
        seller_id=SELLER_ID,
        port=0,
        notify_retry_delays=(0.05, 0.1),
    ) as sandbox:
        settings.DATA_DIR = payments_data_dir
        settings.ALIPAY_APP_ID = APP_ID
        settings.ALIPAY_SELLER_ID = SELLER_ID
        settings.ALIPAY_GATEWAY = ""
        settings.ALIPAY_SANDBOX_URL = sandbox.gateway_url
        settings.ALIPAY_NOTIFY_URL = inbox.url
        yield sandbox


@pytest.fixture
def stranger_key() -> keys.KeyPair:
    return keys.generate_key_pair()


def ready_checkout(
    channel, *, price: str = "25.00", quantity: int = 2, stock: int = 10
) -> Checkout:
    """A one-shop checkout with email, address and express delivery, not yet paid."""
    shop = helpers.shop_with_delivery(express_price="10.00")
    variant = helpers.goods(shop=shop, channel=channel, price=price, stock=stock)
    checkout = checkout_services.checkout_create(
        channel=channel,
        user=None,
        email="buyer@example.cn",
        lines=[helpers.line(variant, quantity)],
    )
    return helpers.ready(checkout, pay=False)


def pay_and_complete(checkout: Checkout, sandbox: AlipaySandbox) -> Order:
    """Pay the whole checkout through the sandbox's pay page and complete it."""
    result = transaction_initialize(checkout=checkout, gateway_id=GatewayId.ALIPAY, method="PAGE")
    sandbox.open_pay_url(result.data["payUrl"])
    params = sandbox.pay(result.transaction.psp_reference, deliver=False)
    assert alipay_notification_handle(params=params) == "success"
    return checkout_complete(checkout=checkout)


def alipay_refunds(sandbox: AlipaySandbox) -> list[Any]:
    """The refund requests the sandbox has received."""
    return [r for r in sandbox.received if r.method == "alipay.trade.refund"]
