"""The `counter` scenario: a 5-line Red Supermarket sale paid with an Alipay payment code
against the local sandbox, and the counter page's first load.

The sale is timed end to end (`counter_sale_create`: stock locked and taken, Alipay's
`trade.pay` over HTTP, ledger posting, receipt), and the sandbox round trip is timed on its
own (the same `trade.pay` call, signed and verified, with no database work) so the sale's
own cost is reported with the sandbox's share taken out: target p50 <= 40 ms. Statements
per sale are counted and must not move between sales. The page's first load is the bytes
of `/counter/` and every file it loads before and after login (no compression), target
<= 300 KB.

It runs in a child process connected to the bench database (as `logistics` does): the
child gives the first approved shop a Red Supermarket with 5 barcoded goods stocked for the
whole run (idempotent), starts the sandbox on an ephemeral port, measures and writes JSON
for the parent to print.

Other counter-side figures join through `EXTRA_FIGURES`: a function taking the prepared
`CounterBench` and the options, returning `(name, summary dict, Check)`. The agency bill
payment end to end (`tooling.bench.agency.agency_bill_figure`) is one.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from argparse import ArgumentParser
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
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
from tooling.bench.stats import query_count_label, statements_captured, summarize

LINES = 5
SALE_P50_TARGET_MS = 40.0
PAGE_TARGET_KB = 300.0
BENCH_OPERATOR = "bench.operator@ruralmart.example"
BENCH_ADMIN = "bench.admin@ruralmart.example"


@dataclass
class CounterBench:
    supermarket: Any
    operator: Any
    variant_ids: list[int]
    gateway: Any
    sandbox: Any


# (name, CounterBench, options) -> (figure name, summary, check); see the module docstring.
EXTRA_FIGURES: list[
    Callable[[CounterBench, dict[str, Any]], tuple[str, dict[str, Any], Check]]
] = []


def _register_extra_figures() -> None:
    # Imported here, not at the top: the agency hook reaches into Django models, which only
    # exist once the child process has set Django up.
    from tooling.bench.agency import agency_bill_figure

    if agency_bill_figure not in EXTRA_FIGURES:
        EXTRA_FIGURES.append(agency_bill_figure)


def add_arguments(parser: ArgumentParser) -> None:
    add_dataset_arguments(parser)
    parser.set_defaults(database="ruralmart_bench_counter", products=200, shops=5)
    parser.add_argument("--sales", type=int, default=200, help="Timed sales.")
    parser.add_argument("--warmup", type=int, default=20, help="Untimed sales first.")
    parser.add_argument(
        "--strict", action="store_true", help="Exit non-zero when a target is missed."
    )


def add_measure_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--expect-database", required=True)
    parser.add_argument("--sales", type=int, required=True)
    parser.add_argument("--warmup", type=int, required=True)
    parser.add_argument("--result-file", required=True)


def ensure_counter(*, units: int) -> tuple[Any, Any, list[int]]:
    """The first approved shop's Red Supermarket, an operator, and LINES barcoded goods
    priced in the counter channel with `units` in stock each (topped up, never lowered)."""
    from django.db import transaction

    from marketplace.accounts.models import Role, RoleAssignment, User
    from marketplace.catalog import services as catalog
    from marketplace.catalog.models import OfferingKind, ProductType, ProductVariant
    from marketplace.channels.models import Channel
    from marketplace.inventory.models import Stock, Warehouse
    from marketplace.organisations.models import Shop, ShopStatus
    from marketplace.red_supermarket.barcodes import ean13_check_digit
    from marketplace.red_supermarket.models import RedSupermarket
    from marketplace.red_supermarket.services import red_supermarket_create

    with transaction.atomic():
        shop = Shop.objects.filter(status=ShopStatus.APPROVED).order_by("pk").first()
        if shop is None:
            raise ScenarioFailed("No approved shop to open a Red Supermarket at.")
        channel, _ = Channel.objects.get_or_create(
            slug="village-counter", defaults={"name": "村级柜台"}
        )
        admin, _ = User.objects.get_or_create(email=BENCH_ADMIN, defaults={"is_superuser": True})
        RoleAssignment.objects.get_or_create(user=admin, role=Role.PLATFORM_ADMIN)
        operator, _ = User.objects.get_or_create(email=BENCH_OPERATOR)
        RoleAssignment.objects.get_or_create(
            user=operator, role=Role.SUPERMARKET_OPERATOR, shop=shop
        )
        supermarket = RedSupermarket.objects.filter(shop=shop).first()
        if supermarket is None:
            warehouse, _ = Warehouse.objects.get_or_create(
                slug=f"bench-rs-{shop.pk}",
                defaults={"shop": shop, "name": "红色超市库房", "is_village_station": False},
            )
            supermarket = red_supermarket_create(
                shop=shop, warehouse=warehouse, name="压测红色超市", address="村委会"
            )
        product_type, _ = ProductType.objects.get_or_create(
            slug="bench-goods", defaults={"name": "日用百货"}
        )
        variant_ids = []
        for i in range(LINES):
            sku = f"BENCH-RS-{shop.pk}-{i}"
            variant = ProductVariant.objects.filter(sku=sku).first()
            if variant is None:
                product = catalog.product_create(
                    actor=admin, shop=shop, product_type=product_type, name=f"压测日用品{i}",
                    slug=f"bench-rs-{shop.pk}-{i}", offering_kind=OfferingKind.GOODS,
                    details={"weight_grams": 500},
                )  # fmt: skip
                variant = catalog.variant_create(
                    actor=admin, product=product, sku=sku, name="标准装",
                    prices={channel: Decimal("5.50") + i},
                )  # fmt: skip
                body = f"69999{shop.pk % 1000:03d}{i:04d}"
                variant.barcode = body + str(ean13_check_digit(body))
                variant.save(update_fields=["barcode"])
            stock, _ = Stock.objects.get_or_create(
                warehouse=supermarket.warehouse, product_variant=variant, defaults={"quantity": 0}
            )
            if stock.quantity - stock.quantity_allocated < units:
                Stock.objects.filter(pk=stock.pk).update(quantity=stock.quantity_allocated + units)
            variant_ids.append(variant.pk)
    return supermarket, operator, variant_ids


def page_bytes() -> dict[str, int]:
    """Bytes of /counter/ and what it loads: before login (HTML, CSS, main and api
    modules) and after (every panel module)."""
    from django.test import Client

    from marketplace.red_supermarket.counter.views import PANELS

    client = Client()
    html = client.get("/counter/")
    first = {"/counter/": len(html.content)}
    for url in re.findall(r'(?:href|src)="(/counter/assets/[^"]+)"', html.content.decode()):
        first[url] = len(client.get(url).getvalue())
    first["/counter/assets/api.js"] = len(client.get("/counter/assets/api.js").getvalue())
    panels = {
        p["module"]: len(client.get(f"/counter/assets/{p['module']}").getvalue()) for p in PANELS
    }
    return {
        "first_load": sum(first.values()),
        "after_login": sum(first.values()) + sum(panels.values()),
    }


def measure(*, sales: int, warmup: int, say: Say, data_dir: Path) -> dict[str, Any]:
    """Prepare, time `sales` sales after `warmup` untimed ones, and the sandbox alone."""
    from django.conf import settings
    from django.test.utils import override_settings

    from marketplace.payments.alipay import keys
    from marketplace.payments.alipay.gateway import gateway_from_settings
    from marketplace.payments.alipay.sandbox import AlipaySandbox
    from marketplace.red_supermarket.counter import alipay_face_to_face as f2f
    from marketplace.red_supermarket.counter.services import (
        PaymentInput,
        SaleLineInput,
        counter_sale_create,
    )
    from marketplace.red_supermarket.models import CounterSaleStatus

    supermarket, operator, variant_ids = ensure_counter(units=(sales + warmup + 10) * 2)
    keys.ensure_key_pair(data_dir / "alipay", keys.APP_KEY_NAME)
    app_id = str(settings.ALIPAY_APP_ID)
    run = f"{time.time_ns() % 10**12:012d}"
    with (
        AlipaySandbox(
            data_dir=data_dir / "alipay", app_id=app_id, port=0, notify_retry_delays=()
        ) as sandbox,
        override_settings(
            DATA_DIR=data_dir, ALIPAY_GATEWAY="", ALIPAY_SANDBOX_URL=sandbox.gateway_url
        ),
    ):
        gateway = gateway_from_settings()
        bench = CounterBench(supermarket, operator, variant_ids, gateway, sandbox)
        lines = [
            SaleLineInput(variant_id=pk, quantity=1 + i % 2) for i, pk in enumerate(variant_ids)
        ]
        sale_seconds: list[float] = []
        statements: set[int] = set()
        for n in range(warmup + sales):
            with statements_captured() as captured:
                started = time.perf_counter()
                sale = counter_sale_create(
                    supermarket=supermarket,
                    operator=operator,
                    request_id=f"bench-{run}-{n:06d}",
                    lines=lines,
                    payment=PaymentInput(method="ALIPAY_CODE", auth_code=f"28{run}{n:06d}"),
                    gateway=gateway,
                )
                elapsed = time.perf_counter() - started
            if sale.status != CounterSaleStatus.PAID:
                raise ScenarioFailed(f"Sale {n} ended {sale.status}: {sale.failure_reason}")
            if n >= warmup:
                sale_seconds.append(elapsed)
                statements.add(len(captured))
        sandbox_seconds = []
        for n in range(warmup + sales):
            started = time.perf_counter()
            result = f2f.trade_pay(
                gateway,
                out_trade_no=f"BENCHRT{run}{n:06d}",
                auth_code=f"29{run}{n:06d}",
                total_amount=Decimal("36.50"),
                subject="sandbox round trip",
            )
            elapsed = time.perf_counter() - started
            if result.state is not f2f.CodePayState.PAID:
                raise ScenarioFailed(f"Sandbox round trip {n}: {result}")
            if n >= warmup:
                sandbox_seconds.append(elapsed)
        _register_extra_figures()
        extras = [figure(bench, {"sales": sales, "warmup": warmup}) for figure in EXTRA_FIGURES]
    timed = summarize(sale_seconds).as_dict()
    round_trip = summarize(sandbox_seconds).as_dict()
    return {
        "lines": LINES,
        "sale": timed,
        "sandbox_round_trip": round_trip,
        "sale_p50_excluding_sandbox_ms": round(timed["p50_ms"] - round_trip["p50_ms"], 3),
        "statements": sorted(statements),
        "page": page_bytes(),
        "extras": [
            {"name": name, "summary": summary, "check": check.__dict__}
            for name, summary, check in extras
        ],
    }


def run_measure(options: dict[str, Any], say: Say) -> None:
    """Runs in the child connected to the bench database (started by `run`)."""
    require_bench_database(options["expect_database"])
    with tempfile.TemporaryDirectory(prefix="ruralmart-bench-counter-") as tmp:
        result = measure(
            sales=options["sales"], warmup=options["warmup"], say=say, data_dir=Path(tmp)
        )
    Path(options["result_file"]).write_text(json.dumps(result))


def checks_for(result: dict[str, Any]) -> list[Check]:
    own = result["sale_p50_excluding_sandbox_ms"]
    page_kb = result["page"]["after_login"] / 1024
    checks = [
        Check("sale p50 without the sandbox", f"<= {SALE_P50_TARGET_MS:g} ms", f"{own:.2f} ms",
              own <= SALE_P50_TARGET_MS),
        Check("statements per sale", "constant", query_count_label(result["statements"]),
              len(result["statements"]) == 1),
        Check("page first load", f"<= {PAGE_TARGET_KB:g} KB", f"{page_kb:.1f} KB",
              page_kb <= PAGE_TARGET_KB),
    ]  # fmt: skip
    checks += [Check(**extra["check"]) for extra in result["extras"]]
    return checks


def render(result: dict[str, Any], checks: list[Check]) -> list[str]:
    sale, trip, page = result["sale"], result["sandbox_round_trip"], result["page"]
    lines = [
        f"Counter sale, {result['lines']} lines, Alipay payment code, {sale['count']} sales:",
        f"  p50 {sale['p50_ms']:.2f} ms  p95 {sale['p95_ms']:.2f} ms  "
        f"statements/sale {query_count_label(result['statements'])}",
        f"  sandbox round trip alone: p50 {trip['p50_ms']:.2f} ms  p95 {trip['p95_ms']:.2f} ms",
        f"  sale p50 without the sandbox: {result['sale_p50_excluding_sandbox_ms']:.2f} ms",
        f"Counter page: {page['first_load'] / 1024:.1f} KB before login, "
        f"{page['after_login'] / 1024:.1f} KB with every panel",
    ]
    for extra in result["extras"]:
        figures = extra["summary"]
        line = f"{extra['name']}: p50 {figures.get('p50_ms', 0):.2f} ms"
        if "p95_ms" in figures:
            line += f"  p95 {figures['p95_ms']:.2f} ms"
        if "own_p50_ms" in figures:
            line += f"  (without the provider's answer: p50 {figures['own_p50_ms']:.2f} ms)"
        if "statements" in figures:
            line += f"  statements {query_count_label(figures['statements'])}"
        lines.append(line)
    for check in checks:
        verdict = "ok" if check.passed else "MISSED"
        lines.append(f"  [{verdict}] {check.name}: {check.actual} (target {check.target})")
    return lines


def run(options: dict[str, Any], say: Say) -> None:
    from django.conf import settings

    if options["sales"] < 1 or options["warmup"] < 0:
        raise ScenarioFailed("--sales must be at least 1 and --warmup at least 0.")
    started = datetime.now()
    url = prepare(options, say)
    with tempfile.TemporaryDirectory(prefix="ruralmart-bench-") as tmp:
        result_file = Path(tmp) / "counter.json"
        try:
            databases.run_ruralmart(
                [
                    "bench", "counter-measure",
                    "--expect-database", options["database"],
                    "--sales", str(options["sales"]),
                    "--warmup", str(options["warmup"]),
                    "--result-file", str(result_file),
                ],
                database_url=url,
            )  # fmt: skip
        except databases.BenchDatabaseError as exc:
            raise ScenarioFailed(str(exc)) from exc
        result = json.loads(result_file.read_text())
    checks = checks_for(result)
    for line in render(result, checks):
        say(line)
    bench_dir = settings.DATA_DIR / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    report = bench_dir / f"counter-{started.strftime('%Y%m%d-%H%M%S')}.json"
    report.write_text(
        json.dumps(
            {
                "scenario": "counter",
                "started": started.isoformat(timespec="seconds"),
                "settings": {**dataset_settings(options), "sales": options["sales"]},
                "result": result,
                "checks": [c.__dict__ for c in checks],
            },
            indent=1,
        )
    )
    say(f"\nResults written to {report}")
    missed = [c.name for c in checks if not c.passed]
    if missed and options["strict"]:
        raise TargetsMissed(f"Missed: {', '.join(missed)}")
