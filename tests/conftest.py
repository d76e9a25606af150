"""Suite-wide fixtures. Area folders may add their own conftest beside their tests."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def channel(db):
    return factories.channel("urban-retail")


@pytest.fixture
def admin_user(db):
    return factories.platform_admin()


def pytest_configure(config):
    from django.conf import settings

    # Hashing passwords properly costs ~0.3 s each; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# The real in-process worker (`celery_worker`) for tests about background work, and an
# explicit `eager_celery`; importable here so every folder can ask for them.
from tests.celery_worker import celery_worker, eager_celery  # noqa: E402, F401


@pytest.fixture(autouse=True)
def _tasks_run_inline_unless_a_worker_is_asked_for(request):
    """With CELERY_BROKER_URL set (CI), a scheduled task would wait in Redis for a worker
    that only `celery_worker` tests start. Every other test runs its tasks inline, so its
    outcome never depends on which broker the machine has."""
    if "celery_worker" in request.fixturenames:
        yield
        return
    from marketplace.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = saved


# One session-wide Chromium for every browser test: a module importing the fixture itself
# would start a second Playwright in the same thread, which Playwright refuses.
from tests.browser import chromium, chromium_page  # noqa: E402, F401
