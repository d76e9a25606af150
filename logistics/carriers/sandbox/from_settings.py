"""The sandbox configured like the adapter: same key, customer and secret."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from logistics.carriers.sandbox.server import Kuaidi100Sandbox


def sandbox_from_settings(*, host: str | None = None, port: int | None = None) -> Kuaidi100Sandbox:
    where = urlsplit(settings.KUAIDI100_SANDBOX_URL)
    return Kuaidi100Sandbox(
        key=settings.KUAIDI100_KEY,
        customer=settings.KUAIDI100_CUSTOMER,
        secret=settings.KUAIDI100_SECRET,
        host=host or where.hostname or "127.0.0.1",
        port=port if port is not None else (where.port or 8002),
        state_file=Path(settings.DATA_DIR) / "kuaidi100-sandbox" / "waybills.json",
    )
