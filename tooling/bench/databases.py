"""The bench database: where it lives, creating, dropping, migrating and recognising it.

The bench database sits on the same PostgreSQL server as DATABASE_URL (for the embedded
server, the same socket) under its own name, so a benchmark never touches demo or test data.
It is recognised as seeded by a comment on the database, written only after a complete seed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from urllib.parse import unquote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

# The comment the seeder leaves on a finished bench database. The version changes whenever
# the seeded data changes shape, so an old bench database is reseeded rather than reused.
SEED_FORMAT_VERSION = 1
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class BenchDatabaseError(RuntimeError):
    """A refusal or failure preparing the bench database, phrased for the terminal."""


def database_name(url: str) -> str:
    return unquote(urlsplit(url).path.lstrip("/"))


def database_url_with_name(url: str, name: str) -> str:
    """`url` with its database replaced by `name`; host, socket and options are kept."""
    check_name(name)
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def check_name(name: str) -> None:
    if not _NAME.match(name):
        raise BenchDatabaseError(
            f"'{name}' is not a plain database name (lower-case letters, digits, underscores)."
        )


def check_not_shared(*, bench_name: str, main_url: str) -> None:
    """Refuse a bench name that is the demo or the test database: the bench drops it."""
    main = database_name(main_url)
    test = os.environ.get("TEST_DATABASE_NAME", "test_ruralmart")
    if bench_name in {main, test, f"test_{main}", "postgres", "template0", "template1"}:
        raise BenchDatabaseError(
            f"'{bench_name}' is the application, test or a system database; the benchmark "
            "needs a database of its own (see --database)."
        )


def seed_marker(*, products: int, shops: int, variants: int) -> str:
    return (
        f"ruralmart-bench format={SEED_FORMAT_VERSION} "
        f"products={products} shops={shops} variants={variants}"
    )


def _connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True, connect_timeout=10)


def database_exists(*, server_url: str, name: str) -> bool:
    with _connect(database_url_with_name(server_url, "postgres")) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def create_database(*, server_url: str, name: str) -> None:
    with _connect(database_url_with_name(server_url, "postgres")) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(*, server_url: str, name: str) -> None:
    check_not_shared(bench_name=name, main_url=server_url)
    with _connect(database_url_with_name(server_url, "postgres")) as conn:
        # FORCE ends connections left by an interrupted run (PostgreSQL 13 and later).
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def read_marker(url: str) -> str | None:
    with _connect(url) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = current_database()"
        ).fetchone()
    return row[0] if row else None


def marker_statement(*, name: str, marker: str) -> str:
    """SQL labelling the database as completely seeded (run by the seeding process itself).

    COMMENT takes no bind parameters, so the name is checked and the text quoted here.
    """
    check_name(name)
    return f"COMMENT ON DATABASE \"{name}\" IS '{marker.replace(chr(39), chr(39) * 2)}'"


def run_ruralmart(
    args: list[str], *, database_url: str, extra_env: Mapping[str, str] | None = None
) -> None:
    """Run a `ruralmart` command in a child process against `database_url`."""
    env = {**os.environ, "DATABASE_URL": database_url, **(extra_env or {})}
    completed = subprocess.run([sys.executable, "-m", "marketplace.cli", *args], env=env)
    if completed.returncode != 0:
        raise BenchDatabaseError(
            f"`ruralmart {' '.join(args)}` failed with exit code {completed.returncode}."
        )


def ensure_seeded(
    *,
    server_url: str,
    name: str,
    products: int,
    shops: int,
    variants: int,
    reseed: bool,
    say: Callable[[str], None],
) -> str:
    """Create, migrate and seed the bench database unless it already holds this data set.

    Returns its URL. A bench database without the finished-seed marker (an interrupted or
    older seed) is dropped and made again: it holds nothing but bench data.
    """
    check_name(name)
    check_not_shared(bench_name=name, main_url=server_url)
    url = database_url_with_name(server_url, name)
    marker = seed_marker(products=products, shops=shops, variants=variants)
    exists = database_exists(server_url=server_url, name=name)
    if exists and not reseed and read_marker(url) == marker:
        say(f"Bench database '{name}' already holds the data set ({marker}); not reseeding.")
        # New migrations may have landed since it was seeded.
        run_ruralmart(["migrate", "--noinput", "-v", "0"], database_url=url)
        return url
    if exists:
        say(f"Dropping bench database '{name}' to seed it afresh.")
        drop_database(server_url=server_url, name=name)
    say(f"Creating bench database '{name}' and migrating it.")
    create_database(server_url=server_url, name=name)
    run_ruralmart(["migrate", "--noinput", "-v", "0"], database_url=url)
    say(f"Seeding {products} products × {variants} variants across {shops} shops.")
    run_ruralmart(
        [
            "bench", "seed-current",
            "--expect-database", name,
            "--products", str(products),
            "--shops", str(shops),
            "--variants", str(variants),
        ],
        database_url=url,
    )  # fmt: skip
    if read_marker(url) != marker:
        raise BenchDatabaseError(f"Seeding '{name}' finished without leaving its marker.")
    return url
