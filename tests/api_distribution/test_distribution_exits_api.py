"""distributionReturn and distributionCancel: role-scoped like distributionFile, coded
refusals, and the year drafted again afterwards."""

from __future__ import annotations

from typing import Any

import pytest
from graphql_relay import to_global_id

from collective_econ.models import DistributionStatus
from marketplace.accounts.models import Role
from tests import factories
from tests.api.conftest import GraphQLClient
from tests.api_distribution.books import (
    BOOK_YEAR,
    Books,
    approve_distribution,
    draft_distribution,
    make_books,
    post_collective_income,
)

pytestmark = pytest.mark.django_db
YEAR = BOOK_YEAR

RETURN = """
mutation($id: ID!, $reason: String!) { distributionReturn(id: $id, reason: $reason) {
  distribution { status events { action fromStatus toStatus reason } }
  errors { field message code } } }"""
CANCEL = """
mutation($id: ID!, $reason: String!) { distributionCancel(id: $id, reason: $reason) {
  distribution { status events { action toStatus reason } }
  errors { field message code } } }"""


def _as(gql: GraphQLClient, user: Any) -> GraphQLClient:
    gql.headers.pop("Authorization", None)
    if user is not None:
        gql.login(user)
    return gql


@pytest.fixture
def books() -> Books:
    books = make_books(households=2, shares=["3", "1"])
    post_collective_income(books.village, "1000.00", year=YEAR)
    return books


def test_township_returns_and_village_cancels_through_the_api(
    gql: GraphQLClient, books: Books
) -> None:
    draft = draft_distribution(books, year=YEAR)
    approve_distribution(books, draft)
    gid = to_global_id("Distribution", str(draft.pk))
    by_manager = _as(gql, books.manager).data(RETURN, {"id": gid, "reason": "mine"})
    assert [e["code"] for e in by_manager["distributionReturn"]["errors"]] == ["NOT_PERMITTED"]
    blank = _as(gql, books.officer).data(RETURN, {"id": gid, "reason": " "})
    assert [(e["code"], e["field"]) for e in blank["distributionReturn"]["errors"]] == [
        ("INVALID", "reason")
    ]
    returned = gql.data(RETURN, {"id": gid, "reason": "reserve fund too low"})
    body = returned["distributionReturn"]
    assert body["errors"] == [] and body["distribution"]["status"] == "RETURNED"
    assert body["distribution"]["events"][-1] == {
        "action": "return",
        "fromStatus": "APPROVED",
        "toStatus": "RETURNED",
        "reason": "reserve fund too low",
    }
    again = gql.data(RETURN, {"id": gid, "reason": "twice"})["distributionReturn"]
    assert [e["code"] for e in again["errors"]] == ["INVALID_TRANSITION"]
    by_officer = gql.data(CANCEL, {"id": gid, "reason": "not mine"})["distributionCancel"]
    assert [e["code"] for e in by_officer["errors"]] == ["NOT_PERMITTED"]
    cancelled = _as(gql, books.manager).data(CANCEL, {"id": gid, "reason": "redrafting"})
    assert cancelled["distributionCancel"]["distribution"]["status"] == "CANCELLED"
    assert draft_distribution(books, year=YEAR).status == DistributionStatus.DRAFT


def test_exits_refuse_strangers_before_any_lookup(gql: GraphQLClient, books: Books) -> None:
    other = make_books(households=1)
    draft = draft_distribution(books, year=YEAR)
    gid = to_global_id("Distribution", str(draft.pk))
    for caller in (None, factories.user(role=Role.BUYER), other.manager, other.officer):
        for query, name in ((RETURN, "distributionReturn"), (CANCEL, "distributionCancel")):
            body = _as(gql, caller).data(query, {"id": gid, "reason": "x"})[name]
            assert [e["code"] for e in body["errors"]] == ["NOT_PERMITTED"], (caller, name)
    draft.refresh_from_db()
    assert draft.status == DistributionStatus.DRAFT
    unknown = _as(gql, books.manager).data(
        CANCEL, {"id": to_global_id("Distribution", "999999"), "reason": "x"}
    )
    assert [e["code"] for e in unknown["distributionCancel"]["errors"]] == ["NOT_FOUND"]
    garbage = gql.data(CANCEL, {"id": "bm9wZQ==", "reason": "x"})["distributionCancel"]
    assert [e["code"] for e in garbage["errors"]] == ["INVALID"]
