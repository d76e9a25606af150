"""Amounts on the wire, keys on disk, the SDK's logging, configuration from settings, and
the sandbox keeping its trades across a restart."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured

from marketplace.payments.alipay import keys
from marketplace.payments.alipay.gateway import (
    DEFAULT_SANDBOX_URL,
    SANDBOX_SELLER_ID,
    gateway_from_settings,
)
from marketplace.payments.alipay.protocol import TradeState, format_amount, parse_amount
from marketplace.payments.alipay.sandbox import AlipaySandbox
from tests.payments.alipay.conftest import APP_ID, make_gateway


@pytest.mark.parametrize(
    ("amount", "wire"),
    [(Decimal("12.5"), "12.50"), (Decimal("3"), "3.00"), (Decimal("0.01"), "0.01")],
)
def test_amounts_go_out_as_strings_with_two_decimals(amount: Decimal, wire: str) -> None:
    assert format_amount(amount) == wire
    assert parse_amount(wire) == amount


@pytest.mark.parametrize(
    "amount", [Decimal("1.005"), Decimal("0"), Decimal("-1.00"), Decimal("NaN"), 12.5, "12.50"]
)
def test_amounts_that_are_not_money_are_refused(amount: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        format_amount(amount)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["1e3", "12.345", "-1.00", "", None, "12,50"])
def test_parse_amount_refuses_what_alipay_would_not_send(text: str | None) -> None:
    assert parse_amount(text) is None


def test_key_pair_is_generated_once_and_then_reused(tmp_path: Path) -> None:
    first = keys.ensure_key_pair(tmp_path, "app")
    again = keys.ensure_key_pair(tmp_path, "app")

    assert first == again
    private_path, public_path = keys.key_paths(tmp_path, "app")
    assert private_path.stat().st_mode & 0o777 == 0o600
    assert public_path.read_text() == first.public_key_pem
    assert first.private_key_pem.startswith("-----BEGIN PRIVATE KEY-----")


def test_bare_base64_keys_from_the_alipay_console_are_given_headers(alipay_dir: Path) -> None:
    pair = keys.ensure_key_pair(alipay_dir, keys.APP_KEY_NAME)
    bare = "".join(line for line in pair.public_key_pem.splitlines() if "-----" not in line)

    assert keys.normalise_pem(bare, private=False).strip() == pair.public_key_pem.strip()


def test_importing_the_sdk_leaves_logging_alone() -> None:
    import marketplace.payments.alipay.gateway  # noqa: F401

    sdk_logger = logging.getLogger("python-alipay-sdk")
    assert sdk_logger.handlers == []
    assert not sdk_logger.isEnabledFor(logging.DEBUG)


def test_config_repr_hides_the_private_key(alipay_dir: Path) -> None:
    gateway = make_gateway(alipay_dir, DEFAULT_SANDBOX_URL)

    assert "PRIVATE" not in repr(gateway.config)


def test_settings_without_a_gateway_point_at_the_local_sandbox(settings, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path
    settings.ALIPAY_APP_ID = APP_ID
    settings.ALIPAY_GATEWAY = ""
    settings.PORT = 8123

    gateway = gateway_from_settings()

    assert gateway.is_sandbox
    assert gateway.config.gateway_url == DEFAULT_SANDBOX_URL
    assert gateway.config.notify_url == "http://127.0.0.1:8123/payments/alipay/notify/"
    assert gateway.config.seller_id == SANDBOX_SELLER_ID
    sandbox_pair = keys.ensure_key_pair(tmp_path / "alipay", keys.SANDBOX_KEY_NAME)
    assert gateway.config.alipay_public_key_pem == sandbox_pair.public_key_pem
    assert (tmp_path / "alipay" / "app_private_key.pem").exists()
    # Built once per configuration.
    assert gateway_from_settings() is gateway


def test_a_real_gateway_needs_both_key_files(settings, tmp_path: Path) -> None:
    settings.ALIPAY_GATEWAY = "https://openapi.alipay.com/gateway.do"
    settings.ALIPAY_PRIVATE_KEY_PATH = ""
    with pytest.raises(ImproperlyConfigured):
        gateway_from_settings()

    app = keys.ensure_key_pair(tmp_path, "mine")
    alipay = keys.ensure_key_pair(tmp_path, "theirs")
    settings.ALIPAY_PRIVATE_KEY_PATH = str(keys.key_paths(tmp_path, "mine")[0])
    settings.ALIPAY_PUBLIC_KEY_PATH = str(keys.key_paths(tmp_path, "theirs")[1])
    settings.ALIPAY_SELLER_ID = "2088123412341234"

    gateway = gateway_from_settings()

    assert not gateway.is_sandbox
    assert gateway.config.gateway_url == "https://openapi.alipay.com/gateway.do"
    assert gateway.config.app_private_key_pem.strip() == app.private_key_pem.strip()
    assert gateway.config.alipay_public_key_pem.strip() == alipay.public_key_pem.strip()
    assert gateway.config.seller_id == "2088123412341234"
    url = gateway.page_pay_url(out_trade_no="T", total_amount=Decimal("1.00"), subject="x")
    assert url.startswith("https://openapi.alipay.com/gateway.do?")


def test_sandbox_from_settings_shares_keys_and_address(settings, tmp_path: Path) -> None:
    from marketplace.payments.alipay.sandbox.from_settings import sandbox_from_settings

    settings.DATA_DIR = tmp_path
    settings.ALIPAY_APP_ID = APP_ID
    settings.ALIPAY_GATEWAY = ""
    settings.ALIPAY_SANDBOX_URL = "http://127.0.0.1:8999/gateway.do"

    sandbox = sandbox_from_settings(port=0)
    with sandbox:
        gateway = gateway_from_settings()
        assert sandbox.public_key_pem == gateway.config.alipay_public_key_pem
        qr = make_gateway(tmp_path / "alipay", sandbox.gateway_url).precreate(
            out_trade_no="T-s", total_amount=Decimal("2.00"), subject="x"
        )
        assert qr.startswith(sandbox.url)
    assert sandbox_from_settings().url == "http://127.0.0.1:8999"


def test_a_persistent_sandbox_keeps_trades_across_restarts(tmp_path: Path) -> None:
    keys.ensure_key_pair(tmp_path, keys.APP_KEY_NAME)

    def start() -> AlipaySandbox:
        return AlipaySandbox(data_dir=tmp_path, app_id=APP_ID, port=0, persist=True).start()

    first = start()
    gateway = make_gateway(tmp_path, first.gateway_url)
    first.open_pay_url(
        gateway.page_pay_url(out_trade_no="T-p", total_amount=Decimal("6.60"), subject="梨")
    )
    first.pay("T-p")
    gateway.refund(out_trade_no="T-p", out_request_no="R-p", refund_amount=Decimal("1.10"))
    first.stop()

    second = start()
    try:
        again = make_gateway(tmp_path, second.gateway_url)
        assert again.query(out_trade_no="T-p").trade_status is TradeState.TRADE_SUCCESS
        retried = again.refund(
            out_trade_no="T-p", out_request_no="R-p", refund_amount=Decimal("1.10")
        )
        assert not retried.fund_change and retried.refund_fee == Decimal("1.10")
    finally:
        second.stop()
    saved = json.loads((tmp_path / "sandbox_trades.json").read_text())
    assert [t["out_trade_no"] for t in saved["trades"]] == ["T-p"]


def test_sandbox_index_lists_trades(gateway, sandbox: AlipaySandbox) -> None:
    from tests.payments.alipay.conftest import fetch

    sandbox.open_pay_url(
        gateway.page_pay_url(out_trade_no="T-idx", total_amount=Decimal("1.00"), subject="x")
    )
    page = fetch(sandbox.url + "/")

    assert page.status == 200 and "T-idx" in page.body
    assert fetch(sandbox.url + "/nothing-here").status == 404


def test_unknown_methods_get_alipays_error_response(gateway, sandbox: AlipaySandbox) -> None:
    from tests.payments.alipay.conftest import fetch

    url = gateway.page_pay_url(out_trade_no="T-m", total_amount=Decimal("1.00"), subject="x")
    params = dict(parse_qsl(urlsplit(url).query))
    params["method"] = "alipay.trade.no.such.method"
    from urllib.parse import urlencode

    body = json.loads(fetch(f"{sandbox.gateway_url}?{urlencode(params)}").body)
    assert body["error_response"]["sub_code"] == "isv.invalid-method"
    assert body["sign"]
