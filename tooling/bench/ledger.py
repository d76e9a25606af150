"""The `ledger` scenario: settle 100,000 due order lines through the real batch settler,
and time the statements read from what it posted.

It runs in a child process connected to its own bench database (a small catalog: the
ledger does not read products). The child empties the ledger and the orders of the last
run (TRUNCATE: posted rows are otherwise immutable, and this database holds nothing but
bench data), gives every village HOUSEHOLDS_PER_VILLAGE households, then seeds `--lines`
due lines (paid, fulfilled a month ago; half of them consignment lines) with bulk inserts
and a progress bar. Then:

- statements per batch: one batch of each of two sizes, counted (must be equal);
- settlement: every remaining line through `settle_due_lines` (the beat task's body),
  timed, as lines per second (target >= 2,000 on 2 cores); the share of a batch spent at
  COMMIT, where the deferred balance trigger runs, is reported beside it;
- one village's yearly collective income statement, timed;
- household statements (year) for random households: p50 / p95 (target p50 <= 20 ms).
"""

from __future__ import annotations

import json
import random
import tempfile
import time
import uuid
from argparse import ArgumentParser
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from tooling.bench import databases
from tooling.bench.browse import Check
from tooling.bench.dataset import (
    Say,
    ScenarioFailed,
    TargetsMissed,
    add_dataset_arguments,
    dataset_settings,
    prepare,
    require_bench_database,
)
from tooling.bench.seed import ProgressBar, ProgressFactory
from tooling.bench.stats import query_count_label, statements_captured, summarize

LINES_PER_SECOND_TARGET = 2000.0
HOUSEHOLD_P50_TARGET_MS = 20.0
HOUSEHOLDS_PER_VILLAGE = 20
LINES_PER_ORDER = 2
SEED_CHUNK = 5000


def add_arguments(parser: ArgumentParser) -> None:
    add_dataset_arguments(parser)
    parser.set_defaults(database="ruralmart_bench_ledger", products=200, shops=20)
    parser.add_argument("--lines", type=int, default=100_000, help="Due lines to settle.")
    parser.add_argument("--batch-size", type=int, default=2000, help="Lines per batch.")
    parser.add_argument(
        "--count-sizes",
        default="100,1000",
        help="Two batch sizes whose statements are counted (comma-separated).",
    )
    parser.add_argument("--statements", type=int, default=200, help="Timed household reads.")
    parser.add_argument("--quiet", action="store_true", help="No progress bar.")
    parser.add_argument(
        "--strict", action="store_true", help="Exit non-zero when a target is missed."
    )


def add_measure_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--expect-database", required=True)
    parser.add_argument("--lines", type=int, required=True)
    parser.add_argument("--batch-size", type=int, required=True)
    parser.add_argument("--count-sizes", required=True)
    parser.add_argument("--statements", type=int, required=True)
    parser.add_argument("--result-file", required=True)
    parser.add_argument("--quiet", action="store_true")


def _count_sizes(raw: str) -> tuple[int, int]:
    try:
        small, large = (int(part) for part in raw.split(","))
    except ValueError:
        raise ScenarioFailed(f"--count-sizes wants two sizes like 100,1000, not {raw!r}.") from None
    if not 0 < small < large:
        raise ScenarioFailed("--count-sizes: two increasing sizes above 0.")
    return small, large


# --- the child ---------------------------------------------------------------------------------


def _reset() -> None:
    """Empty the ledger and the orders of an earlier run (bench database only)."""
    from django.db import connection

    from collective_econ.models import BalanceSnapshot, JournalTransaction, PeriodClose, Posting
    from marketplace.orders.models import Order

    tables = [m._meta.db_table for m in (BalanceSnapshot, PeriodClose, Posting, JournalTransaction)]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)}, {Order._meta.db_table} CASCADE")


def _households() -> dict[int, list[int]]:
    """Village id -> household ids, topped up to HOUSEHOLDS_PER_VILLAGE per shop village."""
    from marketplace.organisations.models import Household, HouseholdCategory, Shop

    villages = sorted(set(Shop.objects.values_list("village_id", flat=True)))
    existing: dict[int, list[int]] = {v: [] for v in villages}
    for pk, village_id in Household.objects.filter(village_id__in=villages).values_list(
        "pk", "village_id"
    ):
        existing[village_id].append(pk)
    Household.objects.bulk_create(
        Household(
            village_id=village_id,
            reference=f"BL{village_id:05d}{k:03d}",
            category=HouseholdCategory.FORMERLY_POOR,
            member_count=2 + k % 5,
            head_name="王某",
        )
        for village_id, ids in existing.items()
        for k in range(len(ids), HOUSEHOLDS_PER_VILLAGE)
    )
    result: dict[int, list[int]] = {v: [] for v in villages}
    for pk, village_id in Household.objects.filter(village_id__in=villages).values_list(
        "pk", "village_id"
    ):
        result[village_id].append(pk)
    return result


def seed_due_lines(*, lines: int, progress: ProgressFactory, seed: int = 8) -> int:
    """`lines` paid, fulfilled (a month ago) order lines, LINES_PER_ORDER per order, over
    every shop; the first line of each order is a consignment line of one of the village's
    households. Bulk inserts in chunks; returns the number of lines."""
    from django.db import transaction
    from django.utils import timezone

    from marketplace.channels.models import Channel
    from marketplace.orders.models import (
        Order,
        OrderChargeStatus,
        OrderEvent,
        OrderEventType,
        OrderLine,
        OrderStatus,
        ShopOrder,
    )
    from marketplace.organisations.models import Shop
    from marketplace.payments.models import (
        GatewayId,
        PaymentMethod,
        TransactionItem,
        TransactionStatus,
    )

    rng = random.Random(seed)
    households = _households()
    shops = list(Shop.objects.values_list("pk", "village_id"))
    channel, _ = Channel.objects.get_or_create(
        slug="urban-retail", defaults={"name": "Urban retail"}
    )
    fulfilled = timezone.now() - timedelta(days=30)
    orders = (lines + LINES_PER_ORDER - 1) // LINES_PER_ORDER
    bar = progress(orders, "orders")
    made = 0
    try:
        while made < orders:
            count = min(SEED_CHUNK, orders - made)
            with transaction.atomic():
                order_rows, shop_orders, line_rows, payments, events = [], [], [], [], []
                for i in range(count):
                    shop_id, village_id = shops[(made + i) % len(shops)]
                    prices = [Decimal(rng.randint(100, 9999)) / 100 for _ in range(2)]
                    quantities = [rng.randint(1, 3), 1]
                    subtotal = sum(p * q for p, q in zip(prices, quantities, strict=True))
                    shipping = Decimal(rng.choice(["0.00", "6.00", "10.00"]))
                    total = subtotal + shipping
                    amounts = {
                        "subtotal_amount": subtotal,
                        "shipping_amount": shipping,
                        "discount_amount": Decimal("0.00"),
                        "total_amount": total,
                    }
                    order = Order(
                        id=uuid.uuid4(),
                        channel=channel,
                        status=OrderStatus.FULFILLED,
                        charge_status=OrderChargeStatus.FULL,
                        charged_amount=total,
                        **amounts,
                    )
                    order_rows.append(order)
                    shop_order = ShopOrder(
                        order=order, shop_id=shop_id, status=OrderStatus.FULFILLED, **amounts
                    )
                    shop_orders.append(shop_order)
                    cash = (made + i) % 5 == 0
                    payments.append(
                        TransactionItem(
                            gateway_id=GatewayId.CASH if cash else GatewayId.ALIPAY,
                            method=PaymentMethod.CASH if cash else PaymentMethod.QR,
                            psp_reference=f"BL{order.id.hex[:24]}",
                            status=TransactionStatus.CHARGED,
                            order=order,
                            amount=total,
                            charged_amount=total,
                        )
                    )
                    events.append(
                        OrderEvent(
                            order=order, type=OrderEventType.FULFILLMENT_FULFILLED_ITEMS,
                            shop_id=shop_id,
                        )
                    )  # fmt: skip
                    household = rng.choice(households[village_id])
                    for k in range(LINES_PER_ORDER):
                        line_rows.append(
                            OrderLine(
                                shop_order=shop_order,
                                product_name=("高山茶", "核桃", "蜂蜜", "小粒咖啡")[
                                    (made + i + k) % 4
                                ],
                                product_sku=f"BL-{k}",
                                offering_kind="PRODUCE",
                                quantity=quantities[k % 2],
                                unit_price_amount=prices[k % 2],
                                total_price_amount=prices[k % 2] * quantities[k % 2],
                                beneficiary_kind="HOUSEHOLD" if k == 0 else "COLLECTIVE",
                                beneficiary_household_id=household if k == 0 else None,
                            )
                        )
                Order.objects.bulk_create(order_rows, batch_size=1000)
                ShopOrder.objects.bulk_create(shop_orders, batch_size=1000)
                OrderLine.objects.bulk_create(line_rows, batch_size=1000)
                TransactionItem.objects.bulk_create(payments, batch_size=1000)
                created = OrderEvent.objects.bulk_create(events, batch_size=1000)
                OrderEvent.objects.filter(pk__in=[e.pk for e in created]).update(date=fulfilled)
            made += count
            bar.update(count)
    finally:
        bar.close()
    return orders * LINES_PER_ORDER


def _statements_of_one_batch(size: int) -> tuple[int, int]:

    from collective_econ.settlement.batch import order_lines_settle_batch

    with statements_captured() as captured:
        batch = order_lines_settle_batch(limit=size)
    if len(batch.settled) != size:
        raise ScenarioFailed(f"A batch of {size} settled {len(batch.settled)} lines.")
    return size, len(captured)


def _commit_share(size: int) -> dict[str, float]:
    """One batch timed inside its transaction and at COMMIT (where the deferred balance
    trigger checks every transaction it inserted)."""
    from django.db import transaction

    from collective_econ.settlement.batch import order_lines_settle_batch

    started = time.perf_counter()
    with transaction.atomic():
        batch = order_lines_settle_batch(limit=size)
        statements_done = time.perf_counter()
    committed = time.perf_counter()
    return {
        "lines": len(batch.settled),
        "statements_ms": (statements_done - started) * 1000,
        "commit_ms": (committed - statements_done) * 1000,
    }


def run_measure(options: dict[str, Any], say: Say) -> None:
    """Runs in the child connected to the bench database (started by `run`)."""
    from django.db import connection
    from django.db.models import Count

    from collective_econ.ledger.selectors import unbalanced_transaction_ids
    from collective_econ.models import JournalTransaction
    from collective_econ.statements.selectors import (
        collective_income_statement,
        household_statement,
        statement_period,
    )
    from collective_econ.tasks import settle_due_lines
    from marketplace.divisions.models import Village
    from marketplace.organisations.models import Household

    require_bench_database(options["expect_database"])
    small, large = _count_sizes(options["count_sizes"])
    _reset()
    progress: ProgressFactory = _silent if options["quiet"] else _orders_bar
    seeded = seed_due_lines(lines=options["lines"] + small + large + 1, progress=progress)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    _statements_of_one_batch(1)  # the accounts are created once
    counted = [_statements_of_one_batch(small), _statements_of_one_batch(large)]
    commit = _commit_share(min(options["batch_size"], options["lines"]))
    # The ledger was empty at the ANALYZE above, and this machine's PostgreSQL runs with
    # autovacuum off: planned for empty tables, COMMIT's foreign-key checks scan the
    # growing journal (13 s per batch by the end, on a fresh bench database). A deployment's
    # autovacuum analyzes a ledger that has grown; here it is done once, on the ledger the
    # warm-up batches above wrote, before the timed run.
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE collective_econ_journaltransaction, collective_econ_posting,"
            " collective_econ_account"
        )
    remaining = seeded - 1 - small - large - commit["lines"]
    started = time.perf_counter()
    counts = settle_due_lines(
        batch_size=options["batch_size"], max_batches=remaining // options["batch_size"] + 2
    )
    elapsed = time.perf_counter() - started
    settled_total = JournalTransaction.objects.filter(kind="SETTLEMENT").count()
    if settled_total != seeded or counts["settled"] != remaining:
        raise ScenarioFailed(f"Settled {settled_total} of {seeded} lines ({counts}).")
    if unbalanced_transaction_ids():
        raise ScenarioFailed("Unbalanced transactions after settlement.")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what autovacuum would do after a run this size

    year = statement_period(year=datetime.now().year)
    busiest = Village.objects.annotate(n=Count("shops__shop_orders")).order_by("-n", "pk").first()
    assert busiest is not None
    village_seconds = []
    for _ in range(5):
        t0 = time.perf_counter()
        village_statement = collective_income_statement(village=busiest, period=year)
        village_seconds.append(time.perf_counter() - t0)
    rng = random.Random(3)
    household_ids = list(
        Household.objects.filter(village__shops__isnull=False).values_list("pk", flat=True)
    )
    households = {h.pk: h for h in Household.objects.filter(pk__in=household_ids)}
    seconds = []
    for _ in range(options["statements"]):
        household = households[rng.choice(household_ids)]
        t0 = time.perf_counter()
        household_statement(household=household, period=year)
        seconds.append(time.perf_counter() - t0)
    Path(options["result_file"]).write_text(
        json.dumps(
            {
                "lines": seeded,
                "settled_timed": counts["settled"],
                "seconds": elapsed,
                "lines_per_second": counts["settled"] / elapsed if elapsed else 0.0,
                "batch_size": options["batch_size"],
                "statements_per_batch": [{"size": s, "statements": n} for s, n in counted],
                "commit": commit,
                "village": {
                    "name": busiest.name,
                    "lines": village_statement.order_lines_settled,
                    "p50_ms": summarize(village_seconds).p50_ms,
                },
                "household": summarize(seconds).as_dict(),
                "households": len(household_ids),
            }
        )
    )


class _Silent:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _silent(total: int, desc: str) -> ProgressBar:
    return _Silent()


def _orders_bar(total: int, desc: str) -> ProgressBar:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=" orders", dynamic_ncols=True)  # type: ignore[no-any-return]


# --- the parent --------------------------------------------------------------------------------


def run(options: dict[str, Any], say: Say) -> None:
    from django.conf import settings

    if options["lines"] < 1 or options["batch_size"] < 1 or options["statements"] < 1:
        raise ScenarioFailed("--lines, --batch-size and --statements must be at least 1.")
    _count_sizes(options["count_sizes"])
    started = datetime.now()
    url = prepare(options, say)
    with tempfile.TemporaryDirectory(prefix="ruralmart-bench-") as tmp:
        result_file = Path(tmp) / "ledger.json"
        try:
            databases.run_ruralmart(
                [
                    "bench", "ledger-measure",
                    "--expect-database", options["database"],
                    "--lines", str(options["lines"]),
                    "--batch-size", str(options["batch_size"]),
                    "--count-sizes", options["count_sizes"],
                    "--statements", str(options["statements"]),
                    "--result-file", str(result_file),
                    *(["--quiet"] if options.get("quiet") else []),
                ],
                database_url=url,
            )  # fmt: skip
        except databases.BenchDatabaseError as exc:
            raise ScenarioFailed(str(exc)) from exc
        result = json.loads(result_file.read_text())
    report(result, options=options, started=started, say=say, directory=settings.DATA_DIR)


def report(
    result: dict[str, Any], *, options: dict[str, Any], started: datetime, say: Say, directory: Any
) -> None:
    per_batch = result["statements_per_batch"]
    statement_counts = sorted({b["statements"] for b in per_batch})
    household = result["household"]
    commit = result["commit"]
    checks = [
        Check("lines per second", f">= {LINES_PER_SECOND_TARGET:g}",
              f"{result['lines_per_second']:.0f}",
              result["lines_per_second"] >= LINES_PER_SECOND_TARGET),
        Check("statements per batch", "equal for both sizes",
              query_count_label(statement_counts), len(statement_counts) == 1),
        Check("household statement p50", f"<= {HOUSEHOLD_P50_TARGET_MS:g} ms",
              f"{household['p50_ms']:.2f} ms", household["p50_ms"] <= HOUSEHOLD_P50_TARGET_MS),
    ]  # fmt: skip
    say(
        f"Settled {result['settled_timed']} lines in {result['seconds']:.1f} s "
        f"(batches of {result['batch_size']}): {result['lines_per_second']:.0f} lines/s"
    )
    say(
        "Statements per batch: "
        + ", ".join(f"{b['size']} lines -> {b['statements']}" for b in per_batch)
    )
    say(
        f"A batch of {commit['lines']}: {commit['statements_ms']:.0f} ms of statements, "
        f"{commit['commit_ms']:.0f} ms at COMMIT (deferred balance checks)"
    )
    village = result["village"]
    say(
        f"Village {village['name']} yearly statement ({village['lines']} lines): "
        f"p50 {village['p50_ms']:.1f} ms"
    )
    say(
        f"Household statement (year), {household['count']} reads over {result['households']} "
        f"households: p50 {household['p50_ms']:.2f} ms  p95 {household['p95_ms']:.2f} ms"
    )
    for check in checks:
        say(f"  [{'ok' if check.passed else 'MISSED'}] {check.name}: {check.actual} "
            f"(target {check.target})")  # fmt: skip
    bench_dir = Path(directory) / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    path = bench_dir / f"ledger-{started.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(
        json.dumps(
            {
                "scenario": "ledger",
                "started": started.isoformat(timespec="seconds"),
                "settings": {
                    **dataset_settings(options),
                    "lines": options["lines"],
                    "batch_size": options["batch_size"],
                },
                "result": result,
                "checks": [c.__dict__ for c in checks],
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    say(f"Results written to {path}")
    missed = [c.name for c in checks if not c.passed]
    if missed and options["strict"]:
        raise TargetsMissed(f"Missed: {', '.join(missed)}")
