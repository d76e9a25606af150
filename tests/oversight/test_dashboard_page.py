"""The township dashboard in a real browser: a township officer logs in through the admin
form, the charts render, and the series read back from ECharts equal the figures summed
from the order rows. A screenshot is kept as a test artefact."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from marketplace.accounts.models import Role
from marketplace.orders.models import OrderLine
from marketplace.oversight.refresh import figures_refresh
from tests import factories
from tests.browser import keep_screenshot
from tests.oversight.world import at, buy, deliver, oversight_township

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Bureau-pass-2026"
SERIES_JS = "key => echarts.getInstanceByDom(document.getElementById('chart-' + key))"
READ_SERIES = f"""key => {{
  const chart = ({SERIES_JS})(key);
  const option = chart.getOption();
  const axis = (option.xAxis[0].type === 'category' ? option.xAxis : option.yAxis)[0];
  return {{categories: axis.data, series: option.series.map(s => ({{name: s.name, data: s.data}}))}};
}}"""


def _sales_from_rows(built: Any) -> dict[str, float]:
    return {
        v.village.name: float(
            sum(
                OrderLine.objects.filter(shop_order__shop=v.shop).values_list(
                    "total_price_amount", flat=True
                ),
                Decimal("0.00"),
            )
        )
        for v in built.villages
    }


def test_a_township_officer_sees_charts_with_the_right_series(
    live_server: Any,
    chromium_page: Any,
) -> None:
    built = oversight_township(villages=3)
    prices = {0: ["30.00", "45.50"], 1: ["12.00"], 2: ["88.00", "10.00", "5.00"]}
    for index, amounts in prices.items():
        for n, amount in enumerate(amounts):
            order = buy(built.villages[index], buyer=None, placed=at(2026, 9 + n, 5), price=amount)
            deliver(order, collected=at(2026, 9 + n, 6), delivered=at(2026, 9 + n, 8))
    figures_refresh()
    officer = factories.user(
        role=Role.TOWNSHIP_OFFICER,
        township_obj=built.township,
        is_staff=True,
        password=PASSWORD,
        email="officer@bureau.example.cn",
    )
    target = f"/admin/bureau/township/{built.township.pk}/?kind=range&start=2026-09&end=2026-11"
    page = chromium_page
    page.goto(f"{live_server.url}/admin/login/?next={target.replace('&', '%26')}")
    page.fill("input[name=username]", officer.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#chart-sales_by_village[data-rendered=true]")
    page.wait_for_selector("#chart-delivery_times[data-rendered=true]")
    assert "数据更新于" in page.inner_text("#bureau-freshness")

    expected = _sales_from_rows(built)
    by_village = page.evaluate(READ_SERIES, "sales_by_village")
    sales = dict(zip(by_village["categories"], by_village["series"][0]["data"], strict=True))
    assert sales == expected
    ranking = page.evaluate(READ_SERIES, "village_ranking")
    ranked = dict(zip(ranking["categories"], ranking["series"][0]["data"], strict=True))
    assert ranked == expected
    # Drawn bottom-up: the best village is the last category of the horizontal bars.
    assert ranking["categories"][-1] == max(expected, key=expected.__getitem__)
    by_month = page.evaluate(READ_SERIES, "sales_by_month")
    assert by_month["categories"] == ["2026-09", "2026-10", "2026-11"]
    assert by_month["series"][0]["data"] == [30.0 + 12.0 + 88.0, 45.5 + 10.0, 5.0]
    delivery = page.evaluate(READ_SERIES, "delivery_times")
    assert delivery["series"][0]["name"] == "中位数（天）"
    assert delivery["series"][0]["data"] == [2.0, 2.0, 2.0]
    kinds = page.evaluate(READ_SERIES, "sales_by_kind")
    assert dict(zip(kinds["categories"], kinds["series"][0]["data"], strict=True))[
        "特色农产品"
    ] == sum(expected.values())
    assert keep_screenshot(page, "township-dashboard").stat().st_size > 10_000
