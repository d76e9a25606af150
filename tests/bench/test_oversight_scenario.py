"""`ruralmart bench oversight` at a tiny size: the seed is consistent with the services'
rows, the precompute runs, a small and a large township cost the same statements, and the
monthly periodic report is generated and timed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum

from marketplace.orders.models import OrderLine
from marketplace.oversight.models import VillageMonthFigures
from marketplace.supervision.models import PeriodicReport, PeriodKind
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
    assert result["monthly_report_seconds"] > 0
    total = VillageMonthFigures.objects.aggregate(s=Sum("sales_total"))["s"]
    assert total == OrderLine.objects.aggregate(s=Sum("total_price_amount"))["s"] > Decimal(0)

    checks = oversight.checks_for(result)
    assert [c.name for c in checks] == [
        "township dashboard p50",
        "statements, small vs large township",
        "monthly report",
    ]
    assert checks[1].passed
    text = oversight.render(result, checks)
    assert "small (2 villages)" in text and "monthly report" in text
    # Every township and county of the tree had its report generated for the timing, and
    # the bench kept none of them (it times a real generation each run).
    assert result["monthly_reports_generated"] >= 3
    assert not PeriodicReport.objects.filter(period_kind=PeriodKind.MONTH).exists()
