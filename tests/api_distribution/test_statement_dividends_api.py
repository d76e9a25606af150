"""householdStatement carries the household's dividends and their payouts, in a number of
SQL statements that does not grow with distributions and payouts."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from tests.api.conftest import GraphQLClient
from tests.api_distribution.books import (
    BOOK_YEAR,
    THIS_YEAR,
    filed_distribution,
    make_books,
    member_cash_payout,
    post_collective_income,
)

pytestmark = pytest.mark.django_db

STATEMENT = """
query($h: ID!, $y: Int!) { householdStatement(household: $h, year: $y) {
  dividends { amount } dividendTransactionIds dividendPayouts { amount }
  dividendPayoutTransactionIds memberOpeningBalance { amount } memberBalanceDue { amount }
  netIncome { amount } totalIncome { amount } perCapitaIncome { amount } } }"""


def _as(gql: GraphQLClient, user: Any) -> GraphQLClient:
    gql.headers.pop("Authorization", None)
    if user is not None:
        gql.login(user)
    return gql


def test_statement_dividends_through_the_api_and_flat_query_count(gql: GraphQLClient) -> None:
    books = make_books(households=2, shares=["3", "1"])
    post_collective_income(books.village, "800.00")
    filed = filed_distribution(books, reserve="0", welfare="0")  # 600.00 and 200.00
    first = member_cash_payout(books, household=books.households[0], amount="100.00", key="p1")
    variables = {"h": to_global_id("Household", str(books.households[0].pk)), "y": THIS_YEAR}
    _as(gql, books.officer)
    with CaptureQueriesContext(connection) as one:
        data = gql.data(STATEMENT, variables)["householdStatement"]
    assert data["dividends"]["amount"] == 600.0
    assert data["dividendTransactionIds"] == [
        to_global_id("LedgerTransaction", str(filed.journal_transaction_id))
    ]
    assert data["dividendPayouts"]["amount"] == 100.0
    assert data["dividendPayoutTransactionIds"] == [
        to_global_id("LedgerTransaction", str(first.journal_transaction_id))
    ]
    assert data["memberBalanceDue"]["amount"] == 500.0
    assert data["memberOpeningBalance"]["amount"] == 0.0
    assert (data["netIncome"]["amount"], data["totalIncome"]["amount"]) == (0.0, 600.0)
    assert data["perCapitaIncome"]["amount"] == 150.0  # 600.00 over 4 people
    # An earlier year's distribution and more payouts: the same statements.
    post_collective_income(books.village, "400.00", year=BOOK_YEAR - 1)
    filed_distribution(books, year=BOOK_YEAR - 1, reserve="0", welfare="0")
    for i in range(3):
        member_cash_payout(books, household=books.households[0], amount="50.00", key=f"more-{i}")
    with CaptureQueriesContext(connection) as many:
        more = gql.data(STATEMENT, variables)["householdStatement"]
    assert more["dividends"]["amount"] == 900.0
    assert len(more["dividendTransactionIds"]) == 2
    assert len(more["dividendPayoutTransactionIds"]) == 4
    assert len(one.captured_queries) == len(many.captured_queries)


def test_other_villages_cannot_read_a_members_statement(gql: GraphQLClient) -> None:
    books = make_books(households=1, shares=["1"])
    post_collective_income(books.village, "100.00")
    filed_distribution(books, reserve="0", welfare="0")
    other = make_books(households=0)
    variables = {"h": to_global_id("Household", str(books.households[0].pk)), "y": THIS_YEAR}
    for caller in (None, other.manager, other.officer):
        body = _as(gql, caller)(STATEMENT, variables)
        assert body["data"]["householdStatement"] is None
        assert body["errors"][0]["extensions"]["exception"]["code"] == "PERMISSION_DENIED", body
