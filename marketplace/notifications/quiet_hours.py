"""Quiet hours (NOTIFY_QUIET_HOURS, local time Asia/Shanghai, e.g. "21:00-08:00"): when a
non-urgent SMS asked for now may go out instead."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

CHINA = ZoneInfo("Asia/Shanghai")


def _window() -> tuple[time, time] | None:
    spec = (settings.NOTIFY_QUIET_HOURS or "").strip()
    if not spec:
        return None
    start, end = (time.fromisoformat(part.strip()) for part in spec.split("-", 1))
    return start, end


def quiet_hours_end(at: datetime) -> datetime | None:
    """The end of the quiet hours `at` falls in, or None when it falls in none."""
    window = _window()
    if window is None:
        return None
    start, end = window
    local = at.astimezone(CHINA)
    now = local.time()
    if start == end:
        return None
    if start < end:
        quiet = start <= now < end
        day = local.date()
    else:  # the window spans midnight
        quiet = now >= start or now < end
        day = local.date() + timedelta(days=1) if now >= start else local.date()
    if not quiet:
        return None
    return datetime.combine(day, end, tzinfo=CHINA)
