"""The `browse` scenario: what a storefront's product pages ask for, over real HTTP.

Four workloads run one after another (first a warm-up, then timed sequential requests for
latency, then a short run from several client threads for throughput): a product page of
20 and of 100, and two Chinese searches. Each reply must be HTTP 200 with data and no
GraphQL errors, or the run fails. The figures are compared with the browse targets.
"""

from __future__ import annotations

import json
import platform
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from tooling.bench.client import GraphQLClient, Reply
from tooling.bench.server import RunningServer
from tooling.bench.stats import LatencySummary, query_count_label, summarize

CHANNEL = "urban-retail"
# Whatever a load thread counts into: each scenario has its own tally type.
TallyT = TypeVar("TallyT")

_PRODUCT_FIELDS = """
fragment BenchProduct on Product {
  name
  slug
  thumbnail(size: 256) { url }
  pricing {
    priceRange {
      start { gross { amount currency } }
      stop { gross { amount currency } }
    }
  }
  category { name }
  shop { name village { name } }
  isAvailable
}
"""

LIST_QUERY = (
    """
query BenchProducts($first: Int!, $channel: String!) {
  products(first: $first, channel: $channel) {
    totalCount
    edges { node { ...BenchProduct } }
  }
}
"""
    + _PRODUCT_FIELDS
)

SEARCH_QUERY = (
    """
query BenchSearch($first: Int!, $channel: String!, $search: String!) {
  products(first: $first, channel: $channel, filter: {search: $search}) {
    totalCount
    edges { node { ...BenchProduct } }
  }
}
"""
    + _PRODUCT_FIELDS
)


@dataclass(frozen=True)
class Workload:
    key: str
    label: str
    query: str
    variables: dict[str, Any]
    target_p50_ms: float | None = None

    @property
    def page_size(self) -> int:
        return int(self.variables["first"])


WORKLOADS = (
    Workload("list20", "products(first: 20)", LIST_QUERY, {"first": 20, "channel": CHANNEL}, 15),
    Workload("list100", "products(first: 100)", LIST_QUERY, {"first": 100, "channel": CHANNEL}),
    Workload(
        "search_tea",
        "search 古树茶 (first: 20)",
        SEARCH_QUERY,
        {"first": 20, "channel": CHANNEL, "search": "古树茶"},
        25,
    ),
    Workload(
        "search_honey",
        "search 蜂蜜 (first: 20)",
        SEARCH_QUERY,
        {"first": 20, "channel": CHANNEL, "search": "蜂蜜"},
        25,
    ),
)


class BenchFailure(RuntimeError):
    """A reply that was not a clean success: the numbers would be meaningless."""


@dataclass
class WorkloadResult:
    workload: Workload
    sequential: LatencySummary
    concurrent: LatencySummary
    requests_per_second: float
    query_counts: list[int]
    total_count: int
    edges: int

    @property
    def queries_label(self) -> str:
        # A listing's query count must not depend on the data: a spread is worth a flag.
        label = query_count_label(self.query_counts)
        return f"{label} (varies!)" if len(self.query_counts) > 1 else label

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.workload.key,
            "label": self.workload.label,
            "variables": self.workload.variables,
            "sequential": self.sequential.as_dict(),
            "concurrent": self.concurrent.as_dict(),
            "requests_per_second": round(self.requests_per_second, 1),
            "sql_queries_per_request": self.query_counts,
            "total_count": self.total_count,
            "edges": self.edges,
        }


@dataclass(frozen=True)
class Check:
    name: str
    target: str
    actual: str
    passed: bool


@dataclass
class _Tally:
    seconds: list[float] = field(default_factory=list)
    queries: set[int] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)


def _record(reply: Reply, tally: _Tally, workload: Workload) -> None:
    problem = reply.problem()
    if problem is not None:
        tally.failures.append(f"{workload.label}: {problem}")
        return
    tally.seconds.append(reply.seconds)
    if reply.queries is not None:
        tally.queries.add(reply.queries)


def _check_shape(reply: Reply, workload: Workload) -> tuple[int, int]:
    """The page must be full (or hold every hit): a short page would flatter the timings."""
    problem = reply.problem()
    if problem is not None:
        raise BenchFailure(f"{workload.label}: {problem}")
    products = (reply.body or {})["data"]["products"]
    total, edges = int(products["totalCount"]), len(products["edges"])
    if total == 0:
        raise BenchFailure(f"{workload.label}: no products; is the bench database seeded?")
    if edges != min(total, workload.page_size):
        raise BenchFailure(
            f"{workload.label}: {edges} edges for first: {workload.page_size} of {total}"
        )
    return total, edges


def measure(
    server: RunningServer,
    *,
    requests: int,
    warmup: int,
    concurrency: int,
    workloads: tuple[Workload, ...] = WORKLOADS,
    say: Callable[[str], None] = print,
) -> list[WorkloadResult]:
    results = []
    for workload in workloads:
        say(f"  {workload.label}: warm-up {warmup}, {requests} sequential, {concurrency} threads")
        client = GraphQLClient(server.host, server.port)
        try:
            total, edges = _check_shape(client.post(workload.query, workload.variables), workload)
            for _ in range(warmup):
                _check_shape(client.post(workload.query, workload.variables), workload)
            sequential = _Tally()
            for _ in range(requests):
                _record(client.post(workload.query, workload.variables), sequential, workload)
        finally:
            client.close()
        concurrent, wall = _run_concurrently(server, workload, requests, concurrency)
        failures = sequential.failures + concurrent.failures
        if failures:
            raise BenchFailure(f"{len(failures)} failed requests; first: {failures[0]}")
        results.append(
            WorkloadResult(
                workload=workload,
                sequential=summarize(sequential.seconds),
                concurrent=summarize(concurrent.seconds),
                requests_per_second=len(concurrent.seconds) / wall,
                query_counts=sorted(sequential.queries | concurrent.queries),
                total_count=total,
                edges=edges,
            )
        )
    return results


def _run_concurrently(
    server: RunningServer, workload: Workload, requests: int, concurrency: int
) -> tuple[_Tally, float]:
    per_thread = max(1, requests // concurrency)
    tallies = [_Tally() for _ in range(concurrency)]
    start = threading.Barrier(concurrency + 1)

    def worker(tally: _Tally) -> None:
        client = GraphQLClient(server.host, server.port)
        try:
            start.wait()
            for _ in range(per_thread):
                _record(client.post(workload.query, workload.variables), tally, workload)
        except Exception as exc:  # reported with the other failures, never swallowed
            tally.failures.append(f"{workload.label}: {exc!r}")
        finally:
            client.close()

    wall = run_released_together(worker, tallies, start)
    merged = _Tally()
    for tally in tallies:
        merged.seconds += tally.seconds
        merged.queries |= tally.queries
        merged.failures += tally.failures
    return merged, wall


def run_released_together(
    work: Callable[[TallyT], None], tallies: Sequence[TallyT], start: threading.Barrier
) -> float:
    """Run `work(tally)` on a thread per tally and release them together.

    Each `work` waits on `start` once it is ready (a barrier of `len(tallies) + 1`); this
    is the last party. Returns the wall seconds from the release until the last one ends.
    """
    threads = [threading.Thread(target=work, args=(tally,), daemon=True) for tally in tallies]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def evaluate(results: list[WorkloadResult]) -> list[Check]:
    checks = []
    for result in results:
        target = result.workload.target_p50_ms
        if target is not None:
            checks.append(
                Check(
                    name=f"{result.workload.label} p50",
                    target=f"≤ {target:g} ms",
                    actual=f"{result.sequential.p50_ms:.1f} ms",
                    passed=result.sequential.p50_ms <= target,
                )
            )
    by_key = {r.workload.key: r for r in results}
    small, large = by_key.get("list20"), by_key.get("list100")
    if small and large:
        same = bool(small.query_counts) and small.query_counts == large.query_counts
        checks.append(
            Check(
                name="SQL queries independent of page size",
                target="first: 20 = first: 100",
                actual=f"{small.queries_label} vs {large.queries_label}",
                passed=same,
            )
        )
    for result in results:
        if len(result.query_counts) > 1:
            checks.append(
                Check(
                    name=f"{result.workload.label} steady SQL count",
                    target="same every request",
                    actual=result.queries_label,
                    passed=False,
                )
            )
    return checks


def render(results: list[WorkloadResult], checks: list[Check]) -> str:
    header = ("scenario", "p50 ms", "p95 ms", "mean ms", "req/s", "SQL/req", "hits")
    rows = [
        (
            r.workload.label,
            f"{r.sequential.p50_ms:.1f}",
            f"{r.sequential.p95_ms:.1f}",
            f"{r.sequential.mean_ms:.1f}",
            f"{r.requests_per_second:.0f}",
            r.queries_label,
            str(r.total_count),
        )
        for r in results
    ]
    lines = _table(header, rows)
    lines.append("")
    lines += _table(
        ("check", "target", "actual", "result"),
        [(c.name, c.target, c.actual, "PASS" if c.passed else "MISS") for c in checks],
    )
    return "\n".join(lines)


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if "\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" else 1 for ch in text)


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(_width(cell) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: tuple[str, ...]) -> str:
        padded = []
        for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            pad = " " * (width - _width(cell))
            padded.append(cell + pad if i == 0 else pad + cell)
        return "  ".join(padded)

    return [line(header), "  ".join("-" * w for w in widths), *(line(row) for row in rows)]


def _git_commit() -> str | None:
    try:
        found = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return found.stdout.strip() or None


def write_report(
    *,
    directory: Path,
    results: list[WorkloadResult],
    checks: list[Check],
    settings: dict[str, Any],
    started: datetime,
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"browse-{started.strftime('%Y%m%d-%H%M%S')}.json"
    document = {
        "scenario": "browse",
        "started_at": started.isoformat(timespec="seconds"),
        "git_commit": _git_commit(),
        "python": platform.python_version(),
        "settings": settings,
        "results": [r.as_dict() for r in results],
        "checks": [c.__dict__ for c in checks],
        "passed": all(c.passed for c in checks),
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    return path
