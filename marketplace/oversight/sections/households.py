"""Households benefiting: how many were credited by settlements, their income per household
and per person, and how many sit below or near the poverty-monitoring line.

The line is yearly per person, so a household's income over the period is annualised
(times 12 / months) before comparing. Only households with platform income in the period
are compared: the ledger knows nothing of what others earn elsewhere."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import Max, Sum

from marketplace.oversight.models import HouseholdMonthIncome
from marketplace.oversight.poverty_line import MonitoringLine, poverty_monitoring_lines
from marketplace.oversight.sections.base import Panel, SectionQuery, SectionResult, money


def _per(amount: Decimal, count: int) -> Decimal:
    return money(amount / count) if count else money(0)


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
    incomes = (
        HouseholdMonthIncome.objects.filter(
            village_id__in=query.scope.village_ids, month__in=query.period.months
        )
        .values("household_id")
        .annotate(village=Max("village_id"), income=Sum("income"), members=Max("member_count"))
        .values_list("village", "income", "members")
    )
    per_village: dict[int, list[Decimal | int]] = defaultdict(lambda: [0, Decimal(0), 0])
    below = near = 0
    for village_id, income, members in incomes:
        figures = per_village[village_id]
        figures[1] += income
        if income <= 0:
            # Its sales were all clawed back: the money leaves the totals, but the
            # household benefited from nothing and has no income to compare.
            continue
        figures[0] += 1
        figures[2] += members
        line = lines[township_of[village_id]]
        yearly = income / members * 12 / query.period.month_count
        if yearly < line.yearly_per_capita:
            below += 1
        elif yearly < line.near_ceiling:
            near += 1
    households = sum(int(v[0]) for v in per_village.values())
    income_total = money(sum((Decimal(v[1]) for v in per_village.values()), Decimal(0)))
    members_total = sum(int(v[2]) for v in per_village.values())
    village_rows: list[list[object]] = []
    for village in query.scope.villages:
        count, income, members = per_village.get(village.id, [0, Decimal(0), 0])
        village_rows.append(
            [
                village.name,
                count,
                money(income),
                _per(Decimal(income), int(count)),
                _per(Decimal(income), int(members)),
            ]
        )
    per_household = _per(income_total, households)
    per_capita = _per(income_total, members_total)
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
                    "收入为结算记入农户账户的金额；与监测线比较时按期间月数折算为全年人均。"
                    f"“接近”指低于监测线的 {near_factor} 倍；"
                    "监测线按各乡镇所在省份当年标准。"
                ),
            ),
        ],
    )
