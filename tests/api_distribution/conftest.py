"""Fixtures for the distribution API tests: the GraphQL client, and the local Alipay
sandbox wired into the settings the way the demo runs it (keys under the data dir)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from marketplace.payments.alipay import keys
from marketplace.payments.alipay.gateway import alipay_data_dir
from marketplace.payments.alipay.sandbox import AlipaySandbox
from tests.api.conftest import GraphQLClient, gql  # noqa: F401  (fixture)
from tests.demo.conftest import demo  # noqa: F401  (fixture)


@pytest.fixture
def settings_sandbox(settings: Any, tmp_path: Path) -> Iterator[AlipaySandbox]:
    settings.DATA_DIR = str(tmp_path)
    directory = alipay_data_dir()
    keys.ensure_key_pair(directory, keys.APP_KEY_NAME)
    keys.ensure_key_pair(directory, keys.SANDBOX_KEY_NAME)
    with AlipaySandbox(data_dir=directory, app_id=settings.ALIPAY_APP_ID, port=0) as box:
        settings.ALIPAY_SANDBOX_URL = box.gateway_url
        settings.ALIPAY_GATEWAY = ""
        yield box
