"""Household incomes read through a data request: only for months inside the request's
data period, audited under that request; outside it refused with OUTSIDE_REQUEST_PERIOD;
a household-scoped request reaches no other household; an expired one reaches nothing.
Names, ID numbers and phones are not time-bound: they stay unmasked for the scope."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.accounts.models import Role
from marketplace.accounts.permissions import household_income_basis
from marketplace.audit.models import AuditAction, AuditEntry, DataAccessRequest
from marketplace.organisations.privacy import household_personal_data
from tests import factories
from tests.api.conftest import GraphQLClient
from tests.api_collective_econ.conftest import Books
from tests.api_collective_econ.test_statements_api import HOUSEHOLD_STATEMENT
from tests.audit.conftest import approved, staff

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = TODAY.year


@pytest.fixture(autouse=True)
def _letters_in_a_temporary_media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")


@pytest.fixture(autouse=True)
def _outsider(books: Books) -> None:
    # A township officer of a third township: reads none of these books by role.
    books.users["outsider"] = factories.user(
        role=Role.TOWNSHIP_OFFICER, township_obj=factories.township()
    )


def _grant(books: Books, *, period_from: datetime.date, period_to: datetime.date, **scope: Any):
    """An approved request of the outsider, decided by the household's township officer."""
    if not scope:
        scope = {"households": [books.household]}
    return approved(
        officer=books.users["officer"],
        requester=books.users["outsider"],
        period_from=period_from,
        period_to=period_to,
        **scope,
    )


def _fresh(user: Any) -> Any:
    # Roles and grants are cached on the user object, one per request in real use.
    return type(user).objects.get(pk=user.pk)


def _statement(gql: GraphQLClient, books: Books, household: Any, **period: Any) -> dict:
    gql.login(books.users["outsider"])
    variables = {"h": books.gid(household), "y": period.get("year", YEAR), "m": period.get("month")}
    return gql(HOUSEHOLD_STATEMENT, variables)


def _code(body: dict) -> str:
    return body["errors"][0]["extensions"]["exception"]["code"]


def _income_reads() -> list[AuditEntry]:
    return [
        entry
        for entry in AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_READ)
        if "income" in entry.fields
    ]


def test_inside_the_period_the_statement_is_shown_and_audited_under_the_request(
    gql: GraphQLClient, books: Books
) -> None:
    grant = _grant(books, period_from=datetime.date(YEAR, 1, 1), period_to=TODAY)
    body = _statement(gql, books, books.household)
    assert "errors" not in body, body
    data = body["data"]["householdStatement"]
    [sales] = data["sales"]
    assert sales["gross"]["amount"] == 40.0 and data["netIncome"]["amount"] > 0
    # The request also unmasks the name: names are granted for the scope, not by period.
    assert data["household"]["isMasked"] is False
    (entry,) = _income_reads()
    assert entry.actor_id == books.users["outsider"].pk
    assert (entry.basis, entry.request_id) == ("DATA_REQUEST", grant.pk)
    assert entry.household_ids == [books.household.pk]


def test_outside_the_period_the_statement_is_refused_and_nothing_is_logged(
    gql: GraphQLClient, books: Books
) -> None:
    # A request for this month only: last year's statement lies wholly outside it.
    _grant(books, period_from=TODAY.replace(day=1), period_to=TODAY)
    body = _statement(gql, books, books.household, year=YEAR - 1)
    assert body["data"]["householdStatement"] is None
    assert _code(body) == "OUTSIDE_REQUEST_PERIOD"
    assert _income_reads() == []
    # This month's statement is inside: shown.
    inside = _statement(gql, books, books.household, month=TODAY.month)
    assert "errors" not in inside, inside
    assert len(inside["data"]["householdStatement"]["sales"]) == 1
    assert len(_income_reads()) == 1


def test_a_month_half_outside_the_period_is_refused() -> None:
    household = factories.household(village_obj=factories.village())
    requester = factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=factories.township())
    decider = factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=household.village.township)
    grant = approved(
        officer=decider,
        requester=requester,
        households=[household],
        period_from=datetime.date(2025, 3, 15),
        period_to=datetime.date(2025, 6, 30),
    )

    def basis(first: datetime.date, last: datetime.date) -> Any:
        return household_income_basis(
            user=_fresh(requester), household=household, first_day=first, last_day=last
        )

    inside = basis(datetime.date(2025, 4, 1), datetime.date(2025, 4, 30))
    assert (inside.role, inside.request_id) == ("DATA_REQUEST", grant.pk)
    assert basis(datetime.date(2025, 6, 1), datetime.date(2025, 6, 30)) is not None
    assert basis(datetime.date(2025, 3, 1), datetime.date(2025, 3, 31)) is None
    assert basis(datetime.date(2025, 6, 1), datetime.date(2025, 7, 31)) is None
    assert basis(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)) is None
    # Names are not time-bound: unmasked for the scope whatever the period.
    assert not household_personal_data(household=household, viewer=_fresh(requester)).is_masked


def test_a_household_scoped_request_never_reveals_another_household(
    gql: GraphQLClient, books: Books
) -> None:
    neighbour = factories.household(village_obj=books.village, head_name="孙二娘")
    _grant(books, period_from=datetime.date(YEAR, 1, 1), period_to=TODAY)
    body = _statement(gql, books, neighbour)
    assert body["data"]["householdStatement"] is None
    assert _code(body) == "PERMISSION_DENIED"
    viewer = _fresh(books.users["outsider"])
    assert household_personal_data(household=neighbour, viewer=viewer).is_masked
    assert _income_reads() == []


def test_a_village_request_reaches_its_households_for_its_period(
    gql: GraphQLClient, books: Books
) -> None:
    neighbour = factories.household(village_obj=books.village)
    grant = _grant(
        books, period_from=datetime.date(YEAR, 1, 1), period_to=TODAY, village=books.village
    )
    body = _statement(gql, books, neighbour)
    assert "errors" not in body, body
    (entry,) = _income_reads()
    assert (entry.request_id, entry.household_ids) == (grant.pk, [neighbour.pk])
    assert _code(_statement(gql, books, books.other_household)) == "PERMISSION_DENIED"


def test_an_expired_request_reveals_nothing(gql: GraphQLClient, books: Books) -> None:
    grant = _grant(books, period_from=datetime.date(YEAR, 1, 1), period_to=TODAY)
    DataAccessRequest.objects.filter(pk=grant.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    body = _statement(gql, books, books.household)
    assert body["data"]["householdStatement"] is None
    assert _code(body) == "PERMISSION_DENIED"
    viewer = _fresh(books.users["outsider"])
    assert household_personal_data(household=books.household, viewer=viewer).is_masked
    assert (
        household_income_basis(
            user=viewer,
            household=books.household,
            first_day=datetime.date(YEAR, 1, 1),
            last_day=TODAY,
        )
        is None
    )
    assert AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_READ).count() == 0


def test_role_readers_are_not_bound_by_a_request_they_also_hold(
    gql: GraphQLClient, books: Books
) -> None:
    # The household's own township officer reads the books by role: a narrow request of
    # theirs neither limits the years they read nor is named for those reads.
    officer = books.users["officer"]
    approved(
        officer=books.users["admin"],
        requester=officer,
        households=[books.household],
        period_from=TODAY.replace(day=1),
        period_to=TODAY,
    )
    gql.login(officer)
    body = gql(HOUSEHOLD_STATEMENT, {"h": books.gid(books.household), "y": YEAR - 1})
    assert "errors" not in body, body
    (entry,) = _income_reads()
    assert (entry.basis, entry.request_id) == ("BOOKS_READER", None)


def test_the_back_office_statement_page_keeps_to_the_period(client: Any, books: Books) -> None:
    grant = _grant(books, period_from=TODAY.replace(day=1), period_to=TODAY)
    client.force_login(staff(books.users["outsider"]))
    url = reverse("admin:collective_econ_household_statement", args=[books.household.pk])
    assert client.get(url, {"year": YEAR - 1}).status_code == 403
    assert _income_reads() == []
    shown = client.get(url, {"year": YEAR, "month": TODAY.month})
    assert shown.status_code == 200
    (entry,) = _income_reads()
    assert (entry.basis, entry.request_id) == ("DATA_REQUEST", grant.pk)
    # No request reaches another county's household: the page does not exist for them.
    other = reverse("admin:collective_econ_household_statement", args=[books.other_household.pk])
    assert client.get(other).status_code == 404
