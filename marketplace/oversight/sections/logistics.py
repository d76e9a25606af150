"""Deliveries: parcels delivered, days from the carrier's collection to delivery (median
and 90th percentile), and parcels damaged, lost or returned, per month."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.db.models import Sum

from marketplace.oversight.models import VillageMonthFigures
from marketplace.oversight.sections.base import CENT, Panel, SectionQuery, SectionResult

_PERCENTILES = """
    SELECT f.month,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY m.minutes),
           percentile_cont(0.9) WITHIN GROUP (ORDER BY m.minutes)
      FROM oversight_villagemonthfigures f
      CROSS JOIN LATERAL unnest(f.delivery_minutes) AS m(minutes)
     WHERE f.village_id = ANY(%s) AND f.month = ANY(%s)
     GROUP BY GROUPING SETS ((f.month), ())
"""


def _days(minutes: float | None) -> Decimal | None:
    if minutes is None:
        return None
    return (Decimal(str(minutes)) / 1440).quantize(CENT)


def logistics_section(query: SectionQuery) -> SectionResult:
    with connection.cursor() as cursor:
        cursor.execute(_PERCENTILES, [query.scope.village_ids, query.period.months])
        percentiles = {month: (p50, p90) for month, p50, p90 in cursor.fetchall()}
    counts = {
        month: (delivered, exceptions)
        for month, delivered, exceptions in VillageMonthFigures.objects.filter(
            village_id__in=query.scope.village_ids, month__in=query.period.months
        )
        .values("month")
        .annotate(delivered=Sum("parcels_delivered"), exceptions=Sum("delivery_exceptions"))
        .values_list("month", "delivered", "exceptions")
    }
    rows: list[list[object]] = []
    for month in query.period.months:
        p50, p90 = percentiles.get(month, (None, None))
        delivered, exceptions = counts.get(month, (0, 0))
        rows.append([f"{month:%Y-%m}", _days(p50), _days(p90), delivered, exceptions])
    overall_p50, overall_p90 = percentiles.get(None, (None, None))
    delivered_total = sum(int(row[3]) for row in rows)  # type: ignore[call-overload]
    exceptions_total = sum(int(row[4]) for row in rows)  # type: ignore[call-overload]
    return SectionResult(
        key="logistics",
        title="物流时效",
        headline=[
            ("妥投件数", delivered_total, "件"),
            ("时效中位数", _days(overall_p50), "天"),
            ("P90 时效", _days(overall_p90), "天"),
            ("异常件数", exceptions_total, "件"),
        ],
        panels=[
            Panel(
                "delivery_times",
                "月度配送时效（揽收至妥投）",
                "delivery",
                ["月份", "中位数（天）", "P90（天）", "妥投件数", "异常件数"],
                rows,  # type: ignore[arg-type]
                series=[1, 2],
                note="异常：破损、丢失、退回。",
            ),
        ],
    )
