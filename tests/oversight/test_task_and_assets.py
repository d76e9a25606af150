"""The nightly task is scheduled and runs the refresh; ECharts is vendored only when the
tarball's file matches the pinned hash."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
from pathlib import Path

import pytest
from django.conf import settings

from admin.bureau import echarts_assets
from marketplace.oversight.models import FiguresRefresh
from marketplace.oversight.tasks import refresh_figures


def test_the_refresh_is_scheduled_nightly():
    entry = settings.CELERY_BEAT_SCHEDULE["oversight-refresh-figures"]
    assert entry["task"] == "oversight.refresh_figures"
    assert entry["schedule"].hour == {2} and entry["schedule"].minute == {30}


@pytest.mark.django_db
def test_the_task_runs_the_refresh():
    result = refresh_figures.delay().get()
    assert result["months"] == [] and FiguresRefresh.objects.filter(pk=result["run"]).exists()


def _registry(tmp_path: Path, content: bytes) -> str:
    folder = tmp_path / "registry" / "echarts" / "-"
    folder.mkdir(parents=True)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("package/dist/echarts.min.js")
        info.size = len(content)
        archive.addfile(info, io.BytesIO(content))
    (folder / f"echarts-{echarts_assets.ECHARTS_VERSION}.tgz").write_bytes(buffer.getvalue())
    return (tmp_path / "registry").as_uri()


def _pin(content: bytes) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(content).digest()).decode()


def test_echarts_is_written_when_the_hash_matches(tmp_path, monkeypatch):
    content = b"/* echarts */ window.echarts = {};"
    pinned = echarts_assets.BureauAsset(
        "echarts", echarts_assets.ECHARTS_VERSION, "dist/echarts.min.js", _pin(content), "script"
    )
    monkeypatch.setattr(echarts_assets, "ECHARTS", pinned)
    outcome = echarts_assets.fetch_echarts(
        static_dir=tmp_path / "static", registry=_registry(tmp_path, content)
    )
    assert outcome.action == "fetched"
    assert outcome.path.read_bytes() == content
    assert outcome.path.as_posix().endswith(
        f"bureau/vendor/echarts-{echarts_assets.ECHARTS_VERSION}/dist/echarts.min.js"
    )


def test_echarts_is_refused_when_the_hash_differs(tmp_path, monkeypatch):
    pinned = echarts_assets.BureauAsset(
        "echarts", echarts_assets.ECHARTS_VERSION, "dist/echarts.min.js", _pin(b"x"), "script"
    )
    monkeypatch.setattr(echarts_assets, "ECHARTS", pinned)
    outcome = echarts_assets.fetch_echarts(
        static_dir=tmp_path / "static", registry=_registry(tmp_path, b"tampered")
    )
    assert outcome.action == "failed" and "refused" in outcome.error
    assert not outcome.path.exists()
