"""Household and village income statements and the poverty-monitoring watch, read from a
ledger built by the real settlement, clawback and (as a manual stand-in) payout paths."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from collective_econ.error_codes import StatementErrorCode
from collective_econ.ledger.services import account_get_or_create
from collective_econ.models import AccountKind, JournalKind
from collective_econ.settlement.services import order_line_clawback
from collective_econ.statements.selectors import (
    PovertyStatus,
    collective_income_statement,
    household_statement,
    households_near_poverty_line,
    statement_period,
)
from collective_econ.statements.services import poverty_monitoring_line_set
from collective_econ.tasks import settle_due_lines
from marketplace.divisions.models import Province
from tests import factories
from tests.collective_econ.conftest import sell

pytestmark = pytest.mark.django_db


def _code(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return next(iter(exc.value.error_dict.values()))[0].code


def _post(kind: str, posted_at: datetime, legs: list[tuple[Any, str]], key: str) -> int:
    """A journal entry dated `posted_at` (the ledger never lets a row be re-dated, so a
    past month is inserted as such)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO collective_econ_journaltransaction (kind, idempotency_key, memo,"
            " posted_at) VALUES (%s, %s, '', %s) RETURNING id",
            [kind, key, posted_at],
        )
        txn = cursor.fetchone()[0]
        for account, amount in legs:
            cursor.execute(
                "INSERT INTO collective_econ_posting (transaction_id, account_id, amount,"
                " currency) VALUES (%s, %s, %s, 'CNY')",
                [txn, account.pk, amount],
            )
    return txn


def _this_year() -> int:
    return timezone.localtime().year


def test_household_statement_by_product_with_clawbacks_payouts_and_balances(
    village: Any, settings: Any
) -> None:
    settings.PLATFORM_FEE_RATES = {"urban-retail": "0.02"}
    settings.CONSIGNMENT_DEFAULT_COMMISSION_RATE = "0.10"
    hh = village.household
    a = sell(shop=village.shop, lines=[("50.00", 2, hh), ("10.00", 1, None)], shipping="8.00")
    b = sell(shop=village.shop, lines=[("50.00", 1, hh)])
    sell(shop=village.shop, lines=[("99.00", 1, village.other_household)])
    payable = account_get_or_create(kind=AccountKind.HOUSEHOLD, owner=hh)
    clearing = account_get_or_create(kind=AccountKind.ALIPAY_CLEARING)
    # Last year: ¥20 already owed to the household before this year's statement opens.
    last_year = timezone.make_aware(datetime(_this_year() - 1, 6, 1))
    _post(JournalKind.SETTLEMENT, last_year, [(clearing, "20.00"), (payable, "-20.00")], "old")
    settle_due_lines()
    payout = _post(
        JournalKind.PAYOUT, timezone.now(), [(payable, "100.00"), (clearing, "-100.00")], "pay1"
    )
    order_line_clawback(line=b.lines[0], amount="10.00", key="r1")

    statement = household_statement(household=hh, period=statement_period(year=_this_year()))
    [tea] = statement.sales
    # Names are per line in the fixture: 茶0 for both orders' first line.
    assert tea.product_name == "茶0"
    assert tea.quantity == 3
    assert tea.gross == Decimal("150.00")
    assert tea.platform_fee == Decimal("3.00")
    assert tea.commission == Decimal("15.00")
    assert tea.net == Decimal("132.00")
    assert tea.order_line_ids == sorted([a.lines[0].pk, b.lines[0].pk])
    # ¥10 clawed back, split like the settlement: the household's share came off its payable.
    assert statement.clawbacks == Decimal("8.80")
    assert statement.clawback_order_line_ids == [b.lines[0].pk]
    assert (statement.payouts, statement.payout_transaction_ids) == (Decimal("100.00"), [payout])
    assert statement.opening_balance == Decimal("20.00")
    assert statement.balance_due == Decimal("20.00") + Decimal("132.00") - Decimal("8.80") - 100
    assert statement.net_income == Decimal("123.20")
    assert statement.per_capita_income == (Decimal("123.20") / hh.member_count).quantize(
        Decimal("0.01")
    )
    assert statement.order_line_ids == sorted([a.lines[0].pk, b.lines[0].pk])

    month = timezone.localtime().month
    assert (
        household_statement(
            household=hh, period=statement_period(year=_this_year(), month=month)
        ).sales
        == statement.sales
    )
    empty = household_statement(household=hh, period=statement_period(year=_this_year() - 1))
    assert (empty.sales, empty.opening_balance, empty.balance_due) == ([], 0, Decimal("20.00"))


def test_collective_income_statement_by_source(village: Any, settings: Any) -> None:
    settings.PLATFORM_FEE_RATES = {"urban-retail": "0.05"}
    settings.CONSIGNMENT_DEFAULT_COMMISSION_RATE = "0.20"
    sold = sell(
        shop=village.shop,
        lines=[("100.00", 1, village.household), ("40.00", 1, None)],
        shipping="10.00",
    )
    elsewhere = factories.shop()
    sell(shop=elsewhere, lines=[("500.00", 1, None)])
    settle_due_lines()
    order_line_clawback(line=sold.lines[1], amount="10.00", key="c")
    statement = collective_income_statement(
        village=village.village, period=statement_period(year=_this_year())
    )
    assert statement.gross_sales == Decimal("150.00")
    assert statement.logistics == Decimal("10.00")
    assert statement.platform_fees == Decimal("7.00")
    assert statement.commissions == Decimal("20.00")
    assert statement.household_share == Decimal("75.00")
    assert statement.collective_sales == Decimal("38.00")
    assert statement.order_lines_settled == 2
    assert statement.clawbacks > 0
    assert statement.collective_income == Decimal("58.00") - statement.clawbacks
    assert [s.source for s in statement.by_source][:3] == [
        "SALES_SETTLED",
        "COMMISSIONS",
        "CLAWBACKS",
    ]


@pytest.mark.parametrize(
    ("year", "month", "field"),
    [(0, None, "year"), (1999, None, "year"), (9999, None, "year"), ("2024", None, "year"),
     (2024, 13, "month"), (2024, 0, "month"), (2024, True, "month")],
)  # fmt: skip
def test_bad_periods_are_coded_errors(year: Any, month: Any, field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        statement_period(year=year, month=month)
    assert _code(exc) == StatementErrorCode.INVALID_PERIOD.value
    assert field in exc.value.error_dict


def test_poverty_watch_flags_below_near_and_falling_households(settings: Any) -> None:
    settings.POVERTY_MONITORING_MARGIN = "0.10"
    settings.POVERTY_MONITORING_FALLING_MONTHS = 3
    county = factories.county()
    township = factories.township(county_obj=county)
    village = factories.village(township_obj=township)
    province, _ = Province.objects.get_or_create(
        code=county.code[:2], defaults={"name": f"省{county.code[:2]}"}
    )
    year = _this_year() - 1
    poverty_monitoring_line_set(province=province, year=year, annual_per_capita_income="6000")
    clearing = account_get_or_create(kind=AccountKind.ALIPAY_CLEARING)

    def household(monthly: list[str], members: int = 1) -> Any:
        h = factories.household(village_obj=village, member_count=members)
        payable = account_get_or_create(kind=AccountKind.HOUSEHOLD, owner=h)
        for month, amount in enumerate(monthly, start=1):
            if Decimal(amount):
                when = timezone.make_aware(datetime(year, month, 15))
                _post(
                    JournalKind.SETTLEMENT,
                    when,
                    [(clearing, amount), (payable, f"-{amount}")],
                    f"h{h.pk}m{month}",
                )
        return h

    poor = household(["400"] * 12)  # 4,800 < 6,000
    near = household(["520"] * 12)  # 6,240 < 6,600
    falling = household(["900"] * 8 + ["800", "600", "400", "300"])  # 8,800, falling
    steady = household(["700"] * 12, members=1)  # 8,400
    big = household(["700"] * 12, members=2)  # 4,200 per person
    watch = households_near_poverty_line(township=township, year=year)
    statuses = {w.household.pk: w.status for w in watch.flagged}
    assert watch.line == Decimal("6000.00")
    assert statuses == {
        poor.pk: PovertyStatus.BELOW_LINE,
        near.pk: PovertyStatus.NEAR_LINE,
        falling.pk: PovertyStatus.FALLING,
        big.pk: PovertyStatus.BELOW_LINE,
    }
    assert steady.pk not in statuses
    assert [w.household.pk for w in watch.flagged][:2] == [big.pk, poor.pk]
    assert watch.households_checked == 5
    # Without a line for the year, the default applies.
    settings.POVERTY_MONITORING_LINE_DEFAULT = "100.00"
    assert households_near_poverty_line(township=township, year=year - 1).line == 100


def test_poverty_line_service_refuses_bad_input() -> None:
    province = Province.objects.first()
    for year, amount in ((1800, "5000"), (2024, "-1"), (2024, "abc"), (2024, 1.5)):
        with pytest.raises(ValidationError):
            poverty_monitoring_line_set(
                province=province, year=year, annual_per_capita_income=amount
            )
    line = poverty_monitoring_line_set(province=province, year=2024, annual_per_capita_income="1")
    again = poverty_monitoring_line_set(province=province, year=2024, annual_per_capita_income="2")
    assert line.pk == again.pk and again.annual_per_capita_income == 2
