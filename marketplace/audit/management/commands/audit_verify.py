"""`ruralmart audit_verify`: walk the audit chain and name its first broken link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from marketplace.audit.chain import chain_verify


class Command(BaseCommand):
    help = "Check the audit log's hash chain from its first entry; fail on the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, broken = chain_verify()
        if broken is not None:
            raise CommandError(
                f"Audit chain broken at entry #{broken.sequence}: {broken.problem} "
                f"({checked} entries before it are intact)."
            )
        self.stdout.write(f"Audit chain intact: {checked} entries.")
