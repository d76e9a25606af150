"""The bench's statement counter stays whole after the connection's query log is full:
Django keeps only the last 9,000 statements, and a long bench runs far more."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tooling.bench.stats import statements_captured

pytestmark = pytest.mark.django_db


def _run(statements: int) -> None:
    with connection.cursor() as cursor:
        for _ in range(statements):
            cursor.execute("SELECT 1")


def test_a_full_query_log_still_counts_every_statement() -> None:
    with CaptureQueriesContext(connection):
        _run(connection.queries_log.maxlen or 9000)
        # Django's own context counts nothing once its log is full ...
        with CaptureQueriesContext(connection) as plain:
            _run(3)
        assert len(plain.captured_queries) == 0
        # ... the bench's counts every statement of its block.
        with statements_captured() as captured:
            _run(3)
        assert len(captured.captured_queries) == 3
