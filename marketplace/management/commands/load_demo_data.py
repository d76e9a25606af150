"""`ruralmart load_demo_data`: create whatever part of the demo data is missing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tooling.demo import load_demo_data


class Command(BaseCommand):
    help = "Load the demo counties, shops, households, catalog and logins (safe to re-run)."

    def handle(self, *args: Any, **options: Any) -> None:
        summary = load_demo_data(stdout=self.stdout if options["verbosity"] > 1 else None)
        self.stdout.write(summary.format())
        self.stdout.write(f"Demo logins (password {summary.logins[0].password}):")
        for login in summary.logins:
            self.stdout.write(f"  {login.email:<38} {login.role_label} — {login.scope}")
