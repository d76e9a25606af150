"""Fixtures for the Alipay adapter tests: a sandbox on an ephemeral port, a tiny HTTP
receiver standing in for our notify endpoint, and a gateway wired to both."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from marketplace.payments.alipay import keys
from marketplace.payments.alipay.gateway import AlipayConfig, AlipayGateway
from marketplace.payments.alipay.sandbox import AlipaySandbox

APP_ID = "2021000000000042"
SELLER_ID = "2088000000000042"
# Alipay wants return and notify URLs without query strings of their own.
RETURN_URL = "http://shop.test/checkout/return/"


@pytest.fixture(scope="session")
def alipay_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data dir (and so one set of generated keys) for the whole run: RSA key
    generation is the slowest thing here."""
    directory = tmp_path_factory.mktemp("alipay")
    keys.ensure_key_pair(directory, keys.APP_KEY_NAME)
    keys.ensure_key_pair(directory, keys.SANDBOX_KEY_NAME)
    return directory


@pytest.fixture(scope="session")
def stranger_key() -> keys.KeyPair:
    """A key pair nobody trusts, for forging signatures."""
    return keys.generate_key_pair()


@dataclass
class Receiver:
    """Records form POSTs and answers them from `answers` (then "success")."""

    url: str = ""
    received: list[dict[str, str]] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self) -> str:
        with self.lock:
            return self.answers.pop(0) if self.answers else "success"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(parse_qsl(self.rfile.read(length).decode("utf-8")))
            with state.lock:
                state.received.append(form)
            body = state.answer().encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

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
def sandbox(alipay_dir: Path) -> Iterator[AlipaySandbox]:
    with AlipaySandbox(
        data_dir=alipay_dir,
        app_id=APP_ID,
        seller_id=SELLER_ID,
        port=0,
        notify_retry_delays=(0.05, 0.1, 0.2),
    ) as running:
        yield running


def make_gateway(
    alipay_dir: Path,
    gateway_url: str,
    *,
    notify_url: str | None = None,
    app_private_key_pem: str | None = None,
    alipay_public_key_pem: str | None = None,
    app_id: str = APP_ID,
) -> AlipayGateway:
    app = keys.ensure_key_pair(alipay_dir, keys.APP_KEY_NAME)
    alipay = keys.ensure_key_pair(alipay_dir, keys.SANDBOX_KEY_NAME)
    return AlipayGateway(
        AlipayConfig(
            app_id=app_id,
            app_private_key_pem=app_private_key_pem or app.private_key_pem,
            alipay_public_key_pem=alipay_public_key_pem or alipay.public_key_pem,
            gateway_url=gateway_url,
            notify_url=notify_url,
            return_url=RETURN_URL,
            seller_id=SELLER_ID,
            sandbox=True,
            timeout=3,
        )
    )


@pytest.fixture
def gateway(alipay_dir: Path, sandbox: AlipaySandbox, receiver: Receiver) -> AlipayGateway:
    return make_gateway(alipay_dir, sandbox.gateway_url, notify_url=receiver.url)


@dataclass(frozen=True)
class Fetched:
    status: int
    location: str
    body: str


def fetch(url: str, *, form: dict[str, str] | None = None) -> Fetched:
    """One HTTP request, redirects not followed (so tests can look at them)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        if form is None:
            connection.request("GET", path)
        else:
            from urllib.parse import urlencode

            connection.request(
                "POST",
                path,
                body=urlencode(form),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        response = connection.getresponse()
        return Fetched(
            response.status, response.getheader("Location") or "", response.read().decode()
        )
    finally:
        connection.close()
