"""Reporting periods: months ("2026-11") and quarters ("2026-Q4"), in local time.

A period is [start, end) in local dates; its figures are final only once `end` has come,
so asking for a period that has not ended is refused.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone

from marketplace.core.errors import refuse
from marketplace.supervision.error_codes import SupervisionErrorCode
from marketplace.supervision.models import PeriodKind

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True, order=True)
class Period:
    kind: str
    start: datetime.date

    @property
    def end(self) -> datetime.date:
        months = 1 if self.kind == PeriodKind.MONTH else 3
        return _add_months(self.start, months)

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.start:%Y-%m}"
        return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"

    def previous(self) -> Period:
        months = 1 if self.kind == PeriodKind.MONTH else 3
        return Period(self.kind, _add_months(self.start, -months))

    def start_at(self) -> datetime.datetime:
        return _local_midnight(self.start)

    def end_at(self) -> datetime.datetime:
        return _local_midnight(self.end)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def period_containing(kind: str, day: datetime.date) -> Period:
    if kind == PeriodKind.MONTH:
        return Period(kind, day.replace(day=1))
    return Period(kind, datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1))


def last_completed(kind: str, today: datetime.date | None = None) -> Period:
    return period_containing(kind, today or timezone.localdate()).previous()


def period_parse(
    *, kind: str, label: str, field: str = "period", today: datetime.date | None = None
) -> Period:
    """The completed period `label` names, or a coded refusal (unknown kind or label, or a
    period that has not ended yet)."""
    if kind not in PeriodKind.values:
        raise refuse(
            "period_kind", f"Unknown period kind '{kind}'.", SupervisionErrorCode.INVALID_PERIOD
        )
    pattern = _MONTH if kind == PeriodKind.MONTH else _QUARTER
    match = pattern.match(label.strip())
    example = "2026-11" if kind == PeriodKind.MONTH else "2026-Q4"
    if match is None:
        raise refuse(
            field,
            f"'{label}' is not a {kind.lower()}: write it like {example}.",
            SupervisionErrorCode.INVALID_PERIOD,
        )
    year, part = int(match[1]), int(match[2])
    if kind == PeriodKind.MONTH and not 1 <= part <= 12:
        raise refuse(field, f"'{label}' has no such month.", SupervisionErrorCode.INVALID_PERIOD)
    if year < 2000:
        raise refuse(
            field, f"'{label}' is before the platform.", SupervisionErrorCode.INVALID_PERIOD
        )
    month = part if kind == PeriodKind.MONTH else (part - 1) * 3 + 1
    period = Period(kind, datetime.date(year, month, 1))
    if period.end > (today or timezone.localdate()):
        raise refuse(
            field,
            f"{period.label} has not ended yet; its figures are not final.",
            SupervisionErrorCode.PERIOD_IN_FUTURE,
        )
    return period


def period_range_parse(
    *, kind: str, first: str, last: str, today: datetime.date | None = None
) -> tuple[Period, Period]:
    start = period_parse(kind=kind, label=first, field="first", today=today)
    end = period_parse(kind=kind, label=last, field="last", today=today)
    if end < start:
        raise refuse(
            "last",
            f"The range ends ({end.label}) before it starts ({start.label}).",
            SupervisionErrorCode.PERIOD_REVERSED,
        )
    return start, end
