"""Orders and buyers: shop orders, distinct buyers, and buyers who came back.

A repeat buyer placed two or more shop orders with the scope's shops in the period. Buyers
are counted once however many villages they bought from, which is why this reads the
per-buyer rows rather than summing villages."""

from __future__ import annotations

from django.db.models import Count, Q, Sum

from marketplace.oversight.models import VillageMonthBuyer
from marketplace.oversight.sections.base import Panel, SectionQuery, SectionResult, ratio


def buyers_section(query: SectionQuery) -> SectionResult:
    rows = VillageMonthBuyer.objects.filter(
        village_id__in=query.scope.village_ids, month__in=query.period.months
    )
    by_month = {
        month: (orders, buyers)
        for month, orders, buyers in rows.values("month")
        .annotate(orders=Sum("shop_orders"), buyers=Count("buyer_key", distinct=True))
        .values_list("month", "orders", "buyers")
    }
    totals = (
        rows.values("buyer_key")
        .annotate(placed=Sum("shop_orders"))
        .aggregate(
            buyers=Count("buyer_key"),
            repeat=Count("buyer_key", filter=Q(placed__gte=2)),
            orders=Sum("placed"),
        )
    )
    buyers, repeat, orders = totals["buyers"] or 0, totals["repeat"] or 0, totals["orders"] or 0
    month_rows: list[list[object]] = [
        [f"{month:%Y-%m}", *by_month.get(month, (0, 0))] for month in query.period.months
    ]
    return SectionResult(
        key="buyers",
        title="订单与买家",
        headline=[
            ("买家数", buyers, "人"),
            ("复购买家数", repeat, "人"),
            ("复购率", ratio(repeat, buyers), "%"),
        ],
        panels=[
            Panel(
                "buyers_by_month",
                "月度订单与买家",
                "line",
                ["月份", "店铺订单数", "买家数"],
                month_rows,  # type: ignore[arg-type]
                series=[1, 2],
            ),
            Panel(
                "buyers_summary",
                "订单与买家汇总",
                "table",
                ["指标", "数值"],
                [
                    ["店铺订单数", orders],
                    ["买家数", buyers],
                    ["复购买家数", repeat],
                    ["复购率（%）", ratio(repeat, buyers)],
                ],
                note="复购买家：在所选期间内于本辖区店铺下单两次及以上（按店铺订单计）。",
            ),
        ],
    )
