"""GraphiQL without internet, and static files without a separate web server.

The page points at vendored copies of GraphiQL's files when they are served here and at the
CDN otherwise; the fetcher writes only files matching graphene-django's pinned hashes; and
after `collectstatic` WhiteNoise serves static files from the Django process itself.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import os
import socket
import subprocess
import sys
import tarfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, RequestFactory
from graphene_django.views import GraphQLView as GrapheneGraphQLView

from marketplace.management.commands import fetch_graphiql as fetch_command
from storefront_api.graphiql_assets import (
    ASSETS,
    SCRIPTS,
    STYLESHEETS,
    GraphiQLAsset,
    fetch_assets,
)

APP_FINDER = "django.contrib.staticfiles.finders.AppDirectoriesFinder"
DIR_FINDER = "django.contrib.staticfiles.finders.FileSystemFinder"
BOOTSTRAP = "/static/graphene_django/graphiql.js"


def _sri(content: bytes) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(content).digest()).decode()


def _tgz(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


class _Refs(HTMLParser):
    """(tag, url, integrity) for every stylesheet and script the page loads, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "link" and named.get("rel") == "stylesheet":
            self.refs.append(("link", named["href"] or "", named.get("integrity")))
        elif tag == "script" and named.get("src"):
            self.refs.append(("script", named["src"] or "", named.get("integrity")))


def _page_refs(content: bytes) -> list[tuple[str, str, str | None]]:
    parser = _Refs()
    parser.feed(content.decode())
    return parser.refs


def _graphiql_page(client: Client) -> bytes:
    response = client.get("/graphql/", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    return response.content


def _body(response) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- The page -----------------------------------------------------------------------------


@pytest.fixture
def static_dir(settings, tmp_path: Path) -> Path:
    """A static folder of the test's own, served the way a fresh checkout serves (finders)."""
    folder = tmp_path / "static"
    folder.mkdir()
    settings.STATICFILES_DIRS = [folder]
    # Our folder first, so its copies win over any the repository has fetched.
    settings.STATICFILES_FINDERS = [DIR_FINDER, APP_FINDER]
    settings.STATIC_ROOT = tmp_path / "collected"
    settings.STATIC_ROOT.mkdir()  # empty: nothing collected
    settings.WHITENOISE_USE_FINDERS = True
    return folder


@pytest.mark.smoke
def test_page_uses_local_files_with_integrity_when_vendored(static_dir: Path, client: Client):
    contents = {}
    for asset in ASSETS:
        path = static_dir / asset.static_path
        path.parent.mkdir(parents=True, exist_ok=True)
        contents[asset.static_path] = f"/* {asset.package} {asset.file} */".encode()
        path.write_bytes(contents[asset.static_path])

    page = _graphiql_page(client)

    assert b"cdn.jsdelivr.net" not in page
    expected = [("link", f"/static/{a.static_path}", a.sri) for a in STYLESHEETS]
    expected += [("script", f"/static/{a.static_path}", a.sri) for a in SCRIPTS]
    expected.append(("script", BOOTSTRAP, None))
    assert _page_refs(page) == expected
    # Every file the page names is served by this process (WhiteNoise, as under gunicorn).
    for asset in ASSETS:
        response = client.get(f"/static/{asset.static_path}")
        assert response.status_code == 200, asset.static_path
        assert _body(response) == contents[asset.static_path]
    bootstrap = client.get(BOOTSTRAP)
    assert bootstrap.status_code == 200 and _body(bootstrap)


@pytest.mark.smoke
@pytest.mark.parametrize("vendored", ["none", "all but one"])
def test_page_falls_back_to_the_cdn_unless_every_file_is_here(
    settings, static_dir: Path, client: Client, vendored: str
):
    # Only our empty folder is searched, so files the repository has fetched do not count.
    settings.STATICFILES_FINDERS = [DIR_FINDER]
    if vendored == "all but one":
        for asset in ASSETS[:-1]:
            path = static_dir / asset.static_path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"/* vendored */")

    refs = _page_refs(_graphiql_page(client))

    assert refs[:-1] == [
        ("link" if a.kind == "stylesheet" else "script", a.cdn_url, a.sri) for a in ASSETS
    ]
    assert refs[-1] == ("script", BOOTSTRAP, None)


@pytest.mark.smoke
def test_the_cdn_fallback_is_exactly_graphene_djangos_page(settings, static_dir: Path):
    """One source of truth: our CDN URLs and hashes are the ones graphene-django renders."""
    settings.STATICFILES_FINDERS = [DIR_FINDER]
    request = RequestFactory().get("/graphql/", headers={"Accept": "text/html"})
    upstream = GrapheneGraphQLView.as_view(graphiql=True)(request)
    ours = _graphiql_page(Client())

    assert _page_refs(ours) == _page_refs(upstream.content)


# --- The fetcher --------------------------------------------------------------------------


@dataclass
class FakeRegistry:
    """An npm registry on 127.0.0.1 serving tarballs from a dict, counting what it is asked."""

    url: str
    tarballs: dict[str, bytes] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def registry() -> Iterator[FakeRegistry]:
    fake = FakeRegistry(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fake.requests.append(self.path)
            body = fake.tarballs.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


WIDGET_JS = b"window.Widget = function () {};\n"
WIDGET_CSS = b".widget { color: green }\n"
TARBALL_PATH = "/@fake/widget/-/widget-1.0.0.tgz"
WIDGET = GraphiQLAsset("@fake/widget", "1.0.0", "dist/widget.js", _sri(WIDGET_JS), "script")
WIDGET_STYLE = GraphiQLAsset(
    "@fake/widget", "1.0.0", "dist/widget.css", _sri(WIDGET_CSS), "stylesheet"
)


def test_fetch_writes_verified_files_and_does_not_download_them_again(
    registry: FakeRegistry, tmp_path: Path
):
    registry.tarballs[TARBALL_PATH] = _tgz(
        {"package/dist/widget.js": WIDGET_JS, "package/dist/widget.css": WIDGET_CSS}
    )
    fetch = functools.partial(
        fetch_assets, static_dir=tmp_path, registry=registry.url, assets=(WIDGET, WIDGET_STYLE)
    )

    first = fetch()

    assert [outcome.action for outcome in first] == ["fetched", "fetched"]
    assert registry.requests == [TARBALL_PATH]  # one download for both files of the package
    written = tmp_path / "graphiql/vendor/fake-widget-1.0.0/dist/widget.js"
    assert first[0].path == written
    assert written.read_bytes() == WIDGET_JS
    assert (tmp_path / WIDGET_STYLE.static_path).read_bytes() == WIDGET_CSS

    second = fetch()

    assert [outcome.action for outcome in second] == ["present", "present"]
    assert registry.requests == [TARBALL_PATH]


def test_a_tampered_file_is_refused_and_nothing_is_left_behind(
    registry: FakeRegistry, tmp_path: Path
):
    registry.tarballs[TARBALL_PATH] = _tgz({"package/dist/widget.js": b"alert('owned');\n"})

    [outcome] = fetch_assets(static_dir=tmp_path, registry=registry.url, assets=(WIDGET,))

    assert outcome.action == "failed"
    assert "refused" in outcome.error and WIDGET.sri in outcome.error
    assert list(tmp_path.rglob("*")) == []


@pytest.mark.parametrize(
    ("served", "left"),
    [(WIDGET_JS, WIDGET_JS), (b"alert('owned');\n", None)],
    ids=["good download replaces it", "bad download deletes it"],
)
def test_a_wrong_file_already_in_place_is_never_kept(
    registry: FakeRegistry, tmp_path: Path, served: bytes, left: bytes | None
):
    registry.tarballs[TARBALL_PATH] = _tgz({"package/dist/widget.js": served})
    target = tmp_path / WIDGET.static_path
    target.parent.mkdir(parents=True)
    target.write_bytes(b"/* an older or edited copy */")

    fetch_assets(static_dir=tmp_path, registry=registry.url, assets=(WIDGET,))

    assert registry.requests == [TARBALL_PATH]
    assert (target.read_bytes() if target.exists() else None) == left
    assert [p.name for p in target.parent.iterdir()] == (["widget.js"] if left else [])


def test_missing_package_or_member_and_unreachable_registry_are_clear_errors(
    registry: FakeRegistry, tmp_path: Path
):
    other = GraphiQLAsset("other", "2.0.0", "index.js", _sri(b""), "script")
    registry.tarballs[TARBALL_PATH] = _tgz({"package/README.md": b"no widget here"})

    missing_member, missing_package = fetch_assets(
        static_dir=tmp_path, registry=registry.url, assets=(WIDGET, other)
    )

    assert missing_member.error == (f"{registry.url}{TARBALL_PATH} has no package/dist/widget.js")
    assert missing_package.error == (
        f"{registry.url}/other/-/other-2.0.0.tgz answered HTTP 404 Not Found"
    )
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    [unreachable] = fetch_assets(static_dir=tmp_path, registry=closed, timeout=5, assets=(WIDGET,))
    assert unreachable.error.startswith(f"could not reach {closed}{TARBALL_PATH}: ")
    assert list(tmp_path.rglob("*")) == []


def test_the_command_reports_each_file_and_fails_when_any_is_missing(
    registry: FakeRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(
        fetch_command, "fetch_assets", functools.partial(fetch_assets, assets=(WIDGET,))
    )
    registry.tarballs[TARBALL_PATH] = _tgz({"package/dist/widget.js": WIDGET_JS})
    out = io.StringIO()

    call_command("fetch_graphiql", registry=registry.url, static_dir=tmp_path, stdout=out)
    call_command("fetch_graphiql", registry=registry.url, static_dir=tmp_path, stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("fetched  @fake/widget@1.0.0 dist/widget.js (sha256 verified)")
    assert lines[2].startswith("present  @fake/widget@1.0.0 dist/widget.js (sha256 verified)")
    registry.tarballs.clear()
    (tmp_path / WIDGET.static_path).unlink()
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 of 1 GraphiQL files could not be fetched"):
        call_command(
            "fetch_graphiql", registry=registry.url, static_dir=tmp_path, stdout=out, stderr=err
        )
    assert "HTTP 404" in err.getvalue()


def test_ruralmart_fetch_graphiql_starts_no_database(
    registry: FakeRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """`make` runs it right after installing, where no database exists yet."""
    from marketplace import cli, embedded_db

    def no_database(*args: object, **kwargs: object) -> None:
        raise AssertionError("fetch_graphiql asked for a database")

    monkeypatch.setattr(embedded_db, "database_url_from_environment", no_database)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(
        fetch_command, "fetch_assets", functools.partial(fetch_assets, assets=(WIDGET,))
    )
    registry.tarballs[TARBALL_PATH] = _tgz({"package/dist/widget.js": WIDGET_JS})

    argv = ["ruralmart", "fetch_graphiql", "--registry", registry.url]
    status = cli.main([*argv, "--static-dir", str(tmp_path)])

    assert status == 0
    assert (tmp_path / WIDGET.static_path).read_bytes() == WIDGET_JS


# --- Static files under gunicorn ----------------------------------------------------------


def test_after_collectstatic_the_django_process_serves_admin_css(settings, tmp_path: Path):
    """What gunicorn runs is this WSGI app: WhiteNoise serves STATIC_ROOT with DEBUG off."""
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "collected"
    settings.WHITENOISE_USE_FINDERS = False  # what settings choose once collectstatic ran
    css = "/static/admin/css/base.css"
    with pytest.warns(UserWarning, match="No directory at: .*collected"):
        assert Client().get(css).status_code == 404  # nothing collected, nothing served

    call_command("collectstatic", interactive=False, verbosity=0)
    response = Client().get(css)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    collected = Path(django_settings.STATIC_ROOT) / "admin/css/base.css"
    assert _body(response) == collected.read_bytes()


def _finders_chosen(data_dir: Path) -> bool:
    """WHITENOISE_USE_FINDERS as a fresh process with DEBUG off settles it for `data_dir`."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "DEBUG"},
        "RURALMART_DATA_DIR": str(data_dir),
        "SECRET_KEY": "test-only",
        "DATABASE_URL": os.environ.get("DATABASE_URL") or "postgresql://x@127.0.0.1:1/x",
    }
    probe = "import marketplace.settings as s; print(s.WHITENOISE_USE_FINDERS)"
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip() == "True"


def test_finders_stay_on_until_collectstatic_has_run(tmp_path: Path):
    """An empty or foreign STATIC_ROOT is not a collected one: turning the finders off for
    it would 404 admin CSS and GraphiQL's files without a word."""
    static_root = tmp_path / "static"
    assert _finders_chosen(tmp_path)  # no STATIC_ROOT at all
    static_root.mkdir()
    (static_root / "stray.txt").write_text("not from collectstatic")
    assert _finders_chosen(tmp_path)  # a folder, but nothing collected into it
    marker = static_root / "admin" / "css" / "base.css"
    marker.parent.mkdir(parents=True)
    marker.write_text("/* collected */")
    assert not _finders_chosen(tmp_path)  # what collectstatic always writes is there
