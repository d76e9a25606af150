"""The `oversight` scenario: the township dashboard's data over a year of orders.

Seeds 2 counties × 10 townships × 20 villages (plus one small township of 2 villages, so a
small and a large township can be compared) with a year of orders, parcels, refunds and
household settlements, bulk-inserted month by month with a progress bar; runs the nightly
precompute once in full; then times `dashboard_build` for a 20-village township over the
last 12 months (target p50 <= 100 ms) and counts its SQL statements for the small and the
large township (they must be equal). A county dashboard (200 villages) is timed too.

Like the logistics scenario it runs in a child process connected to a bench database of
its own, never the demo's or a developer's. The monthly periodic report is generated for
the dashboard's last month over the whole seeded tree (every township and county, as the
beat task does on the first of the month) and timed against its 30 s target.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from argparse import ArgumentParser
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

from django.db import connection, transaction
from django.utils import timezone

from collective_econ.models import Account, AccountKind, JournalKind, JournalTransaction, Posting
from logistics.tracking_models import Shipment, ShipmentEvent
from marketplace.accounts.models import User
from marketplace.channels.models import Channel
from marketplace.divisions.models import County, Township, Village
from marketplace.orders.models import Order, OrderLine, OrderStatus, ShopOrder
from marketplace.organisations.models import Household, PartyOrganisation, Shop, ShopStatus
from marketplace.oversight.access import DashboardScope, county_scope, township_scope
from marketplace.oversight.dashboard import dashboard_build
from marketplace.oversight.months import month_start, months_between
from marketplace.oversight.periods import Period, default_period
from marketplace.oversight.refresh import figures_refresh
from marketplace.payments.models import (
    GatewayId,
    PaymentMethod,
    Refund,
    RefundStatus,
    TransactionItem,
    TransactionStatus,
)
from marketplace.supervision.models import PeriodKind
from marketplace.supervision.periods import period_containing
from tooling.bench import databases
from tooling.bench.browse import Check
from tooling.bench.dataset import (
    Say,
    ScenarioFailed,
    TargetsMissed,
    add_dataset_arguments,
    prepare,
    require_bench_database,
)
from tooling.bench.seed import ProgressFactory, tqdm_progress
from tooling.bench.stats import query_count_label, statements_captured, summarize
from tooling.bench.supervision import generate_monthly_report_afresh

P50_TARGET_MS = 100.0
REPORT_TARGET_SECONDS = 30.0
RANDOM_SEED = 20261001
SEED_SLUG = "bench-oversight"
KINDS = (("PRODUCE", 6), ("GOODS", 2), ("HOMESTAY", 1), ("EXPERIENCE", 1))


def add_arguments(parser: ArgumentParser) -> None:
    add_dataset_arguments(parser)
    # The catalog seed is not what is measured: keep it tiny.
    parser.set_defaults(database="ruralmart_bench_oversight", products=20, shops=2)
    add_seed_arguments(parser)
    parser.add_argument("--calls", type=int, default=50, help="Timed dashboards.")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--strict", action="store_true", help="Exit non-zero on a miss.")


def add_seed_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--counties", type=int, default=2)
    parser.add_argument("--townships", type=int, default=10, help="Per county.")
    parser.add_argument("--villages", type=int, default=20, help="Per township.")
    parser.add_argument("--orders", type=int, default=6, help="Per village and month.")
    parser.add_argument("--months", type=int, default=12)


def add_measure_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--expect-database", required=True)
    parser.add_argument("--result-file", required=True)
    parser.add_argument("--calls", type=int, required=True)
    parser.add_argument("--warmup", type=int, required=True)
    add_seed_arguments(parser)


# --- Seeding --------------------------------------------------------------------------------


@contextmanager
def _clock_at(moment: datetime) -> Iterator[None]:
    # `auto_now_add` columns (orders' and journals' times) take the clock's time even in
    # bulk_create, and posted journals can never be updated: so the clock is set instead.
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@transaction.atomic
def _divisions(*, counties: int, townships: int, villages: int) -> list[Village]:
    made: list[Village] = []
    plan = [(c, t, villages) for c in range(counties) for t in range(townships)]
    plan.append((0, townships, 2))  # the small township
    county_rows = {
        c: County.objects.create(
            code=f"99{c:04d}",
            name=f"压测县{c + 1}",
            slug=f"{SEED_SLUG}-county-{c}",
            province="云南省",
            prefecture="临沧市",
        )
        for c in range(counties)
    }
    for c, t, count in plan:
        township = Township.objects.create(
            county=county_rows[c],
            code=f"99{c:04d}{t:03d}",
            name=f"压测镇{c + 1}-{t + 1}",
            slug=f"{SEED_SLUG}-township-{c}-{t}",
        )
        made += Village.objects.bulk_create(
            Village(
                township=township,
                code=f"99{c:04d}{t:03d}{v:03d}",
                name=f"压测村{c + 1}-{t + 1}-{v + 1}",
                slug=f"{SEED_SLUG}-village-{c}-{t}-{v}",
            )
            for v in range(count)
        )
    return made


@transaction.atomic
def _shops_and_households(villages: list[Village]) -> tuple[list[Shop], dict[int, list[Household]]]:
    organisations = PartyOrganisation.objects.bulk_create(
        PartyOrganisation(village=v, name=f"{v.name}党支部") for v in villages
    )
    shops = Shop.objects.bulk_create(
        Shop(
            party_organisation=org,
            village=org.village,
            name=f"{org.village.name}村货铺",
            slug=f"{org.village.slug}-shop",
            status=ShopStatus.APPROVED,
            approved_at=timezone.now(),
        )
        for org in organisations
    )
    households = Household.objects.bulk_create(
        Household(
            village=v,
            reference=f"BO{v.pk:06d}{h:02d}",
            category="FORMERLY_POOR",
            member_count=1 + (v.pk + h) % 5,
            head_name="压测户",
        )
        for v in villages
        for h in range(5)
    )
    Account.objects.bulk_create(
        Account(kind=AccountKind.HOUSEHOLD, household=h) for h in households
    )
    by_village: dict[int, list[Household]] = {}
    for household in households:
        by_village.setdefault(household.village_id, []).append(household)
    return shops, by_village


def _month_of_orders(
    *,
    month: date,
    shops: list[Shop],
    households: dict[int, list[Household]],
    buyers: list[User],
    channel: Channel,
    clearing: Account,
    accounts: dict[int, Account],
    orders_each: int,
    rng: random.Random,
) -> int:
    """One month's orders for every shop, with their parcels, refunds and settlements."""
    placed: list[tuple[Shop, datetime, Decimal, str, Household | None, User | None]] = []
    for shop in shops:
        for _ in range(orders_each):
            kind = rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
            household = rng.choice(households[shop.village_id]) if kind == "PRODUCE" else None
            buyer = rng.choice(buyers) if rng.random() < 0.8 else None
            at = month_start(month) + timedelta(days=rng.randrange(27), hours=rng.randrange(24))
            price = Decimal(rng.randrange(1500, 30000)) / 100
            placed.append((shop, at, price, kind, household, buyer))
    with transaction.atomic():
        orders = Order.objects.bulk_create(
            (
                Order(
                    channel=channel,
                    user=buyer,
                    user_email=buyer.email if buyer else f"guest{rng.randrange(10**6)}@example.cn",
                    status=OrderStatus.UNFULFILLED,
                    subtotal_amount=price,
                    total_amount=price,
                )
                for _, _, price, _, _, buyer in placed
            ),
            batch_size=2000,
        )
        # bulk_update writes the values as given (no auto_now_add), back-dating the orders.
        for order, (_, at, _, _, _, _) in zip(orders, placed, strict=True):
            order.created_at = at
        Order.objects.bulk_update(orders, ["created_at"], batch_size=1000)
        shop_orders = ShopOrder.objects.bulk_create(
            ShopOrder(order=o, shop=p[0], subtotal_amount=p[2], total_amount=p[2])
            for o, p in zip(orders, placed, strict=True)
        )
        lines = OrderLine.objects.bulk_create(
            OrderLine(
                shop_order=so,
                product_name=f"{kind}商品",
                product_sku=f"{so.shop_id}-{kind}",
                offering_kind=kind,
                quantity=1,
                unit_price_amount=price,
                total_price_amount=price,
                beneficiary_kind="HOUSEHOLD" if household else "COLLECTIVE",
                beneficiary_household=household,
            )
            for so, (_, _, price, kind, household, _) in zip(shop_orders, placed, strict=True)
        )
        parcels: list[Shipment] = []
        shipped_at: list[datetime] = []
        events: list[ShipmentEvent] = []
        for so, (_, at, _, kind, _, _) in zip(shop_orders, placed, strict=True):
            if kind not in ("PRODUCE", "GOODS"):
                continue
            damaged = rng.random() < 0.02
            parcels.append(
                Shipment(
                    kind="PARCEL",
                    shop_order=so,
                    carrier="zhongtong",
                    tracking_number=f"BO{so.pk:012d}",
                    status="DAMAGED" if damaged else "DELIVERED",
                )
            )
            shipped_at.append(at)
        Shipment.objects.bulk_create(parcels, batch_size=2000)
        placed_at = {so.pk: p[1] for so, p in zip(shop_orders, placed, strict=True)}
        for parcel, at in zip(parcels, shipped_at, strict=True):
            collected = at + timedelta(hours=rng.randrange(6, 30))
            end = collected + timedelta(hours=rng.randrange(20, 120))
            events += [
                ShipmentEvent(
                    shipment=parcel,
                    key="c",
                    occurred_at=collected,
                    source="CARRIER",
                    status="COLLECTED",
                    description="已揽收",
                ),
                ShipmentEvent(
                    shipment=parcel,
                    key="e",
                    occurred_at=end,
                    source="CARRIER",
                    status=parcel.status,
                    description="签收",
                ),
            ]
        ShipmentEvent.objects.bulk_create(events, batch_size=4000)
        refunded = [
            (o, so) for o, so in zip(orders, shop_orders, strict=True) if rng.random() < 0.03
        ]
        items = TransactionItem.objects.bulk_create(
            TransactionItem(
                gateway_id=GatewayId.ALIPAY,
                method=PaymentMethod.QR,
                psp_reference=f"BO{o.pk.hex[:24]}",
                status=TransactionStatus.CHARGED,
                order=o,
                amount=o.total_amount,
                charged_amount=o.total_amount,
            )
            for o, _ in refunded
        )
        Refund.objects.bulk_create(
            Refund(
                shop_order=so,
                transaction=item,
                out_request_no=f"BR{so.pk:012d}",
                idempotency_key="bench",
                amount=(so.total_amount / 2).quantize(Decimal("0.01")),
                status=RefundStatus.SUCCESS,
                completed_at=placed_at[so.pk] + timedelta(days=5),
            )
            for (_, so), item in zip(refunded, items, strict=True)
        )
        _settlements(lines, placed, clearing=clearing, accounts=accounts)
    return len(placed)


def _settlements(
    lines: list[OrderLine], placed: list[Any], *, clearing: Account, accounts: dict[int, Account]
) -> None:
    """Household lines settle ten days after the order, at 10:00 that day: one insert per
    settlement day, since the posting time can only be set by the clock."""
    by_day: dict[datetime, list[tuple[OrderLine, Decimal, Household]]] = {}
    for line, (_, at, price, _, household, _) in zip(lines, placed, strict=True):
        if household is not None:
            day = (at + timedelta(days=10)).replace(hour=10, minute=0, second=0, microsecond=0)
            income = (price * Decimal("0.9")).quantize(Decimal("0.01"))
            by_day.setdefault(day, []).append((line, income, household))
    for day, settled in by_day.items():
        with _clock_at(day):
            journals = JournalTransaction.objects.bulk_create(
                JournalTransaction(
                    kind=JournalKind.SETTLEMENT,
                    order_line=line,
                    idempotency_key=f"settle:orderline:{line.pk}",
                )
                for line, _, _ in settled
            )
        Posting.objects.bulk_create(
            posting
            for journal, (_, income, household) in zip(journals, settled, strict=True)
            for posting in (
                Posting(transaction=journal, account=clearing, amount=income),
                Posting(transaction=journal, account=accounts[household.pk], amount=-income),
            )
        )


def seed_oversight(
    *,
    counties: int,
    townships: int,
    villages: int,
    orders: int,
    months: int,
    progress: ProgressFactory = tqdm_progress,
    today: date | None = None,
) -> int:
    """Seed the divisions and a year of history; idempotent (a seeded set is left as is).
    Returns the number of orders placed by this call."""
    if County.objects.filter(slug=f"{SEED_SLUG}-county-0").exists():
        return 0
    rng = random.Random(RANDOM_SEED)
    made = _divisions(counties=counties, townships=townships, villages=villages)
    shops, households = _shops_and_households(made)
    channel, _ = Channel.objects.get_or_create(
        slug="urban-retail", defaults={"name": "Urban retail"}
    )
    clearing, _ = Account.objects.get_or_create(kind=AccountKind.ALIPAY_CLEARING)
    accounts = {
        a.household_id: a
        for a in Account.objects.filter(kind=AccountKind.HOUSEHOLD, household__village__in=made)
        if a.household_id is not None
    }
    buyers = User.objects.bulk_create(
        User(email=f"buyer{i}@{SEED_SLUG}.example.cn", password="!") for i in range(2000)
    )
    last = (today or timezone.localdate()).replace(day=1)
    first = last
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    bar = progress(months, "Months of orders")
    placed = 0
    for month in months_between(first, last):
        placed += _month_of_orders(
            month=month,
            shops=shops,
            households=households,
            buyers=buyers,
            channel=channel,
            clearing=clearing,
            accounts=accounts,
            orders_each=orders,
            rng=rng,
        )
        bar.update(1)
    bar.close()
    return placed


# --- Measuring ------------------------------------------------------------------------------


def _year(today: date, months: int) -> Period:
    last = today.replace(day=1)
    first = last
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    return Period(kind="range", first_month=first, last_month=last)


def _timed(scope: DashboardScope, period: Period, *, calls: int, warmup: int) -> dict[str, Any]:
    seconds: list[float] = []
    counts: set[int] = set()
    for call in range(warmup + calls):
        with statements_captured() as captured:
            started = time.perf_counter()
            dashboard_build(scope=scope, period=period)
            elapsed = time.perf_counter() - started
        if call >= warmup:
            seconds.append(elapsed)
            counts.add(len(captured))
    return {"latency": summarize(seconds).as_dict(), "statements": sorted(counts)}


def measure(*, calls: int, warmup: int, months: int) -> dict[str, Any]:
    """Run the full precompute, then time the dashboards (connected database)."""
    admin, _ = User.objects.get_or_create(
        email=f"admin@{SEED_SLUG}.example.cn", defaults={"is_superuser": True, "password": "!"}
    )
    started = time.perf_counter()
    refresh = figures_refresh(full=True)
    precompute_s = time.perf_counter() - started
    period = _year(timezone.localdate(), months)
    seeded = Township.objects.filter(slug__startswith=f"{SEED_SLUG}-township-")
    sized = sorted(
        ((t.villages.count(), t.pk) for t in seeded.order_by("pk")), key=lambda pair: pair[0]
    )
    (small_villages, small_id), (large_villages, large_id) = sized[0], sized[-1]
    large = _timed(
        township_scope(user=admin, township_id=large_id), period, calls=calls, warmup=warmup
    )
    quarter = _timed(
        township_scope(user=admin, township_id=large_id),
        default_period(today=timezone.localdate()),
        calls=calls,
        warmup=warmup,
    )
    small = _timed(
        township_scope(user=admin, township_id=small_id), period, calls=max(1, calls // 5), warmup=1
    )
    county_id = County.objects.get(slug=f"{SEED_SLUG}-county-0").pk
    county = _timed(
        county_scope(user=admin, county_id=county_id), period, calls=max(1, calls // 5), warmup=1
    )
    report = generate_monthly_report_afresh(
        period=period_containing(PeriodKind.MONTH, period.last_month)
    )
    report_s = report.seconds
    return {
        "orders": Order.objects.count(),
        "villages": Village.objects.filter(township__in=seeded).count(),
        "precompute_seconds": round(precompute_s, 2),
        "months_rebuilt": len(refresh.months),
        "period": period.label,
        "large": {"villages": large_villages, **large},
        "large_quarter": quarter,
        "small": {"villages": small_villages, **small},
        "county": county,
        "monthly_report_seconds": report_s,
        "monthly_reports_generated": report.reports,
    }


def checks_for(result: dict[str, Any]) -> list[Check]:
    large, small = result["large"], result["small"]
    checks = [
        Check(
            "township dashboard p50",
            f"<= {P50_TARGET_MS:g} ms",
            f"{large['latency']['p50_ms']:.2f} ms",
            large["latency"]["p50_ms"] <= P50_TARGET_MS,
        ),
        Check(
            "statements, small vs large township",
            "equal and constant",
            f"{query_count_label(small['statements'])} vs {query_count_label(large['statements'])}",
            small["statements"] == large["statements"] and len(large["statements"]) == 1,
        ),
    ]
    if result["monthly_report_seconds"] is not None:
        seconds = result["monthly_report_seconds"]
        checks.append(
            Check(
                "monthly report",
                f"<= {REPORT_TARGET_SECONDS:g} s",
                f"{seconds:.1f} s",
                seconds <= REPORT_TARGET_SECONDS,
            )
        )
    return checks


def run_measure(options: dict[str, Any], say: Say) -> None:
    """Runs in the child connected to the bench database (started by `run`)."""
    require_bench_database(options["expect_database"])
    placed = seed_oversight(
        counties=options["counties"],
        townships=options["townships"],
        villages=options["villages"],
        orders=options["orders"],
        months=options["months"],
    )
    say(f"Seeded {placed} orders." if placed else "Oversight data already seeded.")
    # Bulk-loaded tables have no planner statistics until autovacuum gets to them; a
    # production database has them, so the measurement should too.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    result = measure(calls=options["calls"], warmup=options["warmup"], months=options["months"])
    Path(options["result_file"]).write_text(json.dumps(result))


def render(result: dict[str, Any], checks: list[Check]) -> str:
    large, small, county = result["large"], result["small"], result["county"]
    lines = [
        f"{result['orders']} orders across {result['villages']} villages; full precompute "
        f"{result['precompute_seconds']:.1f} s ({result['months_rebuilt']} months).",
        f"Township dashboard, {result['period']}:",
    ]
    for label, figures in (("large", large), ("small", small)):
        lat = figures["latency"]
        lines.append(
            f"  {label} ({figures['villages']} villages): p50 {lat['p50_ms']:.2f} ms  "
            f"p95 {lat['p95_ms']:.2f} ms  statements {query_count_label(figures['statements'])}"
        )
    lat = result["large_quarter"]["latency"]
    lines.append(
        f"  large, this quarter (the page's default): p50 {lat['p50_ms']:.2f} ms  "
        f"p95 {lat['p95_ms']:.2f} ms"
    )
    lat = county["latency"]
    lines.append(
        f"County dashboard: p50 {lat['p50_ms']:.2f} ms  p95 {lat['p95_ms']:.2f} ms  "
        f"statements {query_count_label(county['statements'])}"
    )
    for check in checks:
        lines.append(
            f"  [{'ok' if check.passed else 'MISSED'}] {check.name}: {check.actual} "
            f"(target {check.target})"
        )
    return "\n".join(lines)


def run(options: dict[str, Any], say: Say) -> None:
    from django.conf import settings

    if options["calls"] < 1 or options["warmup"] < 0:
        raise ScenarioFailed("--calls must be at least 1 and --warmup at least 0.")
    started = datetime.now()
    url = prepare(options, say)
    with tempfile.TemporaryDirectory(prefix="ruralmart-bench-") as tmp:
        result_file = Path(tmp) / "oversight.json"
        try:
            databases.run_ruralmart(
                [
                    "bench",
                    "oversight-measure",
                    "--expect-database",
                    options["database"],
                    "--result-file",
                    str(result_file),
                    "--calls",
                    str(options["calls"]),
                    "--warmup",
                    str(options["warmup"]),
                    "--counties",
                    str(options["counties"]),
                    "--townships",
                    str(options["townships"]),
                    "--villages",
                    str(options["villages"]),
                    "--orders",
                    str(options["orders"]),
                    "--months",
                    str(options["months"]),
                ],
                database_url=url,
            )
        except databases.BenchDatabaseError as exc:
            raise ScenarioFailed(str(exc)) from exc
        result = json.loads(result_file.read_text())
    checks = checks_for(result)
    say(render(result, checks))
    bench_dir = settings.DATA_DIR / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    report = bench_dir / f"oversight-{started.strftime('%Y%m%d-%H%M%S')}.json"
    report.write_text(
        json.dumps(
            {
                "scenario": "oversight",
                "started": started.isoformat(timespec="seconds"),
                "result": result,
                "checks": [c.__dict__ for c in checks],
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    say(f"Results written to {report}")
    missed = [c.name for c in checks if not c.passed]
    if missed and options["strict"]:
        raise TargetsMissed(f"Missed: {', '.join(missed)}")
