"""`ruralmart worker`: run a Celery worker for this project.

Everything after `worker` goes to Celery unchanged (`ruralmart worker -l info -Q default`).
Without a broker there is nothing to consume: tasks already run eagerly in the process that
sends them, so the command refuses instead of starting a worker that would wait forever.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from marketplace.celery import app

NO_BROKER = "tasks run eagerly in-process; set CELERY_BROKER_URL to run a worker"


class CeleryPassthroughCommand(BaseCommand):
    """A command whose arguments all belong to a Celery sub-command."""

    celery_command = ""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "celery_args", nargs="*", help=f"Arguments for `celery {self.celery_command}`."
        )

    def run_from_argv(self, argv: list[str]) -> None:
        # Celery's options (-l info, --concurrency 4, --help) must reach Celery untouched,
        # so Django's own option parser never sees them.
        self._called_from_command_line = True
        try:
            self.execute(celery_args=argv[2:], no_color=False, force_color=False, skip_checks=True)
        except CommandError as exc:
            self.stderr.write(f"{exc.__class__.__name__}: {exc}")
            raise SystemExit(exc.returncode) from exc

    def handle(self, *args: Any, **options: Any) -> None:
        # Eager mode means no broker was configured; the in-memory placeholder broker the
        # settings then name lives inside one process, so no worker could ever share it.
        broker = settings.CELERY_BROKER_URL or ""
        if settings.CELERY_TASK_ALWAYS_EAGER or not broker or broker.startswith("memory://"):
            raise CommandError(NO_BROKER)
        self.run_celery(list(options.get("celery_args") or []))

    def run_celery(self, celery_args: list[str]) -> None:
        raise NotImplementedError


class Command(CeleryPassthroughCommand):
    help = "Run a Celery worker (needs CELERY_BROKER_URL). Extra arguments go to Celery."
    celery_command = "worker"

    def run_celery(self, celery_args: list[str]) -> None:
        app.worker_main(argv=["worker", *celery_args])
