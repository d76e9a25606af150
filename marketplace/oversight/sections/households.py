"""Households benefiting: how many were credited by settlements, their income per household
and per person, and how many sit below or near the poverty-monitoring line. What counts
as benefiting and as income is `collective_econ.benefit.selectors`' definition, the one
the periodic report and the red flag use.

The line is yearly per person, so a household's income over the period is annualised
(times 12 / months) before comparing. Only households with platform income in the period
are compared: the ledger knows nothing of what others earn elsewhere."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db.models import Max, Sum

from collective_econ.benefit.selectors import (
    DEFINITION_NOTE_ZH,
    HouseholdCredit,
    benefit_figures,
    benefit_figures_by_village,
)
from marketplace.oversight.models import HouseholdMonthIncome
from marketplace.oversight.poverty_line import MonitoringLine, poverty_monitoring_lines
from marketplace.oversight.sections.base import Panel, SectionQuery, SectionResult, money


def _shown(figure: Decimal | None) -> Decimal:
    """A per-household or per-capita figure as the dashboard prints it: 0 with nobody to
    divide by (the report leaves that indicator empty instead)."""
    return money(figure)


def _line_label(lines: list[MonitoringLine]) -> Decimal | str:
    """The line shown in the summary: one figure, or the range over the scope's provinces."""
    values = sorted({line.yearly_per_capita for line in lines})
    if not values:
        return money(0)
    if len(values) == 1:
        return money(values[0])
    return f"{money(values[0])}–{money(values[-1])}"


def households_section(query: SectionQuery) -> SectionResult:
    lines = poverty_monitoring_lines(
        on=query.period.last_month, township_ids=query.scope.township_ids
    )
    township_of = {village.id: village.township_id for village in query.scope.villages}
    near_factor = 1 + Decimal(str(settings.POVERTY_MONITORING_MARGIN))
    # One row per household over the period's months: the precomputed monthly credits of
    # `collective_econ.benefit.settlement_credit_postings`, summed, then judged by the same
    # rule the periodic report applies to the live ledger.
    credits = [
        HouseholdCredit(
            household_id=household_id, village_id=village_id, members=members, net_credited=income
        )
        for household_id, village_id, income, members in HouseholdMonthIncome.objects.filter(
            village_id__in=query.scope.village_ids, month__in=query.period.months
        )
        .values("household_id")
        .annotate(village=Max("village_id"), income=Sum("income"), members=Max("member_count"))
        .values_list("household_id", "village", "income", "members")
    ]
    below = near = 0
    for credit in credits:
        if not credit.benefits:
            # Its sales were all clawed back: the money leaves the totals, but the
            # household benefited from nothing and has no income to compare.
            continue
        line = lines[township_of[credit.village_id]]
        yearly = credit.net_credited / credit.members * 12 / query.period.month_count
        if yearly < line.yearly_per_capita:
            below += 1
        elif yearly < line.near_ceiling:
            near += 1
    total = benefit_figures(credits)
    by_village = benefit_figures_by_village(credits, village_ids=query.scope.village_ids)
    village_rows: list[list[object]] = [
        [
            village.name,
            by_village[village.id].households_benefiting,
            by_village[village.id].net_credited,
            _shown(by_village[village.id].income_per_household),
            _shown(by_village[village.id].income_per_capita),
        ]
        for village in query.scope.villages
    ]
    households = total.households_benefiting
    income_total = total.net_credited
    per_household = _shown(total.income_per_household)
    per_capita = _shown(total.income_per_capita)
    return SectionResult(
        key="households",
        title="带贫益贫",
        headline=[
            ("受益户数", households, "户"),
            ("户均收入", per_household, "元"),
            ("人均收入", per_capita, "元"),
        ],
        panels=[
            Panel(
                "households_by_village",
                "各村受益农户与收入",
                "bar",
                ["村", "受益户数", "农户收入（元）", "户均收入（元）", "人均收入（元）"],
                village_rows,  # type: ignore[arg-type]
                series=[3, 4],
            ),
            Panel(
                "households_summary",
                "受益农户汇总",
                "table",
                ["指标", "数值"],
                [
                    ["受益户数", households],
                    ["农户结算收入（元）", income_total],
                    ["户均收入（元）", per_household],
                    ["人均收入（元）", per_capita],
                    ["低于监测线户数", below],
                    ["接近监测线户数", near],
                    ["监测线（元/人/年）", _line_label(list(lines.values()))],
                ],
                note=(
                    DEFINITION_NOTE_ZH + "与监测线比较时按期间月数折算为全年人均。"
                    f"“接近”指低于监测线的 {near_factor} 倍；"
                    "监测线按各乡镇所在省份当年标准。"
                ),
            ),
        ],
    )
