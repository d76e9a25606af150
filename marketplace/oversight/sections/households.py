"""Households benefiting: how many were credited by settlements, their income per household
and per person, and how many sit below or near the poverty-monitoring line.

The line is yearly per person, so a household's income over the period is annualised
(times 12 / months) before comparing. Only households with platform income in the period
are compared: the ledger knows nothing of what others earn elsewhere."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Max, Sum

from marketplace.oversight.models import HouseholdMonthIncome
from marketplace.oversight.poverty_line import poverty_monitoring_line
from marketplace.oversight.sections.base import Panel, SectionQuery, SectionResult, money


def _per(amount: Decimal, count: int) -> Decimal:
    return money(amount / count) if count else money(0)


def households_section(query: SectionQuery) -> SectionResult:
    line = poverty_monitoring_line(on=query.period.last_month, township_id=None)
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
        figures[0] += 1
        figures[1] += income
        figures[2] += members
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
                    ["监测线（元/人/年）", money(line.yearly_per_capita)],
                ],
                note=(
                    "收入为结算记入农户账户的金额；与监测线比较时按期间月数折算为全年人均。"
                    f"“接近”指低于监测线的 {line.near_factor} 倍。"
                ),
            ),
        ],
    )
