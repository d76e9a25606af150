"""Every dashboard figure equals the sums of the rows it comes from; refreshes rebuild only
the months touched; a dashboard costs the same SQL statements for 2 and 12 villages."""

from __future__ import annotations

import statistics
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from collective_econ.models import AccountKind, JournalKind, Posting
from marketplace.accounts.models import Role
from marketplace.orders.models import OrderLine
from marketplace.oversight.access import county_scope, township_scope
from marketplace.oversight.dashboard import dashboard_build
from marketplace.oversight.models import VillageMonthFigures
from marketplace.oversight.periods import Period
from marketplace.oversight.refresh import figures_refresh
from tests import factories
from tests.oversight.world import at, buy, deliver, oversight_township, refund, settle

pytestmark = pytest.mark.django_db

Q4 = Period(kind="range", first_month=date(2026, 9, 1), last_month=date(2026, 11, 1))
NOW = datetime(2026, 12, 3, 12, tzinfo=timezone.get_default_timezone())


def _history(built, buyers):
    v1, v2 = built.villages[0], built.villages[1]
    orders = [
        buy(v1, buyer=buyers[0], placed=at(2026, 9, 5), price="30.00"),
        buy(v1, buyer=buyers[0], placed=at(2026, 10, 5), price="50.00"),
        buy(v1, buyer=buyers[1], placed=at(2026, 10, 20), price="80.00", homestay=True),
        buy(v2, buyer=buyers[1], placed=at(2026, 11, 2), price="20.00"),
        buy(v2, buyer=None, placed=at(2026, 11, 3), price="26.00"),
        # Outside the period: must not count.
        buy(v2, buyer=buyers[2], placed=at(2026, 8, 30), price="999.00"),
    ]
    settle(orders[0], posted=at(2026, 9, 20))
    settle(orders[1], posted=at(2026, 10, 25))
    settle(orders[3], posted=at(2026, 11, 20))
    deliver(orders[0], collected=at(2026, 9, 6), delivered=at(2026, 9, 8, hour=16))
    deliver(orders[1], collected=at(2026, 10, 6), delivered=at(2026, 10, 9))
    deliver(orders[3], collected=at(2026, 11, 2, hour=18), delivered=at(2026, 11, 4))
    deliver(orders[4], collected=at(2026, 11, 4), delivered=at(2026, 11, 6), problem="DAMAGED")
    refund(orders[1], amount="20.00", completed=at(2026, 10, 28))
    return orders


def _lines_in_period():
    return OrderLine.objects.filter(
        shop_order__order__created_at__gte=at(2026, 9, 1, hour=0),
        shop_order__order__created_at__lt=at(2026, 12, 1, hour=0),
    )


def _dashboard(built, user):
    return dashboard_build(
        scope=township_scope(user=user, township_id=built.township.pk), period=Q4, now=NOW
    )


def test_figures_equal_the_sums_of_the_rows():
    built = oversight_township(villages=2)
    buyers = [factories.user() for _ in range(3)]
    _history(built, buyers)
    figures_refresh()
    officer = factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=built.township)
    board = _dashboard(built, officer)

    lines = list(_lines_in_period().select_related("shop_order__shop"))
    by_village = {
        v.village.name: sum(
            (ln.total_price_amount for ln in lines if ln.shop_order.shop_id == v.shop.pk),
            Decimal("0.00"),
        )
        for v in built.villages
    }
    village_panel = board.panel("sales_by_village")
    assert {row[0]: row[1] for row in village_panel.rows} == by_village
    assert sum(by_village.values()) == Decimal("206.00")
    kinds = {row[0]: row[1] for row in board.panel("sales_by_kind").rows}
    assert kinds["民宿"] == sum(
        (ln.total_price_amount for ln in lines if ln.offering_kind == "HOMESTAY"), Decimal(0)
    )
    assert kinds["特色农产品"] == Decimal("126.00")
    months = {row[0]: row[1] for row in board.panel("sales_by_month").rows}
    assert months == {
        "2026-09": Decimal("30.00"),
        "2026-10": Decimal("130.00"),
        "2026-11": Decimal("46.00"),
    }
    ranking = board.panel("village_ranking").rows
    assert [row[0] for row in ranking] == sorted(by_village, key=lambda k: -by_village[k])

    summary = dict(board.panel("buyers_summary").rows)
    # buyer 0 twice, buyer 1 twice (two villages), one guest once; buyer 2 outside the period.
    assert summary == {
        "店铺订单数": 5,
        "买家数": 3,
        "复购买家数": 2,
        "复购率（%）": Decimal("66.67"),
    }

    credited = -sum(
        Posting.objects.filter(
            account__kind=AccountKind.HOUSEHOLD, transaction__kind=JournalKind.SETTLEMENT
        ).values_list("amount", flat=True)
    )
    households = dict(board.panel("households_summary").rows)
    assert households["受益户数"] == 2
    assert households["农户结算收入（元）"] == credited
    assert households["户均收入（元）"] == (credited / 2).quantize(Decimal("0.01"))
    assert households["人均收入（元）"] == (credited / 6).quantize(Decimal("0.01"))
    # Tens of yuan over a quarter is far below a line of thousands a year.
    assert households["低于监测线户数"] == 2

    durations = {
        "2026-09": [2 * 1440 + 6 * 60],
        "2026-10": [3 * 1440],
        "2026-11": [40 * 60],
    }
    delivery = {row[0]: row for row in board.panel("delivery_times").rows}
    for month, minutes in durations.items():
        assert delivery[month][1] == (Decimal(statistics.median(minutes)) / 1440).quantize(
            Decimal("0.01")
        )
        assert delivery[month][3] == 1
    assert delivery["2026-11"][4] == 1  # the damaged parcel
    everything = sorted(m for ms in durations.values() for m in ms)
    p90 = statistics.quantiles(everything, n=10, method="inclusive")[8]
    logistics = {label: value for label, value, _ in board.sections[3].headline}
    assert logistics["P90 时效"] == (Decimal(str(p90)) / 1440).quantize(Decimal("0.01"))

    rates = {row[0]: row for row in board.panel("refund_rates").rows}
    first = built.villages[0].village.name
    assert rates[first][2] == Decimal("20.00")
    assert rates[first][3] == (Decimal("20.00") * 100 / by_village[first]).quantize(Decimal("0.01"))
    assert rates[first][4] == "是"  # 12.5 % is above the 10 % threshold


def test_price_changes_and_stale_shops_are_flagged():
    built = oversight_township(villages=2)
    v1 = built.villages[0]
    buy(v1, buyer=None, placed=at(2026, 9, 5), price="20.00")
    buy(v1, buyer=None, placed=at(2026, 11, 5), price="30.00")
    figures_refresh()
    stale = built.villages[1]
    stale.shop.products.update(updated_at=at(2026, 1, 1))
    board = _dashboard(built, factories.platform_admin())
    changes = board.panel("price_changes").rows
    assert [(row[0], row[3], row[4], row[5]) for row in changes] == [
        (v1.village.name, Decimal("20.00"), Decimal("30.00"), Decimal("50.00"))
    ]
    stale_rows = board.panel("stale_shops").rows
    assert [row[1] for row in stale_rows] == [stale.shop.name]
    assert "未更新" in stale_rows[0][4]


def test_a_refresh_rebuilds_only_the_months_touched(settings):
    settings.OVERSIGHT_REFRESH_MARGIN_SECONDS = 0
    built = oversight_township(villages=2)
    v1 = built.villages[0]
    september = buy(v1, buyer=None, placed=at(2026, 9, 5), price="30.00")
    buy(v1, buyer=None, placed=at(2026, 10, 5), price="40.00")
    first = figures_refresh()
    assert first.run.full and first.months == [date(2026, 9, 1), date(2026, 10, 1)]
    september_row = VillageMonthFigures.objects.get(month=date(2026, 9, 1))

    buy(v1, buyer=None, placed=at(2026, 10, 9), price="5.00")
    second = figures_refresh(now=timezone.now())
    assert not second.run.full
    assert second.months == [date(2026, 10, 1)]
    assert VillageMonthFigures.objects.get(month=date(2026, 9, 1)).pk == september_row.pk
    assert VillageMonthFigures.objects.get(month=date(2026, 10, 1)).sales_total == Decimal("45.00")

    # Cancelling a September order touches September only, and its sales go.
    september.order.status = "CANCELED"
    september.order.save(update_fields=["status", "updated_at"])
    third = figures_refresh()
    assert third.months == [date(2026, 9, 1)]
    assert not VillageMonthFigures.objects.filter(month=date(2026, 9, 1)).exists()

    # Nothing changed: nothing rebuilt, and the run still records its freshness.
    assert figures_refresh().months == []


def _statements(villages: int) -> int:
    built = oversight_township(villages=villages)
    for index, village in enumerate(built.villages):
        order = buy(village, buyer=None, placed=at(2026, 10, 5), price=f"{20 + index}.00")
        settle(order, posted=at(2026, 10, 20))
        deliver(order, collected=at(2026, 10, 6), delivered=at(2026, 10, 8))
    figures_refresh(full=True)
    officer = factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=built.township)
    with CaptureQueriesContext(connection) as ctx:
        board = _dashboard(built, officer)
    assert len(board.panel("sales_by_village").rows) == villages
    return len(ctx.captured_queries)


def test_a_dashboard_costs_the_same_statements_for_2_and_12_villages():
    assert _statements(2) == _statements(12)


def test_a_county_dashboard_sums_its_townships():
    county = factories.county()
    one = oversight_township(villages=1, township=factories.township(county_obj=county))
    two = oversight_township(villages=2, township=factories.township(county_obj=county))
    buy(one.villages[0], buyer=None, placed=at(2026, 10, 5), price="10.00")
    buy(two.villages[1], buyer=None, placed=at(2026, 10, 5), price="15.00")
    figures_refresh()
    officer = factories.user(role=Role.COUNTY_OFFICER, county_obj=county)
    board = dashboard_build(scope=county_scope(user=officer, county_id=county.pk), period=Q4)
    assert len(board.panel("sales_by_village").rows) == 3
    total = {label: value for label, value, _ in board.sections[0].headline}["销售额"]
    assert total == Decimal("25.00")


def test_households_are_compared_with_their_provinces_line_and_clawbacks_count():
    from collective_econ.models import PovertyMonitoringLine
    from marketplace.divisions.models import Province

    built = oversight_township(villages=2)
    buyers = [factories.user() for _ in range(3)]
    _history(built, buyers)
    # get_or_create: a transactional test elsewhere in the suite may have flushed the
    # provinces the migration seeds (and the factory's county codes wander past 53).
    code = built.township.county.code[:2]
    province, _ = Province.objects.get_or_create(code=code, defaults={"name": f"测试省{code}"})
    # A line of ¥10 a year per person: the tens of yuan each household earned in the
    # quarter, annualised, clear it, so nobody is below; the default line of thousands
    # would have put both below.
    PovertyMonitoringLine.objects.create(
        province=province, year=2026, annual_per_capita_income=Decimal("10.00")
    )
    figures_refresh()
    officer = factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=built.township)
    households = dict(_dashboard(built, officer).panel("households_summary").rows)
    assert households["监测线（元/人/年）"] == Decimal("10.00")
    assert households["低于监测线户数"] == 0
    # The income is the watch's: settlements less their clawbacks, household and receivable.
    net = -sum(
        Posting.objects.filter(
            account__kind__in=[AccountKind.HOUSEHOLD, AccountKind.HOUSEHOLD_RECEIVABLE],
            transaction__kind__in=[JournalKind.SETTLEMENT, JournalKind.CLAWBACK],
        ).values_list("amount", flat=True)
    )
    assert households["农户结算收入（元）"] == net
