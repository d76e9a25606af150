"""`ruralmart bench oversight` at a tiny size: the seed is consistent with the services'
rows, the precompute runs, and a small and a large township cost the same statements."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum

from marketplace.orders.models import OrderLine
from marketplace.oversight.models import VillageMonthFigures
from tooling.bench import oversight
from tooling.bench.seed import _silent

pytestmark = pytest.mark.django_db


def test_the_tiny_scenario_seeds_precomputes_and_measures():
    placed = oversight.seed_oversight(
        counties=1, townships=2, villages=4, orders=2, months=3, progress=_silent
    )
    # 2 townships of 4 villages and the small one of 2, 2 orders each per month, 3 months.
    assert placed == (2 * 4 + 2) * 2 * 3
    assert oversight.seed_oversight(counties=1, townships=2, villages=4, orders=2, months=3) == 0

    result = oversight.measure(calls=3, warmup=1, months=3)
    assert result["large"]["villages"] == 4 and result["small"]["villages"] == 2
    assert result["small"]["statements"] == result["large"]["statements"]
    assert len(result["large"]["statements"]) == 1
    assert result["monthly_report_seconds"] is None
    total = VillageMonthFigures.objects.aggregate(s=Sum("sales_total"))["s"]
    assert total == OrderLine.objects.aggregate(s=Sum("total_price_amount"))["s"] > Decimal(0)

    checks = oversight.checks_for(result)
    assert [c.name for c in checks] == [
        "township dashboard p50",
        "statements, small vs large township",
    ]
    assert checks[1].passed
    text = oversight.render(result, checks)
    assert "Monthly report: not wired" in text and "small (2 villages)" in text


def test_the_monthly_report_hook_is_timed_when_wired(monkeypatch):
    oversight.seed_oversight(
        counties=1, townships=1, villages=2, orders=1, months=1, progress=_silent
    )
    seen = []
    monkeypatch.setattr(oversight, "MONTHLY_REPORT_HOOK", lambda *args: seen.append(args))
    result = oversight.measure(calls=1, warmup=0, months=1)
    assert len(seen) == 1 and result["monthly_report_seconds"] is not None
    assert "monthly report" in [c.name for c in oversight.checks_for(result)]
