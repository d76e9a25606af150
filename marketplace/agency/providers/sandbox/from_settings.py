"""The sandbox configured like the adapters: one gateway per provider, with the same
merchant ids, sign types and keys (the provider's half), and a "timeout" answer that
really outlasts the adapters' wait."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from marketplace.agency.providers.credentials import provider_signature
from marketplace.agency.providers.sandbox.server import AgencySandbox, SandboxGateway

# How much longer than the client waits a "timeout" account stays silent: enough for the
# client's socket timeout to fire first even on a loaded machine.
TIMEOUT_MARGIN_SECONDS = 2.0


def sandbox_timeout_delay() -> float:
    """The sandbox's silence for "timeout" accounts, derived from the adapters' timeout so
    the demo's timeout really is one (a fixed delay under the client's wait was only slow)."""
    return float(settings.AGENCY_PROVIDER_TIMEOUT_SECONDS) + TIMEOUT_MARGIN_SECONDS


def sandbox_providers() -> dict[str, Mapping[str, Any]]:
    """The providers the local sandbox plays: those with no real URL configured."""
    return {code: conf for code, conf in settings.AGENCY_PROVIDERS.items() if conf.get("sandbox")}


def sandbox_gateways() -> list[SandboxGateway]:
    return [
        SandboxGateway(
            code=code, merchant_id=conf["merchant_id"], signature=provider_signature(code, conf)
        )
        for code, conf in sandbox_providers().items()
    ]


def sandbox_from_settings(
    *, host: str | None = None, port: int | None = None, **options: object
) -> AgencySandbox:
    where = urlsplit(settings.AGENCY_SANDBOX_URL)
    options.setdefault("timeout_delay", sandbox_timeout_delay())
    return AgencySandbox(
        gateways=sandbox_gateways(),
        host=host or where.hostname or "127.0.0.1",
        port=port if port is not None else (where.port or 8006),
        **options,  # type: ignore[arg-type]
    )


def point_providers_at(sandbox: AgencySandbox) -> dict[str, dict[str, Any]]:
    """AGENCY_PROVIDERS with each sandbox provider's url at its gateway in `sandbox` (a
    sandbox on another port than AGENCY_SANDBOX_URL: the tests', the demo loader's)."""
    return {
        code: {**conf, "url": sandbox.gateway_url(code)} if code in sandbox.gateways else conf
        for code, conf in settings.AGENCY_PROVIDERS.items()
    }
