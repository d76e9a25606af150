"""Run the application under gunicorn for a benchmark, and always stop it afterwards."""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


class ServerError(RuntimeError):
    """gunicorn would not start or answer; the message carries its log's tail."""


@dataclass(frozen=True)
class ServerConfig:
    worker_class: str = "sync"
    workers: int = 1
    threads: int = 1

    def describe(self) -> str:
        threads = f", {self.threads} threads" if self.worker_class == "gthread" else ""
        return f"gunicorn {self.worker_class}, {self.workers} worker(s){threads}"


@dataclass(frozen=True)
class RunningServer:
    host: str
    port: int
    log_path: Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _log_tail(path: Path, size: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-size:]
    except FileNotFoundError:
        return "(no log)"


def _answers(host: str, port: int) -> bool:
    """Any HTTP answer at all means the worker is up (the status does not matter here)."""
    conn = http.client.HTTPConnection(host, port, timeout=2)
    try:
        conn.request("GET", "/graphql/", headers={"Accept": "application/json"})
        conn.getresponse().read()
        return True
    except OSError:
        return False
    finally:
        conn.close()


@contextlib.contextmanager
def gunicorn(
    *, database_url: str, config: ServerConfig, log_path: Path, start_timeout: float = 60.0
) -> Iterator[RunningServer]:
    """Serve `marketplace.wsgi` against `database_url` the production way (DEBUG off).

    The server is stopped on the way out, however the block ends (errors, Ctrl-C).
    """
    host, port = "127.0.0.1", free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "DATABASE_URL": database_url,
        "RURALMART_COUNT_QUERIES": "1",
        "ALLOWED_HOSTS": host,
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable, "-m", "gunicorn", "marketplace.wsgi",
        "--bind", f"{host}:{port}",
        "--workers", str(config.workers),
        "--worker-class", config.worker_class,
        "--threads", str(config.threads),
        "--timeout", "120",
        "--keep-alive", "30",
        "--log-level", "warning",
        "--error-logfile", str(log_path),
    ]  # fmt: skip
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + start_timeout
        while not _answers(host, port):
            if process.poll() is not None:
                raise ServerError(
                    f"gunicorn exited with code {process.returncode} before answering.\n"
                    f"{_log_tail(log_path)}"
                )
            if time.monotonic() > deadline:
                raise ServerError(
                    f"gunicorn did not answer within {start_timeout:.0f} s.\n{_log_tail(log_path)}"
                )
            time.sleep(0.2)
        yield RunningServer(host=host, port=port, log_path=log_path)
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # gunicorn shuts down gracefully on SIGTERM
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
