"""The `logistics` scenario: delivery pricing for a 10-shop, 30-line checkout, and the
Kuaidi100 tracking callback (`tooling.bench.logistics_callback`).

What is timed is what a checkout pays for pricing on every totals read:
`logistics.selectors.delivery_quotes` for every active method of 10 shops, 3 goods lines
each (30 lines), to a Beijing address that must first be placed as a division code. Lines
arrive loaded, as checkout hands them over. Each call's SQL statements are counted; the
count must not move between calls, and the targets are p50 <= 15 ms on this machine.

It runs in a child process connected to the bench database (its own, by default, so it
never reseeds the one the other scenarios use): the child gives the first 10 shops an
express method with zone rates where they have none (idempotent), then measures and writes
its figures as JSON for the parent to print. The callback benchmark runs in the same child,
after pricing, because it books (and afterwards deletes) waybills in the database it is
connected to: the bench database, never the one the demo or a developer uses.
"""

from __future__ import annotations

import json
import tempfile
import time
from argparse import ArgumentParser
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from tooling.bench import databases, logistics_callback
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
from tooling.bench.stats import query_count_label, statements_captured, summarize

SHOPS = 10
LINES_PER_SHOP = 3
P50_TARGET_MS = 15.0
ADDRESS = {
    "street_address_1": "望京街道阜通东大街 6 号",
    "city": "北京市",
    "city_area": "朝阳区",
    "country_area": "北京市",
    "postal_code": "100102",
    "country": "CN",
}


def add_arguments(parser: ArgumentParser) -> None:
    add_dataset_arguments(parser)
    # A small data set of its own: pricing does not read the catalog beyond 30 variants.
    parser.set_defaults(database="ruralmart_bench_logistics", products=400, shops=20)
    parser.add_argument("--calls", type=int, default=300, help="Timed pricing calls.")
    parser.add_argument("--warmup", type=int, default=30, help="Untimed calls first.")
    parser.add_argument(
        "--strict", action="store_true", help="Exit non-zero when a target is missed."
    )
    logistics_callback.add_arguments(parser)


def add_measure_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--expect-database", required=True)
    parser.add_argument("--calls", type=int, required=True)
    parser.add_argument("--warmup", type=int, required=True)
    parser.add_argument("--result-file", required=True)
    logistics_callback.add_arguments(parser)


def _ensure_rates() -> dict[int, list[Any]]:
    """Each of the first SHOPS approved shops with goods: an express method priced by zone
    (北京 and the rest of the country, a not-served 西藏), and LINES_PER_SHOP variants."""
    from django.db import transaction

    from logistics import services
    from logistics.models import DeliveryMethod, DeliveryMethodKind, DeliveryRate, ShippingZone
    from marketplace.catalog.models import OfferingKind, ProductVariant
    from marketplace.organisations.models import Shop, ShopStatus

    chosen: dict[int, list[Any]] = {}
    with transaction.atomic():
        for shop in Shop.objects.filter(status=ShopStatus.APPROVED).order_by("pk"):
            variants = list(
                ProductVariant.objects.filter(
                    product__shop=shop,
                    product__offering_kind__in=[OfferingKind.PRODUCE, OfferingKind.GOODS],
                )
                .select_related("product")
                .order_by("pk")[:LINES_PER_SHOP]
            )
            if len(variants) < LINES_PER_SHOP:
                continue
            method, _ = DeliveryMethod.objects.get_or_create(
                shop=shop,
                kind=DeliveryMethodKind.EXPRESS_FLAT,
                name="快递（按重计费）",
                defaults={"price_amount": Decimal("12.00")},
            )
            zones = (("北京", ("11",), True), ("全国", ("13", "37", "44", "53"), True),
                     ("西藏", ("54",), False))  # fmt: skip
            for name, prefixes, serves in zones:
                zone, created = ShippingZone.objects.get_or_create(shop=shop, name=name)
                if created:
                    services.shipping_zone_set_prefixes(zone=zone, prefixes=prefixes)
                DeliveryRate.objects.get_or_create(
                    method=method,
                    zone=zone,
                    defaults={
                        "serves": serves,
                        "first_price_amount": Decimal("10.00"),
                        "step_grams": 500,
                        "step_price_amount": Decimal("3.00"),
                    },
                )
            chosen[shop.pk] = variants
            if len(chosen) == SHOPS:
                break
    if len(chosen) < SHOPS:
        raise ScenarioFailed(f"Only {len(chosen)} shops with {LINES_PER_SHOP} goods variants.")
    return chosen


def run_measure(options: dict[str, Any], say: Say) -> None:
    """Runs in the child connected to the bench database (started by `run`)."""

    from logistics.selectors import delivery_quotes, parcel_items

    require_bench_database(options["expect_database"])
    chosen = _ensure_rates()
    shop_items = parcel_items((v, 1 + i % 3) for vs in chosen.values() for i, v in enumerate(vs))
    subtotals = {shop_id: Decimal("88.00") for shop_id in chosen}
    seconds: list[float] = []
    counts: set[int] = set()
    for call in range(options["warmup"] + options["calls"]):
        with statements_captured() as captured:
            started = time.perf_counter()
            quotes = delivery_quotes(
                shop_items=shop_items, shop_subtotals=subtotals, address=ADDRESS
            )
            elapsed = time.perf_counter() - started
        if quotes.destination_code != "11" or not any(
            q.is_available for q in quotes.by_method.values()
        ):
            raise ScenarioFailed(f"Pricing went wrong: {quotes}")
        if call >= options["warmup"]:
            seconds.append(elapsed)
            counts.add(len(captured))
    summary = summarize(seconds)
    callback = logistics_callback.run(options, say)
    Path(options["result_file"]).write_text(
        json.dumps(
            {
                "latency": summary.as_dict(),
                "statements": sorted(counts),
                "shops": len(chosen),
                "lines": sum(len(v) for v in chosen.values()),
                "methods": len(quotes.by_method),
                "callback": callback,
            }
        )
    )


def run(options: dict[str, Any], say: Say) -> None:
    from django.conf import settings

    if options["calls"] < 1 or options["warmup"] < 0:
        raise ScenarioFailed("--calls must be at least 1 and --warmup at least 0.")
    started = datetime.now()
    url = prepare(options, say)
    with tempfile.TemporaryDirectory(prefix="ruralmart-bench-") as tmp:
        result_file = Path(tmp) / "logistics.json"
        try:
            databases.run_ruralmart(
                [
                    "bench", "logistics-measure",
                    "--expect-database", options["database"],
                    "--calls", str(options["calls"]),
                    "--warmup", str(options["warmup"]),
                    "--result-file", str(result_file),
                    "--callback-pushes", str(options["callback_pushes"]),
                    "--callback-waybills", str(options["callback_waybills"]),
                ],
                database_url=url,
            )  # fmt: skip
        except databases.BenchDatabaseError as exc:
            raise ScenarioFailed(str(exc)) from exc
        result = json.loads(result_file.read_text())
    latency, statements = result["latency"], result["statements"]
    callback = result["callback"]
    target = logistics_callback.TARGET_P50_MS
    # A push that moves the status costs one UPDATE more than one that only adds events;
    # "constant" means those two figures, however long the track grows.
    callback_counts = callback["statements_per_push"]
    checks = [
        Check("pricing p50", f"<= {P50_TARGET_MS:g} ms", f"{latency['p50_ms']:.2f} ms",
              latency["p50_ms"] <= P50_TARGET_MS),
        Check("statements per call", "constant", query_count_label(statements),
              len(statements) == 1),
        Check("callback p50", f"<= {target:g} ms", f"{callback['p50_ms']:.2f} ms",
              callback["p50_ms"] <= target),
        Check("statements per push", "bounded (one more when the status moves)",
              query_count_label(callback_counts),
              len(callback_counts) <= 2 and max(callback_counts) - min(callback_counts) <= 1),
    ]  # fmt: skip
    say(
        f"Delivery pricing, {result['shops']} shops x {result['lines']} lines "
        f"({result['methods']} methods), {latency['count']} calls:"
    )
    say(
        f"  p50 {latency['p50_ms']:.2f} ms  p95 {latency['p95_ms']:.2f} ms  "
        f"mean {latency['mean_ms']:.2f} ms  statements/call {query_count_label(statements)}"
    )
    say(
        f"Tracking callback, {callback['count']} pushes: p50 {callback['p50_ms']:.2f} ms  "
        f"p95 {callback['p95_ms']:.2f} ms  statements/push {query_count_label(callback_counts)}"
    )
    for check in checks:
        say(f"  [{'ok' if check.passed else 'MISSED'}] {check.name}: {check.actual} "
            f"(target {check.target})")  # fmt: skip
    bench_dir = settings.DATA_DIR / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    report = bench_dir / f"logistics-{started.strftime('%Y%m%d-%H%M%S')}.json"
    report.write_text(
        json.dumps(
            {
                "scenario": "logistics",
                "started": started.isoformat(timespec="seconds"),
                "settings": {**dataset_settings(options), "calls": options["calls"]},
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
