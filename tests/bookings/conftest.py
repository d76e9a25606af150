"""Fixtures for the bookings tests: a homestay and an experience, dates relative to today in
Asia/Shanghai, and a helper that races threads against PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection
from django.utils import timezone

from marketplace.bookings.services import booking_today
from marketplace.catalog.models import OfferingKind, Product, ProductVariant
from tests import factories


def day(offset: int) -> date:
    """`offset` days from today in Asia/Shanghai."""
    return booking_today() + timedelta(days=offset)


def later(minutes: int = 15) -> datetime:
    return timezone.now() + timedelta(minutes=minutes)


def tourism(kind: str, **capacity: int) -> tuple[Product, ProductVariant]:
    product = factories.product(offering_kind=kind)
    if capacity:
        Product.objects.filter(pk=product.pk).update(**capacity)
        product.refresh_from_db()
    variant = factories.first_variant(product)
    variant.product = product
    return product, variant


@pytest.fixture
def homestay(db) -> tuple[Product, ProductVariant]:
    """3 rooms sleeping 6: two guests per room."""
    return tourism(OfferingKind.HOMESTAY)


@pytest.fixture
def experience(db) -> tuple[Product, ProductVariant]:
    """12 seats per date."""
    return tourism(OfferingKind.EXPERIENCE)


def codes(error: ValidationError) -> list[str]:
    return [e.code for errors in error.error_dict.values() for e in errors]


def _connect() -> None:
    # Other suites may share the server; wait briefly for a free connection slot rather
    # than count "too many clients" as a failure of the code under test.
    deadline = time.monotonic() + 15
    while True:
        try:
            connection.ensure_connection()
            return
        except OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def race(n: int, target: Callable[[int], Any]) -> list[tuple[str, Any]]:
    """Run `target(i)` in `n` threads released together, each on its own connection.

    Returns per thread ("ok", result), ("refused", ValidationError) or ("error", exception).
    """
    barrier = threading.Barrier(n, timeout=30)
    results: list[tuple[str, Any]] = [("error", "did not finish")] * n

    def worker(i: int) -> None:
        try:
            _connect()
            barrier.wait()
            results[i] = ("ok", target(i))
        except ValidationError as exc:
            results[i] = ("refused", exc)
        except BaseException as exc:
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
