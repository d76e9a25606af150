"""The scenarios `ruralmart bench <scenario>` knows, and how each is run.

A scenario is a name, its command-line options and a function that runs it. A new one
(say `checkout`) adds an entry to SCENARIOS; the management command picks it up.
"""

from __future__ import annotations

from argparse import ArgumentParser
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection

from tooling.bench import browse, checkout, counter, databases, ledger, logistics, oversight
from tooling.bench.dataset import (
    Say,
    ScenarioFailed,
    TargetsMissed,
    add_dataset_arguments,
    dataset_settings,
    prepare,
    require_bench_database,
)
from tooling.bench.server import ServerConfig, ServerError, gunicorn


@dataclass(frozen=True)
class Scenario:
    name: str
    help: str
    add_arguments: Callable[[ArgumentParser], None]
    run: Callable[[dict[str, Any], Say], None]
    hidden: bool = False


# --- seed -----------------------------------------------------------------------------------


def _run_seed(options: dict[str, Any], say: Say) -> None:
    prepare(options, say)
    say("Bench database ready.")


def _add_seed_current_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--expect-database", required=True)
    parser.add_argument("--products", type=int, required=True)
    parser.add_argument("--shops", type=int, required=True)
    parser.add_argument("--variants", type=int, required=True)


def _run_seed_current(options: dict[str, Any], say: Say) -> None:
    """Seed the database this process is connected to (run by `ensure_seeded` in a child)."""
    from tooling.bench.seed import SeedRefused, seed, tqdm_progress

    name = require_bench_database(options["expect_database"])
    try:
        result = seed(
            products=options["products"],
            shops=options["shops"],
            variants_per_product=options["variants"],
            progress=tqdm_progress,
        )
    except SeedRefused as exc:
        raise ScenarioFailed(str(exc)) from exc
    marker = databases.seed_marker(
        products=options["products"], shops=options["shops"], variants=options["variants"]
    )
    with connection.cursor() as cursor:
        cursor.execute(databases.marker_statement(name=name, marker=marker))
    say(
        f"Seeded {result.products} products, {result.variants} variants, {result.shops} shops, "
        f"{result.search_documents} search documents."
    )


# --- browse ---------------------------------------------------------------------------------


def _add_browse_arguments(parser: ArgumentParser) -> None:
    add_dataset_arguments(parser)
    parser.add_argument("--requests", type=int, default=200, help="Timed requests per workload.")
    parser.add_argument("--warmup", type=int, default=20, help="Untimed requests first.")
    parser.add_argument("--concurrency", type=int, default=4, help="Client threads, req/s run.")
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=4, help="Threads per gthread worker.")
    parser.add_argument(
        "--strict", action="store_true", help="Exit non-zero when a target is missed."
    )


def _run_browse(options: dict[str, Any], say: Say) -> None:
    if options["requests"] < 1 or options["concurrency"] < 1:
        raise ScenarioFailed("--requests and --concurrency must be at least 1.")
    started = datetime.now()
    url = prepare(options, say)
    config = ServerConfig(
        worker_class=options["worker_class"],
        workers=options["workers"],
        threads=options["threads"] if options["worker_class"] == "gthread" else 1,
    )
    bench_dir = settings.DATA_DIR / "bench"
    log_path = bench_dir / f"gunicorn-{started.strftime('%Y%m%d-%H%M%S')}.log"
    say(f"Starting {config.describe()} on the bench database.")
    try:
        with gunicorn(database_url=url, config=config, log_path=log_path) as server:
            say(f"Serving on http://{server.host}:{server.port}/graphql/ (log: {log_path}).")
            results = browse.measure(
                server,
                requests=options["requests"],
                warmup=options["warmup"],
                concurrency=options["concurrency"],
                say=say,
            )
    except ServerError as exc:
        raise ScenarioFailed(str(exc)) from exc
    except browse.BenchFailure as exc:
        raise ScenarioFailed(f"{exc}\n(gunicorn log: {log_path})") from exc
    checks = browse.evaluate(results)
    say("")
    say(browse.render(results, checks))
    report = browse.write_report(
        directory=bench_dir,
        results=results,
        checks=checks,
        settings={
            **dataset_settings(options),
            "requests": options["requests"],
            "warmup": options["warmup"],
            "concurrency": options["concurrency"],
            "server": config.describe(),
        },
        started=started,
    )
    say(f"\nResults written to {report}")
    missed = [c.name for c in checks if not c.passed]
    if missed and options["strict"]:
        raise TargetsMissed(f"Missed: {', '.join(missed)}")


SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in (
        Scenario(
            "browse",
            "Product listing and Chinese search over HTTP against gunicorn.",
            _add_browse_arguments,
            _run_browse,
        ),
        Scenario(
            "checkout",
            "Whole purchases (2 shops, Alipay sandbox) over HTTP against gunicorn and Celery.",
            checkout.add_arguments,
            checkout.run,
        ),
        Scenario(
            "checkout-prepare",
            "Internal: delivery methods and stock for the checkout scenario (in a child).",
            checkout.add_prepare_arguments,
            checkout.run_prepare,
            hidden=True,
        ),
        Scenario(
            "counter",
            "A 5-line Red Supermarket sale paid by Alipay payment code (sandbox), and the "
            "counter page's first load: p50/p95, statements per sale, KB.",
            counter.add_arguments,
            counter.run,
        ),
        Scenario(
            "counter-measure",
            "Internal: the counter scenario's supermarket and timed sales (in a child).",
            counter.add_measure_arguments,
            counter.run_measure,
            hidden=True,
        ),
        Scenario(
            "logistics",
            "Delivery pricing for a 10-shop, 30-line checkout, and the tracking callback: "
            "p50/p95, statements per call.",
            logistics.add_arguments,
            logistics.run,
        ),
        Scenario(
            "logistics-measure",
            "Internal: rates for the logistics scenario and the timed calls (in a child).",
            logistics.add_measure_arguments,
            logistics.run_measure,
            hidden=True,
        ),
        Scenario(
            "ledger",
            "Settle 100,000 due order lines in batches (lines/s, statements per batch), "
            "then time village and household statements.",
            ledger.add_arguments,
            ledger.run,
        ),
        Scenario(
            "ledger-measure",
            "Internal: seed due lines, settle and time statements (in a child).",
            ledger.add_measure_arguments,
            ledger.run_measure,
            hidden=True,
        ),
        Scenario(
            "oversight",
            "Township dashboard data over a year of orders (2 counties x 10 townships x 20 "
            "villages): p50/p95, statements for a small and a large township.",
            oversight.add_arguments,
            oversight.run,
        ),
        Scenario(
            "oversight-measure",
            "Internal: seed the oversight history, precompute, time dashboards (in a child).",
            oversight.add_measure_arguments,
            oversight.run_measure,
            hidden=True,
        ),
        Scenario(
            "seed",
            "Only create, migrate and seed the bench database.",
            add_dataset_arguments,
            _run_seed,
        ),
        Scenario(
            "seed-current",
            "Internal: seed the connected database (run by the others in a child process).",
            _add_seed_current_arguments,
            _run_seed_current,
            hidden=True,
        ),
    )
}
