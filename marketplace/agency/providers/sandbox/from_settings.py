"""The sandbox configured like the adapters: one merchant per provider, same ids and keys,
and a "timeout" answer that really outlasts the adapters' wait."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from marketplace.agency.providers.sandbox.server import AgencySandbox

# How much longer than the client waits a "timeout" account stays silent: enough for the
# client's socket timeout to fire first even on a loaded machine.
TIMEOUT_MARGIN_SECONDS = 2.0


def sandbox_timeout_delay() -> float:
    """The sandbox's silence for "timeout" accounts, derived from the adapters' timeout so
    the demo's timeout really is one (a fixed delay under the client's wait was only slow)."""
    return float(settings.AGENCY_PROVIDER_TIMEOUT_SECONDS) + TIMEOUT_MARGIN_SECONDS


def sandbox_from_settings(
    *, host: str | None = None, port: int | None = None, **options: object
) -> AgencySandbox:
    where = urlsplit(settings.AGENCY_SANDBOX_URL)
    options.setdefault("timeout_delay", sandbox_timeout_delay())
    return AgencySandbox(
        merchants={conf["merchant_id"]: conf["key"] for conf in settings.AGENCY_PROVIDERS.values()},
        host=host or where.hostname or "127.0.0.1",
        port=port if port is not None else (where.port or 8006),
        **options,  # type: ignore[arg-type]
    )
