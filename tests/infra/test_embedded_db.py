"""The embedded PostgreSQL used when DATABASE_URL is unset: start, borrow, recover, stop.

Each test runs its own server under a temporary RURALMART_DATA_DIR (never `.ruralmart/`)
and stops it however the test ends.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from marketplace import embedded_db

DATABASE = "rm_embedded_check"

# pgserver keeps its lock file under the XDG runtime dir and warns when CI does not set one.
pytestmark = pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "data"
    monkeypatch.setenv("RURALMART_DATA_DIR", str(root))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    try:
        yield root
    finally:
        # Whatever happened in the test, leave no server running.
        embedded_db.stop(root / "pgdata")


def _current_database(url: str) -> str:
    with psycopg.connect(url, connect_timeout=5) as conn:
        row = conn.execute("SELECT current_database()").fetchone()
    assert row is not None
    return str(row[0])


def _is_up(pgdata: Path) -> bool:
    pid = embedded_db._postmaster_pid(pgdata)
    return pid is not None and embedded_db._is_postgres_process(pid)


def _start_in_another_process(data_dir: Path, *, then_stop: bool) -> None:
    """Start the server from a separate process, as a second `ruralmart` command would."""
    code = "from marketplace.embedded_db import start, stop\ns = start()\n"
    if then_stop:
        code += "stop(s.pgdata)\n"
    env = {**os.environ, "RURALMART_DATA_DIR": str(data_dir)}
    subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, timeout=120, capture_output=True
    )


def _dead_pid() -> int:
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    return finished.pid


@pytest.mark.smoke
def test_start_creates_the_server_and_database_and_a_second_start_borrows_it(data_dir, capsys):
    server = embedded_db.start(DATABASE)
    assert server.started_here
    assert server.pgdata == data_dir.resolve() / "pgdata"
    assert _is_up(server.pgdata)
    assert _current_database(server.url) == DATABASE
    assert "already running" not in capsys.readouterr().err

    borrowed = embedded_db.start(DATABASE)
    assert not borrowed.started_here
    assert borrowed.url == server.url
    assert "already running" in capsys.readouterr().err

    embedded_db.stop(server.pgdata)
    assert not _is_up(server.pgdata)
    with pytest.raises(psycopg.OperationalError):
        _current_database(server.url)
    embedded_db.stop(server.pgdata)  # stopping a stopped server is a no-op


def test_a_server_started_by_another_process_is_borrowed_not_stopped(data_dir, capsys):
    _start_in_another_process(data_dir, then_stop=False)
    pgdata = data_dir.resolve() / "pgdata"
    assert _is_up(pgdata)

    with embedded_db.database_url_from_environment(DATABASE) as url:
        assert os.environ["DATABASE_URL"] == url
        assert _current_database(url) == DATABASE
    assert "already running" in capsys.readouterr().err
    # The owner is the other process: leaving the block must not stop its server.
    assert _is_up(pgdata)
    assert "DATABASE_URL" not in os.environ


def test_a_stale_lock_from_a_crash_is_cleared_and_the_server_starts(data_dir, capsys):
    _start_in_another_process(data_dir, then_stop=True)
    pgdata = data_dir.resolve() / "pgdata"
    dead = _dead_pid()
    # What a crashed postmaster leaves behind: a pid file naming a process that is gone.
    (pgdata / "postmaster.pid").write_text(f"{dead}\n{pgdata}\n")

    server = embedded_db.start(DATABASE)

    err = capsys.readouterr().err
    assert "stale lock" in err and str(dead) in err
    assert "already running" not in err
    assert server.started_here
    assert _is_up(pgdata)
    assert _current_database(server.url) == DATABASE
    embedded_db.stop(pgdata)
    assert not _is_up(pgdata)


def test_the_block_that_starts_the_server_stops_it(data_dir):
    with embedded_db.database_url_from_environment(DATABASE) as url:
        pgdata = data_dir.resolve() / "pgdata"
        assert _is_up(pgdata)
        assert _current_database(url) == DATABASE
    assert not _is_up(pgdata)


def test_a_configured_database_url_starts_nothing(data_dir, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/elsewhere")
    with embedded_db.database_url_from_environment() as url:
        assert url == "postgresql://postgres@127.0.0.1:5432/elsewhere"
    assert not data_dir.exists()
