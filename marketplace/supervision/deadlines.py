"""Queue deadlines in working days (Monday to Friday; public holidays are not modelled)."""

from __future__ import annotations

import datetime

from django.conf import settings


def add_working_days(day: datetime.date, days: int) -> datetime.date:
    current = day
    remaining = days
    while remaining > 0:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def due_date_from(filed_on: datetime.date) -> datetime.date:
    return add_working_days(filed_on, settings.SUPERVISION_QUEUE_DUE_WORKING_DAYS)
