"""Apache ECharts, vendored from npm so the bureau dashboards draw their charts offline.

The file is fetched, hash-checked and written by the same machinery that vendors GraphiQL
(`storefront_api.graphiql_assets.fetch_assets`); only the pin and the folder differ. The
pin is ours (graphene-django pins GraphiQL's): bump `ECHARTS_VERSION` and `ECHARTS_SRI`
together, the hash being that of `dist/echarts.min.js` inside the npm tarball.
`ruralmart fetch_echarts` runs it; `make venv` runs that once after installing and fails
if it fails. Files land in `admin/static/bureau/vendor/` (gitignored). Unlike GraphiQL,
the dashboards have no CDN fallback: they are used offline, so a missing file is a notice
on the page, never a request to the internet.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from storefront_api.graphiql_assets import (
    DEFAULT_TIMEOUT_SECONDS,
    NPM_REGISTRY,
    FetchOutcome,
    GraphiQLAsset,
    _served_here,
    fetch_assets,
)

ECHARTS_VERSION = "6.1.0"
ECHARTS_SRI = "sha256-tmslrrTfhOMxmdwhaUAU0zbSIsvZ3rDlp8FL1qoND9A="
APP_STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


@dataclass(frozen=True)
class BureauAsset(GraphiQLAsset):
    @property
    def static_path(self) -> str:
        return f"bureau/vendor/{self.package}-{self.version}/{self.file}"


ECHARTS = BureauAsset("echarts", ECHARTS_VERSION, "dist/echarts.min.js", ECHARTS_SRI, "script")


def echarts_served_here() -> bool:
    return _served_here(ECHARTS.static_path)


def fetch_echarts(
    *,
    static_dir: Path = APP_STATIC_DIR,
    registry: str = NPM_REGISTRY,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> FetchOutcome:
    (outcome,) = fetch_assets(
        static_dir=static_dir, registry=registry, timeout=timeout, assets=(ECHARTS,)
    )
    return outcome
