"""`ruralmart beat`: run Celery beat with the schedule kept in the database.

Periodic tasks are edited in the back office (django-celery-beat's DatabaseScheduler), so
beat reads them from PostgreSQL. Extra arguments go to Celery unchanged.
"""

from __future__ import annotations

from marketplace.celery import app
from marketplace.management.commands.worker import CeleryPassthroughCommand

DATABASE_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"


class Command(CeleryPassthroughCommand):
    help = "Run Celery beat with the database scheduler (needs CELERY_BROKER_URL)."
    celery_command = "beat"

    def run_celery(self, celery_args: list[str]) -> None:
        # Given first, so a `--scheduler` the operator passes still wins (the last one does).
        app.start(argv=["beat", "--scheduler", DATABASE_SCHEDULER, *celery_args])
