"""`ruralmart sms_sandbox [--host H] [--port P] [--report-every S]`: run the local Aliyun
SMS sandbox in the foreground, pushing delivery reports to ALIYUN_SMS_REPORT_URL every few
seconds. Its page of sent messages is at /sms/. Needs no database."""

from __future__ import annotations

import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from marketplace.notifications.sms_sandbox.from_settings import sandbox_from_settings


class Command(BaseCommand):
    help = "Run the local SMS sandbox (Aliyun Dysmsapi's protocol) in the foreground."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=None)
        parser.add_argument("--port", type=int, default=None, help="Default: 8003.")
        parser.add_argument("--report-every", type=float, default=3.0)

    def handle(self, *args: Any, **options: Any) -> None:
        sandbox = sandbox_from_settings(host=options["host"], port=options["port"]).bind()
        stop = threading.Event()

        def report() -> None:
            while not stop.wait(options["report_every"]):
                sandbox.push_reports()

        threading.Thread(target=report, daemon=True).start()
        self.stdout.write(
            f"Aliyun SMS sandbox (短信沙箱) on {sandbox.url}/  SMS sent: {sandbox.url}/sms/"
        )
        try:
            sandbox.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("SMS sandbox stopped.")
        finally:
            stop.set()
