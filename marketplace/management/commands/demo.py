"""`ruralmart demo` (what `make demo` runs): migrate, load the demo data, and serve.

The server is Django's development server on 127.0.0.1:$PORT, with static files served
even when DEBUG is off so the admin looks right. With CELERY_BROKER_URL set, a Celery
worker runs beside it and is stopped with it; otherwise tasks run eagerly in-process.
Unless ALIPAY_GATEWAY points at a real Alipay, the local Alipay sandbox runs beside it too
(`ruralmart alipay_sandbox`, at ALIPAY_SANDBOX_URL) and is stopped with it. Likewise the
local carrier sandbox (`ruralmart carrier_sandbox`, at KUAIDI100_SANDBOX_URL) runs beside it
unless KUAIDI100_BASE_URL points at another (the real Kuaidi100), and the local Aliyun SMS
sandbox (`ruralmart sms_sandbox`, at ALIYUN_SMS_SANDBOX_URL) unless ALIYUN_SMS_ENDPOINT
points at another.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from marketplace.payments.alipay.sandbox.from_settings import sandbox_address
from tooling.demo import DemoLogin, load_demo_data

FIRST_QUERY = (
    '{ products(first: 5, channel: "urban-retail") { edges { node { name '
    "pricing { priceRange { start { gross { amount currency } } } } } } } }"
)
SEARCH_QUERY = (
    '{ products(first: 5, channel: "urban-retail", search: "古树茶") '
    "{ totalCount edges { node { name } } } }"
)
SHOP_QUERY = (
    '{ shop(slug: "bingdao-tea") { name village { name township { name county { name } } } '
    'partyOrganisation { name } products(first: 3, channel: "urban-retail") '
    "{ edges { node { name } } } } }"
)
SHUTDOWN_MESSAGE = (
    "\nDemo stopped. The data is kept: the next `make demo` starts where this one ended."
)
WORKER_COMMAND = [
    sys.executable,
    "-m",
    "celery",
    "-A",
    "marketplace",
    "worker",
    "--loglevel=info",
    "--pool=solo",
]

SANDBOX_COMMAND = [sys.executable, "-m", "marketplace.cli", "alipay_sandbox"]
CARRIER_SANDBOX_COMMAND = [sys.executable, "-m", "marketplace.cli", "carrier_sandbox"]
SMS_SANDBOX_COMMAND = [sys.executable, "-m", "marketplace.cli", "sms_sandbox"]
AGENCY_SANDBOX_COMMAND = [sys.executable, "-m", "marketplace.cli", "agency_sandbox"]


def demo_banner(
    *,
    port: int,
    logins: Sequence[DemoLogin],
    worker_running: bool,
    alipay_sandbox_url: str | None = None,
    carrier_sandbox_url: str | None = None,
    sms_sandbox_url: str | None = None,
    mail_folder: str | None = None,
) -> str:
    """What to open, what to paste and who to log in as; printed before the server starts."""
    base = f"http://127.0.0.1:{port}"
    rule = "=" * 78
    lines = [
        rule,
        "  Ruralmart demo: 双江县 (云南临沧) and 台儿庄区 (山东枣庄). All people are fictional.",
        rule,
        f"  GraphQL API (GraphiQL in a browser): {base}/graphql/",
        f"  Back office (Django admin):          {base}/admin/",
        f"  Red Supermarket counter (operators): {base}/counter/",
        f"  Township and county dashboards:      {base}/admin/bureau/",
        "",
        "  A first query to paste into GraphiQL:",
        f"    {FIRST_QUERY}",
        "  Then try a Chinese search (also 冰岛, 蜂蜜, 民宿):",
        f"    {SEARCH_QUERY}",
        "  A village shop (without `slug`, `shop` answers the marketplace's settings):",
        f"    {SHOP_QUERY}",
        "",
        f"  Demo logins (password: {logins[0].password if logins else '-'}):",
    ]
    width = max((len(login.email) for login in logins), default=0)
    for login in logins:
        lines.append(f"    {login.email:<{width}}  {login.role_label} — {login.scope}")
    lines.append("")
    if worker_running:
        lines.append("  Background tasks: a Celery worker is running beside the server.")
    else:
        lines.append(
            "  Background tasks: run eagerly in this process (CELERY_BROKER_URL is not set)."
        )
    if alipay_sandbox_url:
        lines.append(
            f"  Alipay sandbox (pay pages, QR codes, trades): {alipay_sandbox_url}/ "
            "— pay with any demo buyer; it notifies /payments/alipay/notify/."
        )
    if carrier_sandbox_url:
        lines.append(
            f"  Carrier sandbox (Kuaidi100: zhongtong, youzhengguonei): {carrier_sandbox_url}/ "
            "— it pushes tracking to /logistics/kuaidi100/callback/."
        )
    if sms_sandbox_url:
        lines.append(
            f"  SMS sandbox (Aliyun Dysmsapi): SMS sent at {sms_sandbox_url}/sms/ "
            "— receipts go to /notifications/aliyun/sms-report/."
        )
    if mail_folder:
        lines.append(
            f"  E-mails (order notices, sign-up and password links): files in {mail_folder}/"
        )
    lines += ["  Press Ctrl-C to stop.", rule]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Migrate, load the demo data (idempotent) and serve on 127.0.0.1:$PORT."
    # migrate runs first, so the usual "unapplied migrations" check would only be noise.
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=None, help="Defaults to $PORT (8000).")

    def handle(self, *args: Any, **options: Any) -> None:
        port = options["port"] or settings.PORT
        self.stdout.write("Applying database migrations…")
        call_command("migrate", interactive=False, verbosity=0, stdout=self.stdout)
        summary = load_demo_data(stdout=self.stdout)
        self.stdout.write(summary.format())
        worker = None if settings.CELERY_TASK_ALWAYS_EAGER else self._start_worker()
        sandbox_url = None if settings.ALIPAY_GATEWAY else _sandbox_url()
        sandbox = self._start_sandbox() if sandbox_url else None
        carrier_url = _carrier_sandbox_url()
        carrier = self._start_carrier_sandbox() if carrier_url else None
        sms_url = _sms_sandbox_url()
        sms = self._start_child(SMS_SANDBOX_COMMAND, "SMS sandbox") if sms_url else None
        # The agency providers' sandbox (a gateway for each provider with no real URL),
        # unless every provider points at a real service.
        agency = None
        if any(p.get("sandbox") for p in settings.AGENCY_PROVIDERS.values()):
            self.stdout.write(
                f"Starting the local agency sandbox at {settings.AGENCY_SANDBOX_URL}…"
            )
            agency = subprocess.Popen(AGENCY_SANDBOX_COMMAND)
        self.stdout.write(
            demo_banner(
                port=port,
                logins=summary.logins,
                worker_running=worker is not None,
                alipay_sandbox_url=sandbox_url,
                carrier_sandbox_url=carrier_url,
                sms_sandbox_url=sms_url,
                mail_folder=(
                    settings.EMAIL_FILE_PATH
                    if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend")
                    else None
                ),
            )
        )
        try:
            call_command(
                "runserver",
                f"127.0.0.1:{port}",
                use_reloader=False,
                insecure_serving=True,
                # runserver turns Ctrl-C into a clean exit and prints this on the way out.
                shutdown_message=SHUTDOWN_MESSAGE,
            )
        except KeyboardInterrupt:  # Ctrl-C before the server took over the signal
            self.stdout.write(SHUTDOWN_MESSAGE)
        finally:
            if worker is not None:
                self._stop_worker(worker)
            if sandbox is not None:
                self._stop_child(sandbox, "Alipay sandbox")
            if carrier is not None:
                self._stop_child(carrier, "Carrier sandbox")
            if sms is not None:
                self._stop_child(sms, "SMS sandbox")
            if agency is not None:
                self._stop_child(agency, "Agency sandbox")

    def _start_worker(self) -> subprocess.Popen[bytes]:
        self.stdout.write("Starting a Celery worker…")
        return subprocess.Popen(WORKER_COMMAND)

    def _start_sandbox(self) -> subprocess.Popen[bytes]:
        self.stdout.write("Starting the local Alipay sandbox…")
        return subprocess.Popen(SANDBOX_COMMAND)

    def _start_carrier_sandbox(self) -> subprocess.Popen[bytes]:
        self.stdout.write("Starting the local carrier sandbox…")
        return subprocess.Popen(CARRIER_SANDBOX_COMMAND)

    def _start_child(self, command: list[str], name: str) -> subprocess.Popen[bytes]:
        self.stdout.write(f"Starting the local {name}…")
        return subprocess.Popen(command)

    def _stop_child(self, child: subprocess.Popen[bytes], name: str) -> None:
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self.stdout.write(f"{name} stopped.")

    def _stop_worker(self, worker: subprocess.Popen[bytes]) -> None:
        if worker.poll() is None:
            worker.terminate()  # SIGTERM: the worker finishes its current task, then exits
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        self.stdout.write("Celery worker stopped.")


def _sandbox_url() -> str:
    """The sandbox's base URL, from ALIPAY_SANDBOX_URL (which names its /gateway.do)."""
    host, port = sandbox_address()
    return f"http://{host}:{port}"


def _carrier_sandbox_url() -> str | None:
    """The carrier sandbox's base URL when the adapter talks to it, else None (a real
    Kuaidi100 is configured and no sandbox is needed)."""
    sandbox = settings.KUAIDI100_SANDBOX_URL.rstrip("/")
    return sandbox if settings.KUAIDI100_BASE_URL.rstrip("/") == sandbox else None


def _sms_sandbox_url() -> str | None:
    """The SMS sandbox's base URL when the adapter talks to it, else None (the real Aliyun)."""
    sandbox = settings.ALIYUN_SMS_SANDBOX_URL.rstrip("/")
    return sandbox if settings.ALIYUN_SMS_ENDPOINT.rstrip("/") == sandbox else None
