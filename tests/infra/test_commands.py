"""`ruralmart worker` and `ruralmart beat`: thin pass-throughs to Celery, refused without a broker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from marketplace.celery import app

RURALMART = str(Path(sys.executable).with_name("ruralmart"))


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    seen: list[list[str]] = []
    monkeypatch.setattr(app, "worker_main", lambda argv: seen.append(list(argv)))
    monkeypatch.setattr(app, "start", lambda argv: seen.append(list(argv)))
    return seen


def _configure_broker(settings, url: str | None) -> None:  # type: ignore[no-untyped-def]
    # What marketplace.settings derives from the CELERY_BROKER_URL environment variable.
    settings.CELERY_TASK_ALWAYS_EAGER = url is None
    settings.CELERY_BROKER_URL = url or "memory://"


@pytest.mark.smoke
@pytest.mark.parametrize("command", ["worker", "beat"])
def test_refused_without_a_broker(settings, calls, command):
    _configure_broker(settings, None)
    with pytest.raises(CommandError, match="tasks run eagerly in-process; set CELERY_BROKER_URL"):
        call_command(command)
    assert calls == []


def test_the_refusal_reaches_the_terminal_with_a_failing_status():
    env = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
    # A database URL is given so the CLI does not start an embedded server for nothing.
    env.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/unused")
    done = subprocess.run(
        [RURALMART, "worker", "-l", "info"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert "set CELERY_BROKER_URL to run a worker" in done.stderr


def test_worker_passes_every_argument_through(settings, calls):
    _configure_broker(settings, "redis://127.0.0.1:6379/0")
    from django.core.management import ManagementUtility

    ManagementUtility(
        ["ruralmart", "worker", "-l", "info", "--concurrency=4", "-Q", "a,b"]
    ).execute()
    assert calls == [["worker", "-l", "info", "--concurrency=4", "-Q", "a,b"]]


def test_beat_uses_the_database_scheduler(settings, calls):
    _configure_broker(settings, "redis://127.0.0.1:6379/0")
    from django.core.management import ManagementUtility

    ManagementUtility(["ruralmart", "beat", "--max-interval", "5"]).execute()
    assert calls == [
        [
            "beat",
            "--scheduler",
            "django_celery_beat.schedulers:DatabaseScheduler",
            "--max-interval",
            "5",
        ]
    ]


@pytest.mark.worker
@pytest.mark.skipif(not os.environ.get("CELERY_BROKER_URL"), reason="needs a real broker")
def test_a_real_worker_starts_and_shuts_down_cleanly():
    # Its own queue, so it never takes tasks meant for anything else on the broker.
    queue = f"rm-command-check-{uuid.uuid4().hex[:8]}"
    worker = subprocess.Popen(
        [RURALMART, "worker", "--pool=solo", "-l", "info", "-Q", queue, "--without-mingle"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    try:
        deadline = time.monotonic() + 60
        assert worker.stdout is not None
        for line in worker.stdout:
            output.append(line)
            if " ready." in line or time.monotonic() > deadline:
                break
        assert any(" ready." in line for line in output), "".join(output)
        assert any(queue in line for line in output)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert worker.returncode == 0
