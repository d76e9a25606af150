"""Calendar months in the project's time zone: the unit every oversight figure is kept in."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def month_of(moment: datetime) -> date:
    return timezone.localtime(moment, local_zone()).date().replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def months_between(first: date, last: date) -> Iterator[date]:
    """Every month from `first` to `last`, both included."""
    month = first.replace(day=1)
    while month <= last:
        yield month
        month = next_month(month)


def month_start(month: date) -> datetime:
    return datetime.combine(month, time.min, tzinfo=local_zone())


def in_months(field: str, months: Iterable[date]) -> Q:
    """`field` (a timestamp) falls in one of `months`: one half-open range per run of
    consecutive months, so a year costs one range, not twelve."""
    ordered = sorted(set(months))
    condition = Q(pk__in=[])
    run_start: date | None = None
    previous: date | None = None
    for month in [*ordered, None]:
        if month is not None and previous is not None and month == next_month(previous):
            previous = month
            continue
        if run_start is not None and previous is not None:
            condition |= Q(
                **{
                    f"{field}__gte": month_start(run_start),
                    f"{field}__lt": month_start(next_month(previous)),
                }
            )
        run_start = previous = month
    return condition
