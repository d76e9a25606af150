"""Latency statistics: the percentiles the benchmark reports and its targets compare."""

from __future__ import annotations

import pytest

from tooling.bench.stats import percentile, summarize


def test_percentiles_interpolate_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 100.0


def test_percentile_ignores_input_order_and_handles_one_value() -> None:
    assert percentile([9.0, 1.0, 5.0], 50) == 5.0
    assert percentile([7.0], 95) == 7.0


def test_percentile_refuses_empty_input_and_out_of_range_q() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_summary_is_in_milliseconds_and_a_slow_tail_moves_only_p95() -> None:
    seconds = [0.010] * 95 + [0.200] * 5
    summary = summarize(seconds)
    assert summary.count == 100
    assert summary.p50_ms == pytest.approx(10.0)
    assert summary.p95_ms == pytest.approx(19.5)  # between the last fast and first slow one
    assert summary.max_ms == pytest.approx(200.0)
    assert summary.mean_ms == pytest.approx(19.5)
    assert summary.as_dict()["p50_ms"] == 10.0


def test_summary_refuses_no_samples() -> None:
    with pytest.raises(ValueError):
        summarize([])
