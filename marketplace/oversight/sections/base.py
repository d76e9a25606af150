"""What a dashboard section is, and the list the dashboard draws its sections from.

A section is a function `(query: SectionQuery) -> SectionResult`, registered with
`register_section(key=..., title=..., compute=...)`. It reads only figures for
`query.scope.village_ids` over `query.period.months`, with a number of SQL statements that
does not grow with the villages (the query-count test runs every registered section), and
returns counts and sums only: never a household's name, ID number or phone.

The Red Supermarket section (agency services by category, cash withdrawn, parcels handled,
unusual withdrawals, reconciliation mismatches not cleared) plugs in the same way: a module
`marketplace/oversight/sections/red_supermarket.py` defining
`def red_supermarket_section(query: SectionQuery) -> SectionResult`, filtering its rows by
`village_id__in=query.scope.village_ids` and by `query.period.months` (first days of
months, Asia/Shanghai; `marketplace.oversight.months.in_months(field, months)` builds the
timestamp condition), returning `Panel`s whose column 0 is the category axis, and one
`register_section(key="red_supermarket", title="红色超市", compute=red_supermarket_section)`
line in `sections/__init__.py`. Its figures may be read live or precomputed; if
precomputed, `refresh.months_touched_since` must learn its change timestamps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from marketplace.oversight.access import DashboardScope
from marketplace.oversight.periods import Period

ChartKind = Literal["line", "bar", "ranking", "delivery", "table"]
Cell = str | int | Decimal | None
CENT = Decimal("0.01")


def money(value: Decimal | int | None) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def ratio(part: Decimal | int, whole: Decimal | int) -> Decimal:
    """`part / whole` as a percentage with 2 places; 0 when there is no whole."""
    if not whole:
        return Decimal("0.00")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SectionQuery:
    scope: DashboardScope
    period: Period
    now: datetime


@dataclass(frozen=True)
class Panel:
    """One chart and the table it is drawn from. Column 0 is the category axis (month,
    village, kind); `series` lists the numeric columns drawn. A `table` panel has no chart."""

    key: str
    title: str
    chart: ChartKind
    columns: list[str]
    rows: list[list[Cell]]
    series: list[int] = field(default_factory=list)
    note: str = ""

    def series_values(self) -> dict[str, list[Cell]]:
        return {self.columns[i]: [row[i] for row in self.rows] for i in self.series}


@dataclass(frozen=True)
class SectionResult:
    key: str
    title: str
    panels: list[Panel]
    # Headline figures shown above the charts: (label, value, unit).
    headline: list[tuple[str, Cell, str]] = field(default_factory=list)


SectionFunction = Callable[[SectionQuery], SectionResult]


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    compute: SectionFunction


SECTIONS: list[SectionSpec] = []


def register_section(*, key: str, title: str, compute: SectionFunction) -> SectionSpec:
    """Add a section to every dashboard, after those already registered. Registering the
    same key again replaces it, so a module imported twice does not draw twice."""
    spec = SectionSpec(key=key, title=title, compute=compute)
    for index, existing in enumerate(SECTIONS):
        if existing.key == key:
            SECTIONS[index] = spec
            return spec
    SECTIONS.append(spec)
    return spec
