"""The demo's two reported quarters tell different stories: a township's dashboard and its
stored quarterly reports give different sales, orders and households benefiting for the
two, and both quarters have the township's red-flag ranking.

This runs the whole demo seeding (the shared, rolled-back `demo` load): it takes seconds,
not minutes, so no part of it is stubbed or narrowed to one township."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace.accounts.models import User
from marketplace.divisions.models import Township
from marketplace.oversight.access import township_scope
from marketplace.oversight.dashboard import Dashboard, dashboard_build
from marketplace.oversight.periods import Period
from marketplace.supervision.models import (
    PeriodicReport,
    PeriodKind,
    RedFlagRanking,
    ReportValue,
)
from marketplace.supervision.periods import last_completed
from tests.demo.conftest import demo  # noqa: F401  (the shared, rolled-back demo load)

pytestmark = pytest.mark.django_db

OFFICER = "officer.mengku@ruralmart.example"
FIGURES = ("sales_amount", "orders", "households_benefiting")


def _quarters() -> list:
    last = last_completed(PeriodKind.QUARTER)
    return [last.previous(), last]


def _headline(board: Dashboard) -> dict[str, object]:
    return {label: value for section in board.sections for label, value, _ in section.headline}


def test_the_dashboard_moves_between_the_two_quarters(demo):  # noqa: F811
    officer = User.objects.get(email=OFFICER)
    township = Township.objects.get(slug="mengku")
    scope = township_scope(user=officer, township_id=township.pk)
    boards = []
    for quarter in _quarters():
        month = quarter.start
        period = Period(
            kind="quarter", first_month=month, last_month=month.replace(month=month.month + 2)
        )
        boards.append(_headline(dashboard_build(scope=scope, period=period)))
    earlier, later = boards
    for label in ("销售额", "店铺订单数", "受益户数"):
        assert earlier[label] != later[label], label
        assert later[label], label


def test_the_stored_reports_differ_and_both_quarters_are_ranked(demo):  # noqa: F811
    township = Township.objects.get(slug="mengku")
    values: list[dict[str, Decimal | None]] = []
    for quarter in _quarters():
        report = PeriodicReport.objects.get(
            township=township, period_kind=PeriodKind.QUARTER, period_start=quarter.start
        )
        values.append(
            dict(
                ReportValue.objects.filter(report=report, indicator_code__in=FIGURES).values_list(
                    "indicator_code", "value"
                )
            )
        )
    earlier, later = values
    assert set(earlier) == set(later) == set(FIGURES)
    for code in FIGURES:
        assert earlier[code] != later[code], code
        assert later[code], code
    # The later quarter's report carries the earlier one as its previous period.
    later_report = PeriodicReport.objects.get(
        township=township, period_kind=PeriodKind.QUARTER, period_start=_quarters()[1].start
    )
    previous = dict(
        later_report.values.filter(indicator_code__in=FIGURES).values_list(
            "indicator_code", "previous_value"
        )
    )
    assert previous == earlier

    for quarter in _quarters():
        ranking = RedFlagRanking.objects.get(township=township, quarter_start=quarter.start)
        entries = list(ranking.entries.order_by("rank"))
        assert len(entries) == township.villages.count() >= 2
        assert [e.rank for e in entries] == list(range(1, len(entries) + 1))
        assert sum(e.awarded for e in entries) == 1 and entries[0].awarded
