"""ledgerAccounts and ledgerTransactions: the books each role reads, filters, bad input,
and pages whose cost does not grow with their size."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from collective_econ.models import Account, AccountKind, JournalTransaction
from collective_econ.tasks import settle_due_lines
from marketplace.accounts.models import Role
from marketplace.red_supermarket.counter.services import till_shift_open
from storefront_api.core.ids import to_global_id
from tests import factories
from tests.api.conftest import GraphQLClient
from tests.api_collective_econ.conftest import Books, add_sales
from tests.collective_econ.conftest import sell

pytestmark = pytest.mark.django_db

ACCOUNTS = """
query($first: Int, $filter: LedgerAccountFilterInput) {
  ledgerAccounts(first: $first, filter: $filter) {
    totalCount
    edges { node { id kind balance { amount fractionalAmount }
                   household { reference headName isMasked } village { name } shop { name } } }
  }
}
"""

TRANSACTIONS = """
query($first: Int, $last: Int, $filter: LedgerTransactionFilterInput) {
  ledgerTransactions(first: $first, last: $last, filter: $filter) {
    totalCount
    pageInfo { hasNextPage }
    edges { node { id kind idempotencyKey postedAt orderLineId
                   postings { amount { amount } account { kind village { name } } } } }
  }
}
"""


def _as(gql: GraphQLClient, books: Books, who: str | None) -> GraphQLClient:
    gql.headers.clear()
    if who is not None:
        gql.login(books.users[who])
    return gql


def _code(body: dict[str, Any]) -> str:
    return body["errors"][0]["extensions"]["exception"]["code"]


def _kinds(data: dict[str, Any]) -> set[str]:
    return {e["node"]["kind"] for e in data["ledgerAccounts"]["edges"]}


def test_admin_sees_every_account_with_balances(gql: GraphQLClient, books: Books) -> None:
    data = _as(gql, books, "admin").data(ACCOUNTS, {"first": 100})
    assert data["ledgerAccounts"]["totalCount"] == Account.objects.count()
    assert "ALIPAY_CLEARING" in _kinds(data)
    balances = sum(
        e["node"]["balance"]["fractionalAmount"] for e in data["ledgerAccounts"]["edges"]
    )
    assert balances == 0  # double entry: the whole ledger sums to zero


@pytest.mark.parametrize("who", ["manager", "officer", "county_officer"])
def test_village_roles_see_only_their_villages_books(
    gql: GraphQLClient, books: Books, who: str
) -> None:
    data = _as(gql, books, who).data(ACCOUNTS, {"first": 100})
    edges = data["ledgerAccounts"]["edges"]
    assert _kinds(data) == {"HOUSEHOLD", "VILLAGE_COLLECTIVE"}
    assert {e["node"]["household"]["reference"] for e in edges if e["node"]["household"]} == {
        books.household.reference
    }
    masked = [e["node"]["household"]["isMasked"] for e in edges if e["node"]["household"]]
    assert masked == [who != "manager"]


@pytest.mark.parametrize("who", [None, "buyer", "household"])
def test_ledger_refused_to_everyone_else(gql: GraphQLClient, books: Books, who: str | None) -> None:
    for query in (ACCOUNTS, TRANSACTIONS):
        body = _as(gql, books, who)(query, {"first": 5})
        assert _code(body) == "PERMISSION_DENIED"
        assert body["data"][next(iter(body["data"]))] is None


def test_other_villages_manager_sees_none_of_these_books(gql: GraphQLClient, books: Books) -> None:
    data = _as(gql, books, "other_manager").data(
        ACCOUNTS, {"first": 100, "filter": {"village": books.gid(books.village)}}
    )
    assert data["ledgerAccounts"]["totalCount"] == 0
    data = _as(gql, books, "other_manager").data(
        TRANSACTIONS, {"first": 100, "filter": {"village": books.gid(books.village)}}
    )
    assert data["ledgerTransactions"]["totalCount"] == 0


def test_account_filters(gql: GraphQLClient, books: Books) -> None:
    admin = _as(gql, books, "admin")
    by_kind = admin.data(ACCOUNTS, {"first": 10, "filter": {"kind": "HOUSEHOLD"}})
    assert _kinds(by_kind) == {"HOUSEHOLD"}
    assert by_kind["ledgerAccounts"]["totalCount"] == 2
    one = admin.data(ACCOUNTS, {"first": 10, "filter": {"household": books.gid(books.household)}})
    assert one["ledgerAccounts"]["totalCount"] == 1
    village = admin.data(ACCOUNTS, {"first": 10, "filter": {"village": books.gid(books.village)}})
    assert _kinds(village) == {"HOUSEHOLD", "VILLAGE_COLLECTIVE"}


def test_transactions_with_postings_scoped_to_the_callers_books(
    gql: GraphQLClient, books: Books
) -> None:
    admin = _as(gql, books, "admin").data(TRANSACTIONS, {"first": 100})["ledgerTransactions"]
    assert admin["totalCount"] == JournalTransaction.objects.count() == 3
    for edge in admin["edges"]:
        assert sum(p["amount"]["amount"] for p in edge["node"]["postings"]) == pytest.approx(0)
    manager = _as(gql, books, "manager").data(TRANSACTIONS, {"first": 100})["ledgerTransactions"]
    assert manager["totalCount"] == 2
    for edge in manager["edges"]:
        kinds = {p["account"]["kind"] for p in edge["node"]["postings"]}
        assert kinds <= {"HOUSEHOLD", "VILLAGE_COLLECTIVE"}
        assert "ALIPAY_CLEARING" not in kinds


def test_transaction_filters(gql: GraphQLClient, books: Books) -> None:
    admin = _as(gql, books, "admin")
    account = Account.objects.get(kind=AccountKind.HOUSEHOLD, household=books.household)
    entry = JournalTransaction.objects.filter(postings__account=account).get()
    for filter, expected in (
        ({"account": to_global_id("LedgerAccount", account.pk)}, 1),
        ({"kind": "SETTLEMENT"}, 3),
        ({"kind": "PAYOUT"}, 0),
        ({"village": books.gid(books.village)}, 2),
        ({"orderLine": to_global_id("OrderLine", entry.order_line_id)}, 1),
        ({"postedFrom": "2000-01-01T00:00:00+00:00", "postedTo": "2001-01-01T00:00:00+00:00"}, 0),
    ):
        data = admin.data(TRANSACTIONS, {"first": 10, "filter": filter})
        assert data["ledgerTransactions"]["totalCount"] == expected, filter


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"filter": {"postedFrom": "2030-01-01T00:00:00Z", "postedTo": "2020-01-01T00:00:00Z"}},
         "INVALID_FILTER"),
        ({"filter": {"account": "bm9wZQ=="}}, "GRAPHQL_ERROR"),
        ({"filter": {"village": "U2hvcDox"}}, "GRAPHQL_ERROR"),
        ({}, "GRAPHQL_ERROR"),  # no first/last
        ({"first": 101}, "GRAPHQL_ERROR"),
    ],
)  # fmt: skip
def test_transaction_bad_input(
    gql: GraphQLClient, books: Books, variables: dict[str, Any], code: str
) -> None:
    response = _as(gql, books, "admin").raw(TRANSACTIONS, {"first": 5, **variables})
    if not variables:
        response = gql.raw(TRANSACTIONS, {})
    assert response.status_code == 200
    assert _code(response.json()) == code


def test_bad_kind_is_refused_by_the_schema(gql: GraphQLClient, books: Books) -> None:
    response = _as(gql, books, "admin").raw(ACCOUNTS, {"first": 5, "filter": {"kind": "NOPE"}})
    assert response.status_code == 400
    assert _code(response.json()) == "GRAPHQL_ERROR"


def _count(gql: GraphQLClient, query: str, first: int, **filter: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        data = gql.data(query, {"first": first, "filter": filter})
    assert len(next(iter(data.values()))["edges"]) == first
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["admin", "manager"])
def test_pages_cost_the_same_for_1_and_many(gql: GraphQLClient, books: Books, who: str) -> None:
    add_sales(books, 12)
    for _ in range(4):
        household = factories.household(village_obj=books.village)
        sell(shop=books.shop, lines=[("3.00", 1, household)])
    settle_due_lines()
    _as(gql, books, who)
    assert _count(gql, TRANSACTIONS, 1) == _count(gql, TRANSACTIONS, 20)
    assert _count(gql, ACCOUNTS, 1, kind="HOUSEHOLD") == _count(gql, ACCOUNTS, 5, kind="HOUSEHOLD")


def test_the_collectives_cash_is_one_of_its_villages_books(
    gql: GraphQLClient, books: Books
) -> None:
    """A till float is lent from COLLECTIVE_CASH: the village's readers see that account,
    its balance and its kind filter like any other village account; other villages don't."""
    supermarket = factories.red_supermarket(shop_obj=books.shop)
    operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=books.shop)
    till_shift_open(supermarket=supermarket, operator=operator, float_amount="120.00")
    query = {"first": 10, "filter": {"kind": "COLLECTIVE_CASH"}}
    for who in ("admin", "manager", "officer"):
        data = _as(gql, books, who).data(ACCOUNTS, query)
        (edge,) = data["ledgerAccounts"]["edges"]
        assert edge["node"]["kind"] == "COLLECTIVE_CASH"
        assert edge["node"]["village"]["name"] == books.village.name
        assert edge["node"]["balance"]["amount"] == -120.0
    data = _as(gql, books, "other_manager").data(ACCOUNTS, query)
    assert data["ledgerAccounts"]["totalCount"] == 0
