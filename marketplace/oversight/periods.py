"""The periods a dashboard covers: one month, one quarter, or a range of whole months.

Parsing refuses, with an `OversightErrorCode`, anything that is not a period the figures
can answer: unknown kinds, malformed values, periods starting in the future, reversed or
overlong ranges. A range that ends in the current month is fine (the month so far).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from marketplace.core.errors import refuse
from marketplace.oversight.error_codes import OversightErrorCode
from marketplace.oversight.months import months_between, next_month

PERIOD_KINDS = ("month", "quarter", "range")
MAX_RANGE_MONTHS = 36
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    kind: str
    first_month: date
    last_month: date

    @property
    def months(self) -> list[date]:
        return list(months_between(self.first_month, self.last_month))

    @property
    def month_count(self) -> int:
        return len(self.months)

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.first_month.year}年{self.first_month.month}月"
        if self.kind == "quarter":
            return f"{self.first_month.year}年第{(self.first_month.month - 1) // 3 + 1}季度"
        return (
            f"{self.first_month.year}年{self.first_month.month}月至"
            f"{self.last_month.year}年{self.last_month.month}月"
        )

    @property
    def quarter_key(self) -> str:
        return f"{self.first_month.year}-Q{(self.first_month.month - 1) // 3 + 1}"

    @property
    def slug(self) -> str:
        return f"{self.first_month:%Y%m}-{self.last_month:%Y%m}"


def parse_month(raw: str, *, field: str) -> date:
    match = _MONTH.match((raw or "").strip())
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise refuse(field, f"“{raw}” is not a month (YYYY-MM).", OversightErrorCode.INVALID_PERIOD)
    return date(int(match.group(1)), int(match.group(2)), 1)


def period_parse(
    *, kind: str, value: str = "", start: str = "", end: str = "", today: date
) -> Period:
    """A `Period` from a page's or the API's input; `today` decides what is the future."""
    current = today.replace(day=1)
    if kind == "month":
        first = last = parse_month(value, field="month")
    elif kind == "quarter":
        match = _QUARTER.match((value or "").strip())
        if match is None or int(match.group(1)) < 2000:
            raise refuse(
                "quarter",
                f"“{value}” is not a quarter (YYYY-Qn).",
                OversightErrorCode.INVALID_PERIOD,
            )
        first = date(int(match.group(1)), (int(match.group(2)) - 1) * 3 + 1, 1)
        last = next_month(next_month(first))
    elif kind == "range":
        first = parse_month(start, field="start")
        last = parse_month(end, field="end")
        if last < first:
            raise refuse(
                "end", "The range ends before it starts.", OversightErrorCode.RANGE_REVERSED
            )
        if len(list(months_between(first, last))) > MAX_RANGE_MONTHS:
            raise refuse(
                "end",
                f"A range covers at most {MAX_RANGE_MONTHS} months.",
                OversightErrorCode.RANGE_TOO_LONG,
            )
        if last > current:
            raise refuse(
                "end", "The range ends in the future.", OversightErrorCode.PERIOD_IN_FUTURE
            )
    else:
        raise refuse(
            "period",
            f"Unknown period kind “{kind}”; use one of {', '.join(PERIOD_KINDS)}.",
            OversightErrorCode.UNKNOWN_PERIOD,
        )
    if first > current:
        raise refuse("period", "The period is in the future.", OversightErrorCode.PERIOD_IN_FUTURE)
    return Period(kind=kind, first_month=first, last_month=min(last, current))


def default_period(*, today: date) -> Period:
    """The current quarter so far: what a dashboard opens on."""
    first = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    return Period(kind="quarter", first_month=first, last_month=today.replace(day=1))
