"""Fixtures for the catalog tests."""

# The real-worker and eager fixtures, importable by any other folder the same way.
from tests.celery_worker import celery_worker, eager_celery  # noqa: F401
