"""The bench hook times the monthly report over a seeded county tree."""

from __future__ import annotations

import pytest

from marketplace.supervision.models import PeriodicReport
from tooling.bench.supervision import (
    generate_monthly_report,
    generate_monthly_report_afresh,
    seed_oversight_divisions,
)

pytestmark = pytest.mark.django_db


def test_generate_monthly_report_times_every_scope_once():
    assert seed_oversight_divisions(counties=1, townships=2, villages=3, orders_per_village=2) == 6
    timing = generate_monthly_report()
    assert timing.reports == 3  # two townships and their county
    assert timing.seconds > 0 and timing.statements > 0
    again = generate_monthly_report()
    assert again.reports == 3 and PeriodicReport.objects.count() == 3  # stored once
    value = (
        PeriodicReport.objects.filter(county__isnull=False)
        .get()
        .values.get(indicator_code="orders")
    )
    assert value.value == 12


def test_the_bench_times_a_real_generation_and_keeps_nothing():
    seed_oversight_divisions(counties=1, townships=2, villages=3, orders_per_village=2)
    stored = generate_monthly_report()
    kept = set(PeriodicReport.objects.values_list("pk", flat=True))
    afresh = generate_monthly_report_afresh()
    # The stored reports were set aside: as many statements as the first generation,
    # not the few of finding them.
    assert afresh.reports == 3 and afresh.statements == stored.statements
    assert set(PeriodicReport.objects.values_list("pk", flat=True)) == kept
    assert PeriodicReport.objects.filter(county__isnull=False).get().values.count() >= 20
