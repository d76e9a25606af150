"""Build the sandbox the Django settings describe (for `ruralmart alipay_sandbox`)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from marketplace.payments.alipay.gateway import (
    DEFAULT_SANDBOX_URL,
    SANDBOX_SELLER_ID,
    alipay_data_dir,
)
from marketplace.payments.alipay.sandbox.server import AlipaySandbox


def sandbox_address() -> tuple[str, int]:
    """(host, port) from ALIPAY_SANDBOX_URL, the URL the app calls the sandbox at."""
    url = urlsplit(str(getattr(settings, "ALIPAY_SANDBOX_URL", "") or DEFAULT_SANDBOX_URL))
    return url.hostname or "127.0.0.1", url.port or 80


def sandbox_from_settings(*, host: str | None = None, port: int | None = None) -> AlipaySandbox:
    """A sandbox sharing the data dir's keys with `gateway_from_settings()`, keeping its
    trades in `<data dir>/alipay/sandbox_trades.json` so a restart keeps them."""
    default_host, default_port = sandbox_address()
    return AlipaySandbox(
        data_dir=alipay_data_dir(),
        app_id=str(settings.ALIPAY_APP_ID),
        seller_id=str(getattr(settings, "ALIPAY_SELLER_ID", "") or SANDBOX_SELLER_ID),
        host=host or default_host,
        port=default_port if port is None else port,
        persist=True,
    )
