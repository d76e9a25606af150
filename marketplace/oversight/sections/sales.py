"""Sales: by month, by village (with the ranking), and by offering kind."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum

from marketplace.oversight.models import VillageMonthFigures
from marketplace.oversight.sections.base import Cell, Panel, SectionQuery, SectionResult, money

KIND_LABELS = (
    ("sales_produce", "特色农产品"),
    ("sales_goods", "商品"),
    ("sales_homestay", "民宿"),
    ("sales_experience", "体验"),
)
_SUMS = {
    "sales": Sum("sales_total"),
    "orders": Sum("shop_orders"),
    **{column: Sum(column) for column, _ in KIND_LABELS},
}


def figures_in(query: SectionQuery) -> QuerySet[VillageMonthFigures]:
    return VillageMonthFigures.objects.filter(
        village_id__in=query.scope.village_ids, month__in=query.period.months
    )


def _sums(rows: dict[Any, dict[str, Any]], key: Any) -> tuple[Decimal, int]:
    row = rows.get(key, {})
    return money(row.get("sales")), int(row.get("orders") or 0)


def sales_section(query: SectionQuery) -> SectionResult:
    by_month = {row["month"]: row for row in figures_in(query).values("month").annotate(**_SUMS)}
    by_village = {
        row["village_id"]: row for row in figures_in(query).values("village_id").annotate(**_SUMS)
    }
    months = [(f"{month:%Y-%m}", *_sums(by_month, month)) for month in query.period.months]
    villages = [(village.name, *_sums(by_village, village.id)) for village in query.scope.villages]
    ranked = sorted(villages, key=lambda row: (-row[1], row[0]))
    month_rows: list[list[Cell]] = [list(row) for row in months]
    village_rows: list[list[Cell]] = [list(row) for row in villages]
    ranking: list[list[Cell]] = [list(row) for row in ranked]
    kind_rows: list[list[Cell]] = [
        [label, money(sum((row[column] or 0 for row in by_village.values()), Decimal(0)))]
        for column, label in KIND_LABELS
    ]
    total = money(sum((row[1] for row in villages), Decimal(0)))
    orders = sum(row[2] for row in villages)
    return SectionResult(
        key="sales",
        title="销售情况",
        headline=[("销售额", total, "元"), ("店铺订单数", orders, "单")],
        panels=[
            Panel(
                "sales_by_month",
                "月度销售额",
                "line",
                ["月份", "销售额（元）", "订单数"],
                month_rows,
                series=[1],
            ),
            Panel(
                "sales_by_village",
                "各村销售额",
                "bar",
                ["村", "销售额（元）", "订单数"],
                village_rows,
                series=[1],
            ),
            Panel(
                "sales_by_kind",
                "按经营类型的销售额",
                "bar",
                ["经营类型", "销售额（元）"],
                kind_rows,
                series=[1],
            ),
            Panel(
                "village_ranking",
                "村销售排名",
                "ranking",
                ["村", "销售额（元）", "订单数"],
                ranking,
                series=[1],
            ),
        ],
    )
