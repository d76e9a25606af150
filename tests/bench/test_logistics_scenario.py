"""The `logistics` scenario runs the tracking-callback benchmark in its measuring child and
reports its figures and checks beside the pricing ones."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

import pytest

from tooling.bench import logistics


def _parsed(add: Any, argv: list[str]) -> dict[str, Any]:
    parser = ArgumentParser()
    add(parser)
    return vars(parser.parse_args(argv))


def test_both_parsers_take_the_callback_options() -> None:
    options = _parsed(logistics.add_arguments, ["--callback-pushes", "50"])
    assert (options["callback_pushes"], options["callback_waybills"]) == (50, 20)
    child = _parsed(
        logistics.add_measure_arguments,
        ["--expect-database", "x", "--calls", "1", "--warmup", "0", "--result-file", "r"],
    )
    assert child["callback_pushes"] == 200


@pytest.mark.parametrize(("p50", "verdict"), [(6.5, "[ok] callback p50"), (16.0, "[MISSED]")])
def test_the_report_carries_the_callback_figures(
    monkeypatch: Any, settings: Any, tmp_path: Path, p50: float, verdict: str
) -> None:
    settings.DATA_DIR = tmp_path
    seen: list[list[str]] = []

    def fake_child(args: list[str], *, database_url: str) -> None:
        seen.append(args)
        result_file = Path(args[args.index("--result-file") + 1])
        latency = {"count": 5, "p50_ms": 7.0, "p95_ms": 9.0, "mean_ms": 7.5}
        callback = {"count": 9, "p50_ms": p50, "p95_ms": 12.0, "statements_per_push": [1, 2]}
        result_file.write_text(
            json.dumps(
                {"latency": latency, "statements": [1], "shops": 10, "lines": 30,
                 "methods": 10, "callback": callback}
            )
        )  # fmt: skip

    monkeypatch.setattr(logistics, "prepare", lambda options, say: "postgresql://bench")
    monkeypatch.setattr(logistics.databases, "run_ruralmart", fake_child)
    options = _parsed(logistics.add_arguments, ["--callback-pushes", "9"])
    said: list[str] = []
    logistics.run(options, said.append)

    argv = seen[0]
    assert argv[argv.index("--callback-pushes") + 1] == "9"
    text = "\n".join(said)
    assert f"Tracking callback, 9 pushes: p50 {p50:.2f} ms  p95 12.00 ms" in text
    assert "statements/push 1–2" in text
    assert verdict in next(line for line in said if "callback p50" in line)
    report = json.loads(next(tmp_path.glob("bench/logistics-*.json")).read_text())
    assert {c["name"] for c in report["checks"]} >= {"callback p50", "statements per push"}
