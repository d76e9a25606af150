"""Statistics for the benchmark: latency percentiles, a per-scenario summary, and how the
SQL query counts per request read in a table."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.test.utils import CaptureQueriesContext


@contextmanager
def statements_captured() -> Iterator[CaptureQueriesContext]:
    """The SQL statements run inside the block, on the default connection.

    Django keeps only a connection's last 9,000 statements; once that log is full,
    CaptureQueriesContext counts a shrinking or empty slice of it. A bench runs far more
    than that, so the log is emptied first and every count is whole.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        yield captured


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) by linear interpolation between closest ranks.

    This is the common "type 7" definition (numpy's default), so figures compare with
    other tools' reports.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is outside 0–100")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    lower = math.floor(position)
    upper = math.ceil(position)
    if lower == upper:
        return ordered[lower]
    fraction = position - lower
    return ordered[lower] + (ordered[upper] - ordered[lower]) * fraction


@dataclass(frozen=True)
class LatencySummary:
    count: int
    p50_ms: float
    p95_ms: float
    mean_ms: float
    min_ms: float
    max_ms: float

    def as_dict(self) -> dict[str, float | int]:
        return {
            "count": self.count,
            "p50_ms": round(self.p50_ms, 3),
            "p95_ms": round(self.p95_ms, 3),
            "mean_ms": round(self.mean_ms, 3),
            "min_ms": round(self.min_ms, 3),
            "max_ms": round(self.max_ms, 3),
        }


def summarize(seconds: Sequence[float]) -> LatencySummary:
    """Summarise wall times given in seconds; the summary is in milliseconds."""
    if not seconds:
        raise ValueError("no samples to summarise")
    ms = [s * 1000 for s in seconds]
    return LatencySummary(
        count=len(ms),
        p50_ms=percentile(ms, 50),
        p95_ms=percentile(ms, 95),
        mean_ms=sum(ms) / len(ms),
        min_ms=min(ms),
        max_ms=max(ms),
    )


def query_count_label(counts: Sequence[int]) -> str:
    """The distinct SQL query counts seen for one request, sorted: one number, or a range."""
    if not counts:
        return "n/a"
    if len(counts) == 1:
        return str(counts[0])
    return f"{counts[0]}–{counts[-1]}"
