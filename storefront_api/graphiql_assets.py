"""GraphiQL's browser files, vendored from npm so `/graphql/` works with no internet.

graphene-django's GraphiQL page loads React, GraphiQL, its explorer plugin, a fetch polyfill
and graphql-ws from the jsDelivr CDN, and pins each file's version and SRI hash as class
attributes of its `GraphQLView`. This module reads those pins (so upgrading graphene-django
moves everything at once), downloads the matching npm tarballs, keeps only the one file each
needs, checks it against the pinned sha256 and writes it under this app's static folder
(`storefront_api/static/graphiql/vendor/`, gitignored). `ruralmart fetch_graphiql` runs it;
`make` runs that once after installing.

The GraphiQL view asks `local_assets_available()` on every page: when all files are served by
this server it points the page at them, otherwise at the same CDN URLs graphene-django uses.
The browser checks the integrity hash either way.

Imports only Django's staticfiles and graphene-django's view; never the domain.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tarfile
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from graphene_django.views import GraphQLView as _Pins

NPM_REGISTRY = "https://registry.npmjs.org"
CDN = "https://cdn.jsdelivr.net/npm"
# This app's static folder: what staticfiles' app finder serves and collectstatic collects.
APP_STATIC_DIR = Path(__file__).resolve().parent / "static"
# The largest tarball needed (graphiql) is 2.5 MB; anything far bigger is not what we asked for.
MAX_TARBALL_BYTES = 32 * 1024 * 1024
DEFAULT_TIMEOUT_SECONDS = 30.0


class GraphiQLAssetError(Exception):
    """A tarball could not be fetched or read, or a file did not match its pinned hash."""


@dataclass(frozen=True)
class GraphiQLAsset:
    """One file GraphiQL's page loads: where npm has it, what it must hash to, where it goes."""

    package: str  # npm name, possibly scoped ("@graphiql/plugin-explorer")
    version: str
    file: str  # path inside the package, as the CDN URL names it ("umd/react.production.min.js")
    sri: str  # Subresource Integrity value, "sha256-<base64>"
    kind: Literal["script", "stylesheet"]

    @property
    def tarball_member(self) -> str:
        # npm packs every published package under a top-level "package/" folder.
        return f"package/{self.file}"

    def tarball_url(self, registry: str = NPM_REGISTRY) -> str:
        basename = self.package.rsplit("/", 1)[-1]
        return f"{registry.rstrip('/')}/{self.package}/-/{basename}-{self.version}.tgz"

    @property
    def cdn_url(self) -> str:
        return f"{CDN}/{self.package}@{self.version}/{self.file}"

    @property
    def static_path(self) -> str:
        # The version is in the path so a graphene-django upgrade never serves an old file
        # under a URL a browser may have cached; "@" and "/" are left out of folder names.
        folder = f"{self.package.lstrip('@').replace('/', '-')}-{self.version}"
        return f"graphiql/vendor/{folder}/{self.file}"


# In the order the page must load them: stylesheets, then the fetch polyfill, React before
# ReactDOM before GraphiQL, and the explorer plugin last. graphene-django's own bootstrap
# script (graphene_django/graphiql.js) is already a local static file and comes after these.
ASSETS: tuple[GraphiQLAsset, ...] = (
    GraphiQLAsset(
        "graphiql",
        _Pins.graphiql_version,
        "graphiql.min.css",
        _Pins.graphiql_css_sri,
        "stylesheet",
    ),
    GraphiQLAsset(
        "@graphiql/plugin-explorer",
        _Pins.graphiql_plugin_explorer_version,
        "dist/style.css",
        _Pins.graphiql_plugin_explorer_css_sri,
        "stylesheet",
    ),
    GraphiQLAsset(
        "whatwg-fetch",
        _Pins.whatwg_fetch_version,
        "dist/fetch.umd.js",
        _Pins.whatwg_fetch_sri,
        "script",
    ),
    GraphiQLAsset(
        "react",
        _Pins.react_version,
        "umd/react.production.min.js",
        _Pins.react_sri,
        "script",
    ),
    GraphiQLAsset(
        "react-dom",
        _Pins.react_version,
        "umd/react-dom.production.min.js",
        _Pins.react_dom_sri,
        "script",
    ),
    GraphiQLAsset(
        "graphiql",
        _Pins.graphiql_version,
        "graphiql.min.js",
        _Pins.graphiql_sri,
        "script",
    ),
    GraphiQLAsset(
        "graphql-ws",
        _Pins.subscriptions_transport_ws_version,
        "umd/graphql-ws.min.js",
        _Pins.subscriptions_transport_ws_sri,
        "script",
    ),
    GraphiQLAsset(
        "@graphiql/plugin-explorer",
        _Pins.graphiql_plugin_explorer_version,
        "dist/graphiql-plugin-explorer.umd.js",
        _Pins.graphiql_plugin_explorer_sri,
        "script",
    ),
)
STYLESHEETS = tuple(asset for asset in ASSETS if asset.kind == "stylesheet")
SCRIPTS = tuple(asset for asset in ASSETS if asset.kind == "script")


# --- Serving ------------------------------------------------------------------------------


def local_assets_available() -> bool:
    """Whether this server serves every GraphiQL file, so the page need not use the CDN.

    All or nothing: a page that mixed local and CDN files would still break offline. Only
    presence is checked here (a few stat calls); the hash was checked when the file was
    written, and the browser checks it again through the integrity attribute.
    """
    return all(_served_here(asset.static_path) for asset in ASSETS)


def _served_here(static_path: str) -> bool:
    # Mirrors where WhiteNoise looks (marketplace.settings): STATIC_ROOT once collected, and
    # the apps' own static folders when it uses Django's finders.
    if getattr(settings, "WHITENOISE_USE_FINDERS", settings.DEBUG) and finders.find(static_path):
        return True
    return bool(settings.STATIC_ROOT) and staticfiles_storage.exists(static_path)


# --- Fetching -----------------------------------------------------------------------------

Action = Literal["present", "fetched", "failed"]


@dataclass(frozen=True)
class FetchOutcome:
    asset: GraphiQLAsset
    path: Path
    action: Action
    error: str = ""


def fetch_assets(
    *,
    static_dir: Path = APP_STATIC_DIR,
    registry: str = NPM_REGISTRY,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    assets: tuple[GraphiQLAsset, ...] = ASSETS,
) -> list[FetchOutcome]:
    """Make every asset present under `static_dir`, verified against its pinned hash.

    Files already there with the right hash are left alone and nothing is downloaded for
    them. Each tarball is downloaded at most once. A file whose download does not match its
    hash is refused, and a wrong file already in its place is deleted, so the page falls
    back to the CDN instead of loading something the browser would reject. Failures are
    reported per asset rather than raised, so one unreachable package does not hide what
    happened to the others.
    """
    tarballs: dict[str, bytes | GraphiQLAssetError] = {}
    outcomes: list[FetchOutcome] = []
    for asset in assets:
        target = static_dir / asset.static_path
        if target.is_file() and _matches(target.read_bytes(), asset.sri):
            outcomes.append(FetchOutcome(asset, target, "present"))
            continue
        try:
            url = asset.tarball_url(registry)
            if url not in tarballs:
                try:
                    tarballs[url] = _download(url, timeout)
                except GraphiQLAssetError as exc:
                    tarballs[url] = exc
            tarball = tarballs[url]
            if isinstance(tarball, GraphiQLAssetError):
                raise tarball
            content = _read_member(tarball, asset.tarball_member, url)
            if not _matches(content, asset.sri):
                raise GraphiQLAssetError(
                    f"{asset.tarball_member} in {url} hashes to {_sri_sha256(content)}, "
                    f"not the pinned {asset.sri}; refused"
                )
            _write_atomically(target, content)
        except GraphiQLAssetError as exc:
            target.unlink(missing_ok=True)
            outcomes.append(FetchOutcome(asset, target, "failed", str(exc)))
        else:
            outcomes.append(FetchOutcome(asset, target, "fetched"))
    return outcomes


def _sri_sha256(content: bytes) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(content).digest()).decode("ascii")


def _matches(content: bytes, sri: str) -> bool:
    # An SRI value may list several hashes; graphene-django pins one sha256 per file, and a
    # pin without any sha256 can never be satisfied here (so it is refused, not trusted).
    expected = {token for token in sri.split() if token.startswith("sha256-")}
    return _sri_sha256(content) in expected


def _download(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "ruralmart-fetch-graphiql"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body: bytes = response.read(MAX_TARBALL_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise GraphiQLAssetError(f"{url} answered HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise GraphiQLAssetError(f"could not reach {url}: {exc.reason}") from exc
    except (TimeoutError, OSError) as exc:
        raise GraphiQLAssetError(f"could not download {url}: {exc or 'timed out'}") from exc
    if len(body) > MAX_TARBALL_BYTES:
        raise GraphiQLAssetError(f"{url} is larger than {MAX_TARBALL_BYTES} bytes; refused")
    return body


def _read_member(tarball: bytes, member: str, url: str) -> bytes:
    """One file's bytes from a .tgz, read in memory: nothing in the archive touches the disk."""
    try:
        with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
            info = archive.getmember(member)
            handle = archive.extractfile(info) if info.isfile() else None
            if handle is None:
                raise GraphiQLAssetError(f"{member} in {url} is not a regular file")
            return handle.read()
    except KeyError as exc:
        raise GraphiQLAssetError(f"{url} has no {member}") from exc
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise GraphiQLAssetError(f"{url} is not a readable .tgz: {exc}") from exc


def _write_atomically(target: Path, content: bytes) -> None:
    # Written beside the target and renamed over it, so a server reading the folder never
    # sees half a file and an interrupted run leaves no partial one behind.
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
