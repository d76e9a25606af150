"""A real Celery worker for tests that must prove work happens in the background.

`celery_worker` runs an in-process worker thread on `marketplace.celery.app` for one test.
The broker is `CELERY_BROKER_URL` when set (CI uses Redis), otherwise kombu's in-memory
transport, so the fixture needs no services. Eager execution is switched off for the test
and restored after it.

Tests using it must be `@pytest.mark.django_db(transaction=True)`: the worker thread has its
own database connection and sees only committed rows, and `transaction.on_commit` fires only
outside the test-wide transaction.

`eager_celery` is the opposite: tasks run inline, whatever the environment says, for tests
that check the outcome of background work without a worker.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections

from marketplace.celery import app

_SETTINGS = ("broker_url", "broker_transport_options", "task_always_eager")


def _reset_connection_pools() -> None:
    # The app caches its broker connection and producer pools; after changing the broker URL
    # they must be rebuilt (Celery does the same after a fork). The old pools stay in
    # kombu's registry, keyed by URL, and are reused if the same URL comes back.
    app._pool = None
    app.amqp._producer_pool = None


def _close_worker_connections(**_: Any) -> None:
    # The worker thread opens its own database connection. Closing it after each task keeps
    # the test database free of leftover sessions, so pytest-django can flush and drop it.
    connections.close_all()


@pytest.fixture
def celery_worker() -> Iterator[Any]:
    saved = {name: app.conf.get(name) for name in _SETTINGS}
    broker_url = os.environ.get("CELERY_BROKER_URL")
    if broker_url:
        app.conf.broker_url = broker_url
    else:
        app.conf.broker_url = "memory://"
        # The in-memory transport polls; its default second-long sleep slows every shutdown.
        app.conf.broker_transport_options = {
            **saved["broker_transport_options"],
            "polling_interval": 0.05,
        }
    app.conf.task_always_eager = False
    _reset_connection_pools()
    task_postrun.connect(_close_worker_connections, weak=False)
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=30
        ) as worker:
            yield worker
    finally:
        task_postrun.disconnect(_close_worker_connections)
        for name, value in saved.items():
            setattr(app.conf, name, value)
        _reset_connection_pools()


@pytest.fixture
def eager_celery() -> Iterator[None]:
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = saved


def wait_for(condition: Callable[[], Any], *, timeout: float = 30.0, interval: float = 0.1) -> Any:
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {timeout:.0f}s waiting for the worker")
        time.sleep(interval)
