"""The beat tasks: thin, idempotent, and registered in the beat schedule."""

from __future__ import annotations

import pytest
from django.conf import settings

from marketplace.supervision import tasks
from marketplace.supervision.models import PeriodicReport, RedFlagRanking, Reminder

pytestmark = pytest.mark.django_db


def test_beat_schedule_names_every_supervision_task():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "supervision.remind_queue_deadlines",
        "supervision.generate_periodic_reports",
        "supervision.rank_red_flag",
        "supervision.send_cadence",
    } <= scheduled


def test_tasks_run_twice_without_adding_anything(town):
    tasks.generate_periodic_reports.delay()
    tasks.rank_red_flag.delay()
    tasks.remind_queue_deadlines.delay()
    tasks.send_cadence.delay()
    counts = (
        PeriodicReport.objects.count(),
        RedFlagRanking.objects.count(),
        Reminder.objects.count(),
    )
    assert counts[0] >= 4 and counts[1] >= 2
    tasks.generate_periodic_reports.delay()
    tasks.rank_red_flag.delay()
    tasks.send_cadence.delay()
    assert counts == (
        PeriodicReport.objects.count(),
        RedFlagRanking.objects.count(),
        Reminder.objects.count(),
    )
