"""ECharts comes from this project or not at all: the dashboard never names a CDN, shows a
notice (and its tables) when the vendored file is missing, and the build stops when the
hash-checked fetch fails."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from admin.bureau import echarts_assets, views
from admin.management.commands import fetch_echarts as fetch_echarts_command
from marketplace.accounts.models import Role
from tests import factories
from tests.oversight.test_task_and_assets import _pin, _registry
from tests.oversight.world import at, buy, oversight_township

ROOT = Path(__file__).resolve().parents[2]
NOTICE = 'id="bureau-charts-missing"'


@pytest.fixture
def page(db):
    built = oversight_township(villages=1)
    buy(built.villages[0], buyer=None, placed=at(2026, 10, 5), price="30.00")
    officer = factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=built.township, is_staff=True)
    client = Client()
    client.force_login(officer)

    def get() -> str:
        url = f"/admin/bureau/township/{built.township.pk}/?kind=quarter&quarter=2026-Q4"
        response = client.get(url)
        assert response.status_code == 200
        return response.content.decode()

    return get


def test_without_the_vendored_file_the_page_says_so_and_keeps_its_tables(page, monkeypatch):
    monkeypatch.setattr(views, "echarts_served_here", lambda: False)
    html = page()
    assert NOTICE in html and "ruralmart fetch_echarts" in html
    assert "echarts.min.js" not in html and "cdn" not in html.lower()
    # No empty chart boxes, no chart script; the tables and downloads are still there.
    assert 'class="bureau-chart"' not in html and "echarts.init" not in html
    assert "各村销售额" in html and "format=xlsx" in html


def test_with_the_vendored_file_the_page_loads_it_from_the_project(page, monkeypatch):
    monkeypatch.setattr(views, "echarts_served_here", lambda: True)
    html = page()
    assert NOTICE not in html
    local = f'src="/static/{echarts_assets.ECHARTS.static_path}"'
    assert local in html and f'integrity="{echarts_assets.ECHARTS_SRI}"' in html
    assert "cdn" not in html.lower() and 'class="bureau-chart"' in html


def test_a_failed_fetch_is_an_error_exit(tmp_path, monkeypatch):
    pinned = echarts_assets.BureauAsset(
        "echarts", echarts_assets.ECHARTS_VERSION, "dist/echarts.min.js", _pin(b"x"), "script"
    )
    monkeypatch.setattr(echarts_assets, "ECHARTS", pinned)
    monkeypatch.setattr(fetch_echarts_command, "ECHARTS", pinned)
    with pytest.raises(CommandError, match="could not be fetched"):
        call_command(
            "fetch_echarts",
            registry=_registry(tmp_path, b"tampered"),
            static_dir=tmp_path / "static",
        )
    assert not (tmp_path / "static" / pinned.static_path).exists()


def _recipe_line(name: str) -> str:
    (line,) = [
        line
        for line in (ROOT / "Makefile").read_text().splitlines()
        if f"ruralmart {name}" in line and not line.lstrip().startswith("@#")
    ]
    return line


def test_the_build_stops_when_echarts_is_not_fetched():
    line = _recipe_line("fetch_echarts")
    # No `|| echo`, no make `-` prefix: the command's failure fails the recipe.
    assert "||" not in line and not line.lstrip().startswith("-")
    # GraphiQL keeps its CDN fallback: it is a developer tool, not an offline page.
    assert "||" in _recipe_line("fetch_graphiql")
