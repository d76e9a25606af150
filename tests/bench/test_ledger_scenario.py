"""The `ledger` scenario at a tiny size against the test database: it seeds due lines,
settles them through the real batch settler, counts statements for two batch sizes and
times the statements; the report carries the figures and the targets' verdicts."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from collective_econ.models import JournalTransaction
from tests import factories
from tooling.bench import ledger
from tooling.bench.dataset import ScenarioFailed
from tooling.bench.scenarios import SCENARIOS


def _parsed(add: Any, argv: list[str]) -> dict[str, Any]:
    parser = ArgumentParser()
    add(parser)
    return vars(parser.parse_args(argv))


def test_the_scenario_is_registered_with_its_child() -> None:
    assert {"ledger", "ledger-measure"} <= set(SCENARIOS)
    assert SCENARIOS["ledger-measure"].hidden
    options = _parsed(ledger.add_arguments, [])
    assert (options["lines"], options["database"]) == (100_000, "ruralmart_bench_ledger")


@pytest.mark.django_db
def test_a_tiny_run_settles_every_line_with_equal_statements_per_batch(tmp_path: Path) -> None:
    for _ in range(2):
        factories.shop()
    result_file = tmp_path / "ledger.json"
    options = _parsed(
        ledger.add_measure_arguments,
        [
            "--expect-database", connection.settings_dict["NAME"],
            "--lines", "40", "--batch-size", "7", "--count-sizes", "3,9",
            "--statements", "5", "--result-file", str(result_file), "--quiet",
        ],
    )  # fmt: skip
    ledger.run_measure(options, print)
    result = json.loads(result_file.read_text())
    assert result["lines"] == JournalTransaction.objects.filter(kind="SETTLEMENT").count()
    assert result["lines"] >= 40 + 3 + 9
    counts = {b["statements"] for b in result["statements_per_batch"]}
    assert len(counts) == 1
    assert result["lines_per_second"] > 0
    assert result["household"]["count"] == 5


def test_the_child_refuses_another_database(tmp_path: Path) -> None:
    options = _parsed(
        ledger.add_measure_arguments,
        ["--expect-database", "nope", "--lines", "1", "--batch-size", "1", "--count-sizes",
         "1,2", "--statements", "1", "--result-file", str(tmp_path / "r")],
    )  # fmt: skip
    with pytest.raises(ScenarioFailed):
        ledger.run_measure(options, print)


@pytest.mark.parametrize(("rate", "verdict"), [(2500.0, "[ok]"), (900.0, "[MISSED]")])
def test_the_report_checks_the_targets(tmp_path: Path, rate: float, verdict: str) -> None:
    said: list[str] = []
    result = {
        "lines": 100, "settled_timed": 90, "seconds": 1.0, "lines_per_second": rate,
        "batch_size": 10,
        "statements_per_batch": [{"size": 3, "statements": 8}, {"size": 9, "statements": 8}],
        "commit": {"lines": 10, "statements_ms": 5.0, "commit_ms": 2.0},
        "village": {"name": "冰岛村", "lines": 40, "p50_ms": 3.0},
        "household": {"count": 5, "p50_ms": 4.0, "p95_ms": 6.0, "mean_ms": 4.2},
        "households": 40,
    }  # fmt: skip
    options = _parsed(ledger.add_arguments, ["--strict"])
    if verdict == "[MISSED]":
        with pytest.raises(Exception, match="lines per second"):
            ledger.report(
                result, options=options, started=datetime.now(), say=said.append,
                directory=tmp_path,
            )  # fmt: skip
    else:
        ledger.report(
            result, options=options, started=datetime.now(), say=said.append, directory=tmp_path
        )
    assert verdict in next(line for line in said if "lines per second" in line)
    assert "Statements per batch: 3 lines -> 8, 9 lines -> 8" in said
    assert next(tmp_path.glob("bench/ledger-*.json")).exists()
