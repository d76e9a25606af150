"""Dividends on the household statement: the MEMBER account's distribution credits and
their payouts, with the transactions behind them, and dividends counted in per-capita
income against the poverty-monitoring line; the back office page shows them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from collective_econ.models import Distribution
from collective_econ.statements.selectors import (
    PovertyStatus,
    household_statement,
    households_near_poverty_line,
    statement_period,
)
from tests.api_distribution.books import (
    BOOK_YEAR,
    THIS_YEAR,
    Books,
    filed_distribution,
    make_books,
    member_cash_payout,
    post_collective_income,
)

pytestmark = pytest.mark.django_db
D = Decimal


def _paid_books() -> tuple[Books, Distribution, Any]:
    """Two member households (4 people each) and one outside the collective; last year's
    4,000.00 all to members, filed this year; 1,500.00 of the first's 2,000.00 paid out."""
    books = make_books(households=3, shares=["1", "1"])
    post_collective_income(books.village, "4000.00")
    filed = filed_distribution(books, reserve="0", welfare="0")
    payout = member_cash_payout(
        books, household=books.households[0], amount="1500.00", key="dividend-cash"
    )
    return books, filed, payout


def test_statement_shows_dividends_their_payouts_and_what_is_still_owed() -> None:
    books, filed, payout = _paid_books()
    statement = household_statement(
        household=books.households[0], period=statement_period(year=THIS_YEAR)
    )
    assert statement.dividends == D("2000.00")
    assert statement.dividend_transaction_ids == [filed.journal_transaction_id]
    assert statement.dividend_payouts == D("1500.00")
    assert statement.dividend_payout_transaction_ids == [payout.journal_transaction_id]
    assert (statement.member_opening_balance, statement.member_balance_due) == (
        D("0.00"),
        D("500.00"),
    )
    # Member payouts are not the household's sales payouts.
    assert (statement.payouts, statement.payout_transaction_ids) == (D("0.00"), [])
    assert statement.net_income == D("0.00") and statement.total_income == D("2000.00")
    assert statement.per_capita_income == D("500.00")
    month = household_statement(
        household=books.households[0],
        period=statement_period(year=THIS_YEAR, month=timezone.localdate().month),
    )
    assert month.dividends == D("2000.00") and month.member_balance_due == D("500.00")


def test_a_period_before_the_filing_and_a_non_member_show_no_dividends() -> None:
    books, _, _ = _paid_books()
    before = household_statement(
        household=books.households[0], period=statement_period(year=BOOK_YEAR)
    )
    assert (before.dividends, before.dividend_payouts, before.member_balance_due) == (
        D("0.00"),
        D("0.00"),
        D("0.00"),
    )
    outsider = household_statement(
        household=books.households[2], period=statement_period(year=THIS_YEAR)
    )
    assert outsider.dividends == D("0.00") and outsider.dividend_transaction_ids == []


def test_dividends_lift_members_above_the_poverty_line(settings: Any) -> None:
    settings.POVERTY_MONITORING_LINE_DEFAULT = "400.00"
    settings.POVERTY_MONITORING_MARGIN = "0"
    books, _, _ = _paid_books()
    watch = households_near_poverty_line(township=books.village.township, year=THIS_YEAR)
    statuses = {w.household.pk: w.status for w in watch.flagged}
    # 2,000.00 over 4 people is 500.00 each, above the 400.00 line; the outsider has none.
    assert statuses == {books.households[2].pk: PovertyStatus.BELOW_LINE}
    assert watch.households_checked == 3


def test_back_office_statement_page_shows_dividends(client: Any) -> None:
    books, filed, _ = _paid_books()
    client.force_login(books.manager)
    url = reverse("admin:collective_econ_household_statement", args=[books.households[0].pk])
    page = client.get(url, {"year": str(THIS_YEAR)})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Dividends from the village collective" in text
    assert "¥2000.00" in text and "¥1500.00" in text and "¥500.00" in text
    assert page.context["statement"].dividend_transaction_ids == [filed.journal_transaction_id]
    other = make_books(households=0)
    client.force_login(other.manager)
    assert client.get(url).status_code == 404
