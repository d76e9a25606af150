"""The sandbox configured like the adapters: one merchant per provider, same ids and keys."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from marketplace.agency.providers.sandbox.server import AgencySandbox


def sandbox_from_settings(
    *, host: str | None = None, port: int | None = None, **options: object
) -> AgencySandbox:
    where = urlsplit(settings.AGENCY_SANDBOX_URL)
    return AgencySandbox(
        merchants={conf["merchant_id"]: conf["key"] for conf in settings.AGENCY_PROVIDERS.values()},
        host=host or where.hostname or "127.0.0.1",
        port=port if port is not None else (where.port or 8006),
        **options,  # type: ignore[arg-type]
    )
