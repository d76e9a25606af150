"""The demo data, loaded once per test module inside a transaction that is rolled back.

Loading takes a few seconds, so the tests of one module share a single load; each test
still runs in its own savepoint (pytest-django's `django_db`), so none sees another's
changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module

import pytest
from django.apps import apps
from django.db import transaction
from django.test import override_settings

from tooling.demo import DemoSummary, load_demo_data


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[DemoSummary]:  # type: ignore[no-untyped-def]
    media = tmp_path_factory.mktemp("demo-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(media), PRIVATE_MEDIA_ROOT=str(media / "private")),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            # Transactional tests elsewhere in the suite flush every table, the provinces and
            # cities the migration seeds included, and this load (not a `django_db` test)
            # runs after them: seed them again the migration's way (it is idempotent).
            import_module(
                "marketplace.divisions.migrations.0003_seed_provinces_and_demo_cities"
            ).seed(apps, None)
            yield load_demo_data()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
