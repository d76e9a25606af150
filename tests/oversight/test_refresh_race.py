"""Two refreshes at once (the beat task and a manual run, or two workers) queue on the
advisory lock: both succeed and leave exactly one row per village and month."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from marketplace.oversight.models import FiguresRefresh, VillageMonthFigures
from marketplace.oversight.refresh import figures_refresh
from tests.oversight.world import at, buy, oversight_township

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_refreshes_serialise():
    built = oversight_township(villages=3)
    for index, village in enumerate(built.villages):
        buy(village, buyer=None, placed=at(2026, 9, 5), price=f"{10 + index}.00")
        buy(village, buyer=None, placed=at(2026, 10, 5), price="5.00")
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def refresh() -> None:
        try:
            start.wait()
            figures_refresh(full=True)
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert FiguresRefresh.objects.count() == 4
    assert VillageMonthFigures.objects.count() == 6
    assert sum(VillageMonthFigures.objects.values_list("sales_total", flat=True)) == Decimal(
        "48.00"
    )
