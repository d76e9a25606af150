"""`ruralmart carrier_sandbox [--host H] [--port P]`: run the local Kuaidi100 sandbox in the
foreground. Host and port default to KUAIDI100_SANDBOX_URL's (127.0.0.1:8002). Needs no
database."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from logistics.carriers.kuaidi100 import CARRIERS
from logistics.carriers.sandbox.from_settings import sandbox_from_settings


class Command(BaseCommand):
    help = "Run the local carrier sandbox (Kuaidi100's protocol) in the foreground."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=None, help="Default: KUAIDI100_SANDBOX_URL's host.")
        parser.add_argument("--port", type=int, default=None, help="Default: its port (8002).")

    def handle(self, *args: Any, **options: Any) -> None:
        sandbox = sandbox_from_settings(host=options["host"], port=options["port"]).bind()
        self.stdout.write(
            f"Kuaidi100 sandbox (快递100沙箱) on {sandbox.url}/  carriers: "
            + ", ".join(f"{code} ({name})" for code, name in CARRIERS.items())
        )
        try:
            sandbox.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Carrier sandbox stopped.")
