"""householdStatement, collectiveIncomeStatement and householdsNearPovertyLine: who may
read, what they get, bad input, and statements that do not grow with the data."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories
from tests.api.conftest import GraphQLClient
from tests.api_collective_econ.conftest import Books, add_sales

pytestmark = pytest.mark.django_db

YEAR = timezone.localtime().year

HOUSEHOLD_STATEMENT = """
query($h: ID!, $y: Int!, $m: Int) {
  householdStatement(household: $h, year: $y, month: $m) {
    year month household { reference headName isMasked }
    sales { productName quantity gross { amount } commission { amount } net { amount }
            orderLineIds }
    netSales { amount } balanceDue { amount } netIncome { amount } perCapitaIncome { amount }
    memberCount orderLineIds
  }
}
"""

COLLECTIVE = """
query($v: ID!, $y: Int!) {
  collectiveIncomeStatement(village: $v, year: $y) {
    year village { name } grossSales { amount } commissions { amount }
    collectiveSales { amount } collectiveIncome { amount } orderLinesSettled
    bySource { source amount { amount } }
  }
}
"""

WATCH = """
query($t: ID!, $y: Int!) {
  householdsNearPovertyLine(township: $t, year: $y) {
    line { amount } householdsChecked township { name }
    households { status household { reference headName isMasked village { name } }
                 annualPerCapitaIncome { amount } }
  }
}
"""


def _error_code(body: dict[str, Any]) -> str:
    return body["errors"][0]["extensions"]["exception"]["code"]


def _as(gql: GraphQLClient, books: Books, who: str | None) -> GraphQLClient:
    gql.headers.clear()
    if who is not None:
        gql.login(books.users[who])
    return gql


@pytest.mark.parametrize("who", ["admin", "manager", "officer", "county_officer", "household"])
def test_household_statement_for_those_entitled(gql: GraphQLClient, books: Books, who: str) -> None:
    data = _as(gql, books, who).data(
        HOUSEHOLD_STATEMENT, {"h": books.gid(books.household), "y": YEAR}
    )["householdStatement"]
    assert data["year"] == YEAR and data["month"] is None
    [sales] = data["sales"]
    assert (sales["quantity"], sales["gross"]["amount"]) == (2, 40.0)
    assert data["netSales"]["amount"] == sales["net"]["amount"] > 0
    assert data["memberCount"] == books.household.member_count
    assert len(data["orderLineIds"]) == 1
    # Officers read the figures, not the name.
    assert data["household"]["isMasked"] is (who in {"officer", "county_officer"})


@pytest.mark.parametrize(
    "who", [None, "buyer", "other_manager", "other_officer", "other_household"]
)
def test_household_statement_refused_to_others(
    gql: GraphQLClient, books: Books, who: str | None
) -> None:
    body = _as(gql, books, who)(HOUSEHOLD_STATEMENT, {"h": books.gid(books.household), "y": YEAR})
    assert body["data"]["householdStatement"] is None
    assert _error_code(body) == "PERMISSION_DENIED"


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"y": YEAR, "m": 13}, "INVALID_PERIOD"),
        ({"y": YEAR, "m": 0}, "INVALID_PERIOD"),
        ({"y": 0}, "INVALID_PERIOD"),
        ({"y": YEAR + 1}, "INVALID_PERIOD"),
        ({"y": YEAR, "h": "SG91c2Vob2xkOjk5OTk5OTk="}, "NOT_FOUND"),  # Household:9999999
        ({"y": YEAR, "h": "not-an-id"}, "GRAPHQL_ERROR"),
        ({"y": YEAR, "h": "U2hvcDox"}, "GRAPHQL_ERROR"),  # a Shop id
    ],
)
def test_household_statement_bad_input(
    gql: GraphQLClient, books: Books, variables: dict[str, Any], code: str
) -> None:
    response = _as(gql, books, "admin").raw(
        HOUSEHOLD_STATEMENT, {"h": books.gid(books.household), **variables}
    )
    assert response.status_code == 200
    assert _error_code(response.json()) == code


def test_a_month_statement(gql: GraphQLClient, books: Books) -> None:
    month = timezone.localtime().month
    data = _as(gql, books, "manager").data(
        HOUSEHOLD_STATEMENT, {"h": books.gid(books.household), "y": YEAR, "m": month}
    )["householdStatement"]
    assert data["month"] == month and len(data["sales"]) == 1
    data = _as(gql, books, "manager").data(
        HOUSEHOLD_STATEMENT, {"h": books.gid(books.household), "y": YEAR - 1}
    )["householdStatement"]
    assert data["sales"] == [] and data["netIncome"]["amount"] == 0


@pytest.mark.parametrize("who", ["admin", "manager", "officer", "county_officer"])
def test_collective_income_statement(gql: GraphQLClient, books: Books, who: str) -> None:
    data = _as(gql, books, who).data(COLLECTIVE, {"v": books.gid(books.village), "y": YEAR})[
        "collectiveIncomeStatement"
    ]
    assert data["grossSales"]["amount"] == 45.0
    assert data["orderLinesSettled"] == 2
    assert data["collectiveSales"]["amount"] == 5.0
    assert [s["source"] for s in data["bySource"]][:2] == ["SALES_SETTLED", "COMMISSIONS"]


@pytest.mark.parametrize("who", [None, "buyer", "household", "other_manager", "other_officer"])
def test_collective_income_statement_refused(
    gql: GraphQLClient, books: Books, who: str | None
) -> None:
    body = _as(gql, books, who)(COLLECTIVE, {"v": books.gid(books.village), "y": YEAR})
    assert body["data"]["collectiveIncomeStatement"] is None
    assert _error_code(body) == "PERMISSION_DENIED"


def test_collective_income_statement_bad_input(gql: GraphQLClient, books: Books) -> None:
    admin = _as(gql, books, "admin")
    assert _error_code(admin(COLLECTIVE, {"v": books.gid(books.village), "y": 1999})) == (
        "INVALID_PERIOD"
    )
    assert _error_code(admin(COLLECTIVE, {"v": "VmlsbGFnZTo5OTk5OTk5", "y": YEAR})) == "NOT_FOUND"


@pytest.mark.parametrize("who", ["admin", "officer", "county_officer"])
def test_poverty_watch(gql: GraphQLClient, books: Books, who: str) -> None:
    data = _as(gql, books, who).data(WATCH, {"t": books.gid(books.township), "y": YEAR})[
        "householdsNearPovertyLine"
    ]
    assert data["householdsChecked"] == 1
    [flagged] = data["households"]
    assert flagged["status"] == "BELOW_LINE"
    assert flagged["household"]["reference"] == books.household.reference
    assert flagged["household"]["isMasked"] is (who != "admin")


@pytest.mark.parametrize("who", [None, "buyer", "household", "manager", "other_officer"])
def test_poverty_watch_refused(gql: GraphQLClient, books: Books, who: str | None) -> None:
    body = _as(gql, books, who)(WATCH, {"t": books.gid(books.township), "y": YEAR})
    assert _error_code(body) == "PERMISSION_DENIED"


def test_poverty_watch_bad_input(gql: GraphQLClient, books: Books) -> None:
    admin = _as(gql, books, "admin")
    assert _error_code(admin(WATCH, {"t": books.gid(books.township), "y": 0})) == "INVALID_PERIOD"
    assert _error_code(admin(WATCH, {"t": "VG93bnNoaXA6OTk5OTk5OQ==", "y": YEAR})) == "NOT_FOUND"


def _count(gql: GraphQLClient, query: str, variables: dict[str, Any]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        gql.data(query, variables)
    return len(ctx.captured_queries)


def test_statement_queries_do_not_grow_with_the_data(gql: GraphQLClient, books: Books) -> None:
    _as(gql, books, "officer")
    cases = [
        (HOUSEHOLD_STATEMENT, {"h": books.gid(books.household), "y": YEAR}),
        (COLLECTIVE, {"v": books.gid(books.village), "y": YEAR}),
        (WATCH, {"t": books.gid(books.township), "y": YEAR}),
    ]
    before = [_count(gql, q, v) for q, v in cases]
    add_sales(books, 6)
    # More households in the township too: the watch lists them all.
    for _ in range(4):
        factories.household(village_obj=books.village)
    assert [_count(gql, q, v) for q, v in cases] == before


@pytest.mark.parametrize(
    ("who", "basis"),
    [("officer", "BOOKS_READER"), ("manager", "SHOP_MANAGER"), ("household", None)],
)
def test_reading_a_households_income_is_audited_except_by_the_household(
    gql: GraphQLClient, books: Books, who: str, basis: str | None
) -> None:
    from marketplace.audit.models import AuditAction, AuditEntry

    _as(gql, books, who).data(HOUSEHOLD_STATEMENT, {"h": books.gid(books.household), "y": YEAR})
    reads = AuditEntry.objects.filter(
        action=AuditAction.PERSONAL_DATA_READ, household_ids__contains=[books.household.pk]
    )
    incomes = [entry for entry in reads if "income" in entry.fields]
    if basis is None:
        assert incomes == []
    else:
        (entry,) = incomes
        assert entry.actor_id == books.users[who].pk
        assert entry.basis == basis


def test_the_poverty_watch_leaves_a_trace_of_each_household_shown(
    gql: GraphQLClient, books: Books
) -> None:
    from marketplace.audit.models import AuditAction, AuditEntry

    _as(gql, books, "officer").data(WATCH, {"t": books.gid(books.township), "y": YEAR})
    (entry,) = AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_READ)
    assert entry.household_ids == [books.household.pk]
    assert "income" in entry.fields
