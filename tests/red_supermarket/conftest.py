"""The counter's fixtures: a stocked supermarket, and the local Alipay sandbox on an
ephemeral port with the settings pointing the adapter at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from marketplace.payments.alipay import keys
from marketplace.payments.alipay.gateway import AlipayGateway, gateway_from_settings
from marketplace.payments.alipay.sandbox import AlipaySandbox
from tests.red_supermarket.counter_world import Counter, counter_world

APP_ID = "2021000000000099"
SELLER_ID = "2088000000000099"


@pytest.fixture
def counter(db) -> Counter:  # type: ignore[no-untyped-def]
    return counter_world()


@pytest.fixture(scope="session")
def counter_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("counter-data")
    keys.ensure_key_pair(base / "alipay", keys.APP_KEY_NAME)
    keys.ensure_key_pair(base / "alipay", keys.SANDBOX_KEY_NAME)
    return base


@pytest.fixture
def sandbox(counter_data_dir: Path, settings) -> Iterator[AlipaySandbox]:  # type: ignore[no-untyped-def]
    with AlipaySandbox(
        data_dir=counter_data_dir / "alipay",
        app_id=APP_ID,
        seller_id=SELLER_ID,
        port=0,
        notify_retry_delays=(),
    ) as running:
        settings.DATA_DIR = counter_data_dir
        settings.ALIPAY_APP_ID = APP_ID
        settings.ALIPAY_SELLER_ID = SELLER_ID
        settings.ALIPAY_GATEWAY = ""
        settings.ALIPAY_SANDBOX_URL = running.gateway_url
        settings.ALIPAY_NOTIFY_URL = ""
        yield running


@pytest.fixture
def gateway(sandbox: AlipaySandbox) -> AlipayGateway:
    return gateway_from_settings()
