"""Recording activity. One statement per call, safe under concurrent logins: the
INSERT ... ON CONFLICT adds to the day's counters instead of racing a read-then-write."""

from __future__ import annotations

import datetime

from django.db import connection
from django.utils import timezone

from marketplace.activity.models import AdministratorActivityDay

_TABLE = AdministratorActivityDay._meta.db_table


def activity_record(
    *, user_id: int, logins: int = 0, updates: int = 0, day: datetime.date | None = None
) -> None:
    """Add `logins` and `updates` to the user's counters for `day` (today, local time)."""
    if logins < 0 or updates < 0 or not (logins or updates):
        return
    day = day or timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {_TABLE} (user_id, day, logins, updates) VALUES (%s, %s, %s, %s)
            ON CONFLICT (user_id, day) DO UPDATE
               SET logins = {_TABLE}.logins + EXCLUDED.logins,
                   updates = {_TABLE}.updates + EXCLUDED.updates
            """,
            [user_id, day, logins, updates],
        )


def activity_record_login(*, user_id: int) -> None:
    activity_record(user_id=user_id, logins=1)


def activity_record_update(*, user_id: int | None) -> None:
    """One change by the user; None is the system acting (a task), which is nobody's activity.
    Called inside the writing service's transaction, so a refused write records nothing."""
    if user_id is not None:
        activity_record(user_id=user_id, updates=1)
