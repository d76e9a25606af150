"""The `counter` scenario at a tiny size: it opens a supermarket on the first approved
shop, sells 5-line sales through the Alipay sandbox, times the sandbox alone, counts
statements and the page's bytes, then pays electricity bills against the agency sandbox;
the report's checks read those figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import factories
from tooling.bench import counter


@pytest.mark.django_db
def test_a_tiny_counter_run_measures_sales_sandbox_and_page(tmp_path: Path) -> None:
    factories.shop()
    said: list[str] = []
    result = counter.measure(sales=3, warmup=1, say=said.append, data_dir=tmp_path)
    assert result["sale"]["count"] == 3 and result["sandbox_round_trip"]["count"] == 3
    assert len(result["statements"]) == 1, result["statements"]
    assert 0 < result["page"]["first_load"] < result["page"]["after_login"]
    checks = counter.checks_for(result)
    assert [c.name for c in checks] == [
        "sale p50 without the sandbox",
        "statements per sale",
        "page first load",
        "agency bill payment statements",
    ]
    (bill,) = result["extras"]
    assert bill["summary"]["count"] == 3 and bill["check"]["passed"], bill
    text = "\n".join(counter.render(result, checks))
    assert "Counter sale, 5 lines" in text and "sandbox round trip alone" in text
    assert "Agency electricity bill" in text
    # A second run on the same database reuses the supermarket and tops the stock up.
    again = counter.measure(sales=1, warmup=0, say=said.append, data_dir=tmp_path)
    assert again["sale"]["count"] == 1
