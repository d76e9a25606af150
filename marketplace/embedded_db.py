"""Embedded PostgreSQL (pgserver) for zero-setup runs.

When `DATABASE_URL` is unset, `make demo` and `make test` run PostgreSQL 16 from the
pgserver wheel under `$RURALMART_DATA_DIR/pgdata`. The server listens only on a Unix
socket inside the data dir, so two checkouts never fight over a port.

Ownership rule: the process that *starts* the server stops it; a process that finds it
already running only borrows it. pgserver's own reference count is not used for stopping,
because a SIGKILLed client leaves a stale count behind and the server would never stop.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def data_dir() -> Path:
    return Path(os.environ.get("RURALMART_DATA_DIR", ".ruralmart")).expanduser().resolve()


class EmbeddedDatabaseError(RuntimeError):
    """A problem with the embedded server, phrased for the person at the terminal."""


@dataclass(frozen=True)
class EmbeddedServer:
    pgdata: Path
    url: str
    started_here: bool


def _postmaster_pid(pgdata: Path) -> int | None:
    pid_file = pgdata / "postmaster.pid"
    try:
        return int(pid_file.read_text().splitlines()[0])
    except (FileNotFoundError, IndexError, ValueError):
        return None


def _is_postgres_process(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, PermissionError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return b"postgres" in cmdline


def _clear_stale_lock(pgdata: Path) -> None:
    """Remove a postmaster.pid left by a crash, saying so, so the start that follows works."""
    pid = _postmaster_pid(pgdata)
    if pid is not None and not _is_postgres_process(pid):
        (pgdata / "postmaster.pid").unlink(missing_ok=True)
        print(
            f"ruralmart: removed a stale lock in {pgdata} (PostgreSQL pid {pid} is gone; "
            "the last run probably crashed).",
            file=sys.stderr,
        )


def start(database: str = "ruralmart") -> EmbeddedServer:
    """Start (or borrow) the embedded server and make sure `database` exists."""
    # Only when DATABASE_URL is unset: a server elsewhere needs no pgserver at all.
    import pgserver

    root = data_dir()
    root.mkdir(parents=True, exist_ok=True)
    pgdata = root / "pgdata"
    already_running = False
    if pgdata.exists():
        _clear_stale_lock(pgdata)
        pid = _postmaster_pid(pgdata)
        already_running = pid is not None
        if already_running:
            print(
                f"ruralmart: embedded PostgreSQL is already running (pid {pid}); reusing it.",
                file=sys.stderr,
            )
    try:
        server = pgserver.get_server(pgdata, cleanup_mode=None)
    except subprocess.CalledProcessError as exc:
        log = pgdata / "log"
        tail = log.read_text()[-2000:] if log.exists() else ""
        raise EmbeddedDatabaseError(
            f"embedded PostgreSQL under {pgdata} would not start.\n{tail}"
        ) from exc
    # Ensure the application database exists; `postgres` always does.
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    return EmbeddedServer(
        pgdata=pgdata, url=server.get_uri(database), started_here=not already_running
    )


def stop(pgdata: Path) -> None:
    """Stop the server with its own pg_ctl: the only reliable way (see module docstring)."""
    from pgserver import _commands  # as in `start`

    pg_ctl = _commands.pg_ctl  # type: ignore[attr-defined]  # generated at import time

    if _postmaster_pid(pgdata) is None:
        return
    user = "pgserver" if os.geteuid() == 0 else None
    with contextlib.suppress(subprocess.CalledProcessError):
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def database_url_from_environment(database: str = "ruralmart") -> Iterator[str]:
    """Yield a DATABASE_URL: the configured one, or the embedded server's for this block.

    The embedded server is stopped on the way out only if this block started it.
    """
    configured = os.environ.get("DATABASE_URL")
    # SIGTERM unwinds like Ctrl-C, so every `finally` runs: this one stops PostgreSQL, and
    # commands such as `demo` stop the children they started (worker, Alipay sandbox).
    previous = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    if configured:
        try:
            yield configured
        finally:
            signal.signal(signal.SIGTERM, previous)
        return
    server = start(database)
    os.environ["DATABASE_URL"] = server.url
    try:
        yield server.url
    finally:
        signal.signal(signal.SIGTERM, previous)
        os.environ.pop("DATABASE_URL", None)
        if server.started_here:
            print("ruralmart: stopping embedded PostgreSQL.", file=sys.stderr)
            stop(server.pgdata)
