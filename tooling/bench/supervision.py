"""Bench hook for the periodic report: how long generating one month's reports takes for
every township and county of the database, and how many SQL statements it costs.

`seed_oversight_divisions` makes a sized dataset (counties × townships × villages, one
approved shop per village and some placed orders in the month) with `bulk_create`, for
when no bench dataset is loaded; `ruralmart bench oversight` calls
`generate_monthly_report` on its own, larger one. Target: ≤ 30 s for 2 × 10 × 20.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from marketplace.channels.models import Channel
from marketplace.divisions.models import County, Township, Village
from marketplace.orders.models import Order, OrderLine, ShopOrder
from marketplace.organisations.models import PartyOrganisation, Shop, ShopStatus
from marketplace.supervision.models import PeriodKind
from marketplace.supervision.periods import Period, last_completed
from marketplace.supervision.reports import reports_generate_all
from tooling.bench.stats import statements_captured


@dataclass(frozen=True)
class ReportTiming:
    period: str
    reports: int
    seconds: float
    statements: int


def generate_monthly_report(*, period: Period | None = None) -> ReportTiming:
    """Generate (or find stored) every report of `period` (default: last month) and time it."""
    period = period or last_completed(PeriodKind.MONTH)
    started = time.perf_counter()
    with statements_captured() as queries:
        reports = reports_generate_all(period=period)
    return ReportTiming(
        period=period.label,
        reports=len(reports),
        seconds=time.perf_counter() - started,
        statements=len(queries.captured_queries),
    )


class _TimedAndRolledBack(Exception):
    def __init__(self, timing: ReportTiming) -> None:
        self.timing = timing


def generate_monthly_report_afresh(*, period: Period | None = None) -> ReportTiming:
    """Time a real generation of every report of `period`, even where the bench database
    already stores them from an earlier run (finding a stored report takes milliseconds,
    which would make the figure meaningless).

    Runs in a transaction that is rolled back: the period's stored reports are set aside
    first with triggers off for this transaction only (they refuse deletes, as a stored
    report must never change), then the generation the beat task runs on the first of the
    month is timed, and the database keeps nothing of either.
    """
    period = period or last_completed(PeriodKind.MONTH)
    stored = (
        "SELECT id FROM supervision_periodicreport WHERE period_kind = %s AND period_start = %s"
    )
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            for table in ("supervision_reportvalue", "supervision_reportfiling"):
                cursor.execute(
                    f"DELETE FROM {table} WHERE report_id IN ({stored})",
                    [period.kind, period.start],
                )
            cursor.execute(
                f"DELETE FROM supervision_periodicreport WHERE id IN ({stored})",
                [period.kind, period.start],
            )
            cursor.execute("SET LOCAL session_replication_role = origin")
            raise _TimedAndRolledBack(generate_monthly_report(period=period))
    except _TimedAndRolledBack as done:
        return done.timing


@transaction.atomic
def seed_oversight_divisions(
    *, counties: int = 2, townships: int = 10, villages: int = 20, orders_per_village: int = 5
) -> int:
    """A county tree with an approved shop per village and orders last month; returns the
    number of villages made. Codes start at 9xxxxx so they never meet real ones."""
    channel, _ = Channel.objects.get_or_create(
        slug="bench-oversight", defaults={"name": "Bench oversight", "currency_code": "CNY"}
    )
    period = last_completed(PeriodKind.MONTH)
    when = timezone.make_aware(datetime.datetime.combine(period.start, datetime.time(10)))
    opened = when - datetime.timedelta(days=400)
    made = 0
    for c in range(counties):
        county = County.objects.create(
            code=f"9{c:05d}",
            name=f"基准县{c}",
            slug=f"bench-county-{c}",
            province="云南省",
            prefecture="临沧市",
        )
        for t in range(townships):
            township = Township.objects.create(
                county=county,
                code=f"{county.code}{t:03d}",
                name=f"基准镇{c}-{t}",
                slug=f"bench-township-{c}-{t}",
            )
            rows = Village.objects.bulk_create(
                Village(
                    township=township,
                    code=f"{township.code}{v:03d}",
                    name=f"基准村{c}-{t}-{v}",
                    slug=f"bench-village-{c}-{t}-{v}",
                )
                for v in range(villages)
            )
            orgs = PartyOrganisation.objects.bulk_create(
                PartyOrganisation(village=v, name=f"{v.name}党支部") for v in rows
            )
            shops = Shop.objects.bulk_create(
                Shop(
                    party_organisation=o,
                    village=o.village,
                    name=f"{o.village.name}村货铺",
                    slug=f"bench-shop-{o.village.code}",
                    status=ShopStatus.APPROVED,
                    approved_at=opened,
                )
                for o in orgs
            )
            amount = Decimal("88.00")
            orders = Order.objects.bulk_create(
                Order(
                    channel=channel,
                    user_email=f"b{i % 7}@bench.cn",
                    subtotal_amount=amount,
                    total_amount=amount,
                )
                for i in range(len(shops) * orders_per_village)
            )
            shop_orders = ShopOrder.objects.bulk_create(
                ShopOrder(
                    order=order,
                    shop=shops[i // orders_per_village],
                    subtotal_amount=amount,
                    total_amount=amount,
                )
                for i, order in enumerate(orders)
            )
            ShopOrder.objects.filter(pk__in=[s.pk for s in shop_orders]).update(created_at=when)
            OrderLine.objects.bulk_create(
                OrderLine(
                    shop_order=s,
                    product_name="茶",
                    product_sku=f"BENCH-{s.pk}",
                    offering_kind="PRODUCE",
                    quantity=1,
                    unit_price_amount=amount,
                    total_price_amount=amount,
                    beneficiary_kind="COLLECTIVE",
                )
                for s in shop_orders
            )
            made += len(rows)
    return made
