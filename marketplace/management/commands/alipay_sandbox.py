"""`ruralmart alipay_sandbox [--host H] [--port P]`: run the local Alipay sandbox in the
foreground (what `make demo` starts beside the web server).

Host and port default to those of ALIPAY_SANDBOX_URL (127.0.0.1:8001); keys and trades live
under `$RURALMART_DATA_DIR/alipay/`. Needs no database.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from marketplace.payments.alipay.sandbox.from_settings import sandbox_from_settings


class Command(BaseCommand):
    help = "Run the local Alipay sandbox (Alipay's gateway protocol) in the foreground."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=None, help="Default: ALIPAY_SANDBOX_URL's host.")
        parser.add_argument(
            "--port", type=int, default=None, help="Default: ALIPAY_SANDBOX_URL's port (8001)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sandbox = sandbox_from_settings(host=options["host"], port=options["port"]).bind()
        self.stdout.write(
            f"Alipay sandbox (支付宝沙箱) on {sandbox.url}/  gateway: {sandbox.gateway_url}\n"
            f"  app_id {sandbox.app_id}, seller_id {sandbox.seller_id}, keys in {sandbox.data_dir}"
        )
        try:
            sandbox.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Alipay sandbox stopped.")
