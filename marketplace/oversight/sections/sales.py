"""Sales: by month, by village (with the ranking), and by offering kind."""

from __future__ import annotations

from django.db.models import Sum

from marketplace.oversight.models import VillageMonthFigures
from marketplace.oversight.sections.base import Panel, SectionQuery, SectionResult, money

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


def figures_in(query: SectionQuery):  # type: ignore[no-untyped-def]
    return VillageMonthFigures.objects.filter(
        village_id__in=query.scope.village_ids, month__in=query.period.months
    )


def sales_section(query: SectionQuery) -> SectionResult:
    by_month = {row["month"]: row for row in figures_in(query).values("month").annotate(**_SUMS)}
    by_village = {
        row["village_id"]: row for row in figures_in(query).values("village_id").annotate(**_SUMS)
    }
    month_rows: list[list[object]] = [
        [
            f"{month:%Y-%m}",
            money(by_month.get(month, {}).get("sales")),
            by_month.get(month, {}).get("orders") or 0,
        ]
        for month in query.period.months
    ]
    village_rows = [
        [
            village.name,
            money(by_village.get(village.id, {}).get("sales")),
            by_village.get(village.id, {}).get("orders") or 0,
        ]
        for village in query.scope.villages
    ]
    ranking = sorted(village_rows, key=lambda row: (-row[1], row[0]))  # type: ignore[operator]
    kind_rows = [
        [label, money(sum((row[column] or 0 for row in by_village.values()), 0))]
        for column, label in KIND_LABELS
    ]
    total = money(sum((row[1] for row in village_rows), 0))  # type: ignore[misc]
    orders = sum(int(row[2]) for row in village_rows)  # type: ignore[call-overload]
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
