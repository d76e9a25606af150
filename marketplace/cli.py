"""`ruralmart`: manage.py with the settings preset.

Every command runs against `DATABASE_URL` when it is set, and otherwise against the embedded
PostgreSQL under `$RURALMART_DATA_DIR`, which this process starts and later stops (or borrows,
when another ruralmart process already runs it). `ruralmart test` runs the pytest suite the
same way.
"""

from __future__ import annotations

import os
import sys

from django.core.management import execute_from_command_line

from marketplace.embedded_db import EmbeddedDatabaseError, database_url_from_environment

# Commands that never touch the database skip starting the embedded server.
_NO_DATABASE_COMMANDS = {
    "help",
    "--help",
    "-h",
    "version",
    "--version",
    "check",
    "shell_plus",
    "alipay_sandbox",
    # Downloads GraphiQL's files from npm into a static folder; `make` runs it at install
    # time, before any database exists, and it must not start one there.
    "fetch_graphiql",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    command = argv[1] if len(argv) > 1 else "help"
    if command == "demo":
        # The demo serves Saleor's own storefront too, whose checkout pays through Saleor's
        # dummy payment app: offer its flow (no money moves; see payments.demo_gateway).
        os.environ.setdefault("DEMO_PAYMENT_GATEWAY", "1")
        # Loading the demo's history sends dozens of order notices; on the console they
        # would bury the banner, so the demo's e-mails go to files the banner names.
        os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")

    if command in _NO_DATABASE_COMMANDS:
        return _run(command, argv)
    try:
        with database_url_from_environment():
            return _run(command, argv)
    except EmbeddedDatabaseError as exc:
        print(f"ruralmart: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _run(command: str, argv: list[str]) -> int:
    if command == "test":
        import pytest  # a dev dependency: only `ruralmart test` needs it

        return int(pytest.main(argv[2:]))
    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
