"""The bench database every scenario runs on: its options, its preparation, and the guard
a child process runs before it writes to it; with the errors a scenario ends on.

What comes in: DATABASE_URL's server (`databases.ensure_seeded` creates the bench
database there). What goes out: the bench database's URL. The scenarios import this
module; it imports none of them, so `scenarios` and `checkout` need no import inside a
function to reach it.
"""

from __future__ import annotations

import os
from argparse import ArgumentParser
from collections.abc import Callable
from typing import Any

from django.db import connection

from tooling.bench import databases

Say = Callable[[str], None]


class ScenarioFailed(RuntimeError):
    """The scenario could not produce trustworthy figures; the command exits non-zero."""


class TargetsMissed(RuntimeError):
    """The figures are valid but miss a target (an error only under --strict)."""


def _main_database_url() -> str:
    # `ruralmart` sets DATABASE_URL (the operator's or the embedded server's) before Django.
    return os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/ruralmart"


def add_dataset_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        default="ruralmart_bench",
        help="Bench database name, on DATABASE_URL's server (default: ruralmart_bench).",
    )
    parser.add_argument("--reseed", action="store_true", help="Drop and seed it again.")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--shops", type=int, default=50)
    parser.add_argument("--variants", type=int, default=3, help="Variants per product (1–3).")


def dataset_settings(options: dict[str, Any]) -> dict[str, Any]:
    """The data-set options as a scenario's JSON record names them."""
    return {name: options[name] for name in ("database", "products", "shops", "variants")}


def prepare(options: dict[str, Any], say: Say) -> str:
    """Create, migrate and seed the bench database unless it already holds this data set."""
    try:
        return databases.ensure_seeded(
            server_url=_main_database_url(),
            name=options["database"],
            products=options["products"],
            shops=options["shops"],
            variants=options["variants"],
            reseed=options["reseed"],
            say=say,
        )
    except databases.BenchDatabaseError as exc:
        raise ScenarioFailed(str(exc)) from exc


def require_bench_database(expected: str) -> str:
    """The connected database's name, once it is the bench database a child was sent to.

    The internal scenarios write to whatever they are connected to; this stops them when
    DATABASE_URL points anywhere else (the demo or a test database).
    """
    name = connection.settings_dict["NAME"]
    if name != expected:
        raise ScenarioFailed(f"Connected to '{name}', not the bench database '{expected}'.")
    return name
