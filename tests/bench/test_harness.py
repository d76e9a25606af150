"""The bench harness without a server: bench database naming and guards, reply checks,
target evaluation and the report file."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from tooling.bench import browse, databases
from tooling.bench.client import Reply
from tooling.bench.stats import summarize


def test_bench_url_keeps_the_server_and_changes_only_the_database() -> None:
    tcp = "postgresql://postgres:secret@127.0.0.1:5432/rm_demo?sslmode=disable"
    assert databases.database_url_with_name(tcp, "ruralmart_bench") == (
        "postgresql://postgres:secret@127.0.0.1:5432/ruralmart_bench?sslmode=disable"
    )
    # The embedded server's URL names a Unix socket in the query string.
    socket = "postgresql://postgres:@/ruralmart?host=/data/.ruralmart/pgdata"
    bench = databases.database_url_with_name(socket, "ruralmart_bench")
    assert bench == "postgresql://postgres:@/ruralmart_bench?host=/data/.ruralmart/pgdata"
    assert databases.database_name(bench) == "ruralmart_bench"


@pytest.mark.parametrize("name", ["Bench", "bench-db", "bench; DROP DATABASE x", "", "1bench"])
def test_refuses_names_that_are_not_plain_identifiers(name: str) -> None:
    with pytest.raises(databases.BenchDatabaseError):
        databases.database_url_with_name("postgresql://postgres@127.0.0.1/x", name)


@pytest.mark.parametrize("name", ["rm_demo", "test_rm_demo", "postgres", "template1"])
def test_refuses_to_bench_in_the_application_test_or_system_database(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_DATABASE_NAME", "test_rm_demo")
    with pytest.raises(databases.BenchDatabaseError):
        databases.check_not_shared(
            bench_name=name, main_url="postgresql://postgres@127.0.0.1/rm_demo"
        )
    databases.check_not_shared(
        bench_name="ruralmart_bench", main_url="postgresql://postgres@127.0.0.1/rm_demo"
    )


def test_seed_marker_names_the_data_set_and_is_quoted_safely() -> None:
    marker = databases.seed_marker(products=10_000, shops=50, variants=3)
    assert "products=10000 shops=50 variants=3" in marker
    assert marker != databases.seed_marker(products=30, shops=3, variants=3)
    statement = databases.marker_statement(name="ruralmart_bench", marker="it's")
    assert statement == "COMMENT ON DATABASE \"ruralmart_bench\" IS 'it''s'"


def _reply(body: object, status: int = 200, queries: int | None = 9) -> Reply:
    raw = json.dumps(body).encode()
    return Reply(status=status, seconds=0.01, body=body, raw=raw, queries=queries)  # type: ignore[arg-type]


def _page(total: int, edges: int) -> dict[str, object]:
    return {"data": {"products": {"totalCount": total, "edges": [{"node": {}}] * edges}}}


def test_reply_problems_cover_status_errors_and_missing_data() -> None:
    assert _reply(_page(5, 5)).problem() is None
    assert "HTTP 500" in (_reply(_page(5, 5), status=500).problem() or "")
    assert "GraphQL errors" in (_reply({"errors": [{"message": "boom"}]}).problem() or "")
    assert "no data" in (_reply({"data": None}).problem() or "")
    not_json = Reply(status=200, seconds=0.01, body=None, raw=b"<html>", queries=None)
    assert "not JSON" in (not_json.problem() or "")


def test_shape_check_fails_on_errors_empty_results_and_short_pages() -> None:
    workload = browse.WORKLOADS[0]  # first: 20
    assert browse._check_shape(_reply(_page(10_000, 20)), workload) == (10_000, 20)
    assert browse._check_shape(_reply(_page(7, 7)), workload) == (7, 7)
    with pytest.raises(browse.BenchFailure, match="no products"):
        browse._check_shape(_reply(_page(0, 0)), workload)
    with pytest.raises(browse.BenchFailure, match="edges"):
        browse._check_shape(_reply(_page(10_000, 3)), workload)
    with pytest.raises(browse.BenchFailure, match="GraphQL errors"):
        browse._check_shape(_reply({"errors": [{"message": "x"}], "data": None}), workload)


def _result(key: str, p50_s: float, queries: list[int]) -> browse.WorkloadResult:
    workload = next(w for w in browse.WORKLOADS if w.key == key)
    summary = summarize([p50_s] * 10)
    return browse.WorkloadResult(
        workload=workload,
        sequential=summary,
        concurrent=summary,
        requests_per_second=100.0,
        query_counts=queries,
        total_count=10_000,
        edges=workload.page_size,
    )


def test_targets_pass_when_fast_and_query_count_is_flat() -> None:
    results = [
        _result("list20", 0.010, [9]),
        _result("list100", 0.030, [9]),
        _result("search_tea", 0.020, [9]),
    ]
    checks = browse.evaluate(results)
    assert [c.passed for c in checks] == [True, True, True]
    table = browse.render(results, checks)
    assert "PASS" in table and "MISS" not in table


def test_targets_miss_when_slow_or_query_count_grows_with_the_page() -> None:
    results = [_result("list20", 0.016, [9]), _result("list100", 0.010, [13])]
    checks = {c.name: c for c in browse.evaluate(results)}
    assert not checks["products(first: 20) p50"].passed
    assert not checks["SQL queries independent of page size"].passed
    assert "MISS" in browse.render(results, list(checks.values()))


def test_a_query_count_that_varies_between_requests_is_flagged() -> None:
    results = [_result("list20", 0.010, [9, 10]), _result("list100", 0.010, [9, 10])]
    checks = browse.evaluate(results)
    assert any("steady SQL count" in c.name and not c.passed for c in checks)
    assert "varies" in results[0].queries_label


def test_report_is_written_as_json_under_the_given_directory(tmp_path) -> None:
    results = [_result("list20", 0.010, [9])]
    checks = browse.evaluate(results)
    path = browse.write_report(
        directory=tmp_path / "bench",
        results=results,
        checks=checks,
        settings={"requests": 10},
        started=datetime(2026, 11, 22, 6, 0, 0),
    )
    assert path.name == "browse-20261122-060000.json"
    document = json.loads(path.read_text())
    assert document["scenario"] == "browse"
    assert document["results"][0]["sequential"]["p50_ms"] == 10.0
    assert document["passed"] is True
