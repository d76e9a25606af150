"""Periodic supervision work (django-celery-beat entries in settings). Each task is thin
and idempotent: re-running it on the same day records and sends nothing new."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from marketplace.supervision.cadence import CADENCE_DAYS, cadence_send
from marketplace.supervision.models import PeriodKind, ReminderKind
from marketplace.supervision.periods import last_completed
from marketplace.supervision.queues import queue_remind
from marketplace.supervision.red_flag import rankings_run_all
from marketplace.supervision.reminders import reminders_send
from marketplace.supervision.reports import reports_generate_all


@shared_task(name="supervision.remind_queue_deadlines")
def remind_queue_deadlines() -> int:
    recorded = queue_remind()
    reminders_send()  # also retries earlier reminders whose delivery failed
    return recorded


@shared_task(name="supervision.generate_periodic_reports")
def generate_periodic_reports() -> int:
    """On the first day of a month: last month's reports; of a quarter: last quarter's too."""
    today = timezone.localdate()
    count = len(reports_generate_all(period=last_completed(PeriodKind.MONTH, today)))
    if today.month in (1, 4, 7, 10):
        count += len(reports_generate_all(period=last_completed(PeriodKind.QUARTER, today)))
    return count


@shared_task(name="supervision.rank_red_flag")
def rank_red_flag() -> int:
    return len(rankings_run_all(quarter=last_completed(PeriodKind.QUARTER)))


@shared_task(name="supervision.send_cadence")
def send_cadence() -> int:
    today = timezone.localdate()
    recorded = 0
    kind = CADENCE_DAYS.get(today.day)
    if kind is not None:
        recorded += cadence_send(kind=kind, today=today)
    if today.day == 1 and today.month in (1, 4, 7, 10):
        recorded += cadence_send(kind=ReminderKind.QUARTERLY_BULLETIN, today=today)
    return recorded
