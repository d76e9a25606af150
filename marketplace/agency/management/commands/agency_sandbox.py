"""`ruralmart agency_sandbox [--host H] [--port P]`: run the local agency-provider sandbox
in the foreground, at AGENCY_SANDBOX_URL (127.0.0.1:8006) by default: one gateway per
provider with no real URL, at /gw/<code>/. Needs no database."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from marketplace.agency.providers.sandbox.from_settings import sandbox_from_settings


class Command(BaseCommand):
    help = "Run the local agency-provider sandbox (bill payment, top-up, tickets, withdrawals)."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=None, help="Default: AGENCY_SANDBOX_URL's host.")
        parser.add_argument("--port", type=int, default=None, help="Default: its port (8006).")

    def handle(self, *args: Any, **options: Any) -> None:
        sandbox = sandbox_from_settings(host=options["host"], port=options["port"]).bind()
        self.stdout.write(f"Agency sandbox (代缴费沙箱) on {sandbox.url}/")
        for gateway in sandbox.gateways.values():
            self.stdout.write(
                f"  {sandbox.gateway_url(gateway.code)}/  merchant {gateway.merchant_id}, "
                f"{gateway.signature.sign_type}"
            )
        try:
            sandbox.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Agency sandbox stopped.")
