"""`ruralmart fetch_echarts`: vendor Apache ECharts from npm, checked against its pinned
sha256, so the bureau dashboards draw charts with no internet (admin.bureau.echarts_assets).

Needs the npm registry, never the database. `make` runs it once after installing, and a
failure stops the build: the dashboards load ECharts from this project only (no CDN), and
without it they show a notice instead of charts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from admin.bureau.echarts_assets import (
    APP_STATIC_DIR,
    DEFAULT_TIMEOUT_SECONDS,
    ECHARTS,
    NPM_REGISTRY,
    fetch_echarts,
)


class Command(BaseCommand):
    help = "Fetch Apache ECharts from npm, check its hash, serve it locally."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--registry", default=NPM_REGISTRY)
        parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS)
        parser.add_argument("--static-dir", type=Path, default=APP_STATIC_DIR)

    def handle(self, *args: Any, **options: Any) -> None:
        outcome = fetch_echarts(
            static_dir=options["static_dir"],
            registry=options["registry"],
            timeout=options["timeout"],
        )
        name = f"{ECHARTS.package}@{ECHARTS.version} {ECHARTS.file}"
        if outcome.action == "failed":
            raise CommandError(
                f"{name} could not be fetched: {outcome.error}. The bureau dashboards serve "
                "ECharts only from this project and draw no charts without it; run "
                "`ruralmart fetch_echarts` again with the npm registry reachable "
                "(--registry for a mirror)."
            )
        self.stdout.write(f"{outcome.action} {name} (sha256 verified) -> {outcome.path}")
