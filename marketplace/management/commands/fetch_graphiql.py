"""`ruralmart fetch_graphiql`: vendor GraphiQL's browser files from npm, checked against the
hashes graphene-django pins, so `/graphql/` works with no internet (storefront_api.graphiql_assets).

Needs the npm registry, never the database. `make` runs it once after installing and carries on
if it fails; GraphiQL then loads the same files from the CDN.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from storefront_api.graphiql_assets import (
    APP_STATIC_DIR,
    DEFAULT_TIMEOUT_SECONDS,
    NPM_REGISTRY,
    fetch_assets,
)


class Command(BaseCommand):
    help = "Fetch GraphiQL's scripts and styles from npm, check their hashes, serve them locally."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--registry",
            default=NPM_REGISTRY,
            help=f"npm registry to download from, e.g. a mirror (default {NPM_REGISTRY}).",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=DEFAULT_TIMEOUT_SECONDS,
            help="Seconds to wait on each download.",
        )
        parser.add_argument(
            "--static-dir",
            type=Path,
            default=APP_STATIC_DIR,
            help="Static folder to write graphiql/vendor/ into (default: the API app's).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        outcomes = fetch_assets(
            static_dir=options["static_dir"],
            registry=options["registry"],
            timeout=options["timeout"],
        )
        for outcome in outcomes:
            name = f"{outcome.asset.package}@{outcome.asset.version} {outcome.asset.file}"
            if outcome.action == "failed":
                self.stderr.write(f"failed   {name}: {outcome.error}")
            else:
                verb = "fetched " if outcome.action == "fetched" else "present "
                self.stdout.write(f"{verb} {name} (sha256 verified) -> {outcome.path}")
        failed = sum(outcome.action == "failed" for outcome in outcomes)
        if failed:
            raise CommandError(
                f"{failed} of {len(outcomes)} GraphiQL files could not be fetched; "
                "GraphiQL loads them from the CDN until this succeeds."
            )
        self.stdout.write(
            f"GraphiQL's {len(outcomes)} files are served locally; run collectstatic if "
            "this server serves STATIC_ROOT."
        )
