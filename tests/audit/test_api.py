"""The data-request and audit-log API: the whole flow, bad input answered with codes (never
a 500), reads through a grant logged, and connections whose query count stays flat."""

from __future__ import annotations

import base64
import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from graphql_relay import to_global_id

from marketplace.audit.models import AuditAction, AuditEntry, DataAccessRequest, DataRequestStatus
from tests.api.conftest import GraphQLClient
from tests.audit.conftest import PDF, approved, file_request, submitted

pytestmark = pytest.mark.django_db

CREATE = """
mutation($input: DataAccessRequestCreateInput!) {
  dataAccessRequestCreate(input: $input) {
    dataAccessRequest { id status hasLetter letterContentType letterUrl requesterEmail
      households { reference } village { name } township { name } }
    errors { field message code }
  }
}"""
SUBMIT = """mutation($id: ID!) { dataAccessRequestSubmit(id: $id) {
  dataAccessRequest { status submittedAt } errors { field code } } }"""
DECIDE = """mutation($id: ID!, $approve: Boolean!, $reason: String) {
  dataAccessRequestDecide(id: $id, approve: $approve, reason: $reason) {
    dataAccessRequest { status isActive decidedByEmail decisionReason } errors { field code } } }"""
REVOKE = """mutation($id: ID!, $reason: String!) { dataAccessRequestRevoke(id: $id, reason: $reason) {
  dataAccessRequest { status revokedAt } errors { field code } } }"""
HOUSEHOLDS = "{ households(first: 20) { edges { node { reference headName phone isMasked } } } }"
ENTRIES = """query($first: Int, $filter: AuditEntryFilterInput) {
  auditEntries(first: $first, filter: $filter) { totalCount edges { node {
    sequence action actorEmail householdIds fields where basis targetType
    request { id status requesterEmail households { reference } } entryHash previousHash } } } }"""
REQUESTS = """query($first: Int, $filter: DataAccessRequestFilterInput) {
  dataAccessRequests(first: $first, filter: $filter) { totalCount edges { node {
    id status requesterEmail decidedByEmail households { reference } village { name }
    township { name } periodFrom periodTo expiresAt isActive hasLetter } } } }"""


def _gql(user: Any = None) -> GraphQLClient:
    from django.test import Client

    client = GraphQLClient(Client())
    if user is not None:
        client.login(user)
    return client


def _input(place: Any, **kw: Any) -> dict[str, Any]:
    today = timezone.localdate()
    values = {
        "requestingUnit": "县医保局",
        "purpose": "Checking medical-insurance subsidies.",
        "households": [to_global_id("Household", place.hx.pk)],
        "periodFrom": str(today - datetime.timedelta(days=60)),
        "periodTo": str(today),
        "expiresAt": (timezone.now() + datetime.timedelta(days=14)).isoformat(),
        "letter": {"contentBase64": base64.b64encode(PDF).decode()},
    }
    values.update(kw)
    return values


def _rid(data_request: DataAccessRequest) -> str:
    return to_global_id("DataAccessRequest", data_request.pk)


def test_file_submit_approve_read_and_revoke_through_the_api(place):
    requester = _gql(place.requester)
    created = requester.data(CREATE, {"input": _input(place)})["dataAccessRequestCreate"]
    assert created["errors"] == []
    node = created["dataAccessRequest"]
    assert node["status"] == "DRAFT" and node["hasLetter"]
    assert node["letterContentType"] == "application/pdf"
    stored = DataAccessRequest.objects.get(requester=place.requester)
    assert node["letterUrl"] == f"/admin/private-files/{stored.letter.name}"
    assert node["households"] == [{"reference": place.hx.reference}]

    submitted_ = requester.data(SUBMIT, {"id": node["id"]})["dataAccessRequestSubmit"]
    assert submitted_["errors"] == [] and submitted_["dataAccessRequest"]["status"] == "SUBMITTED"

    decided = _gql(place.officer_own).data(
        DECIDE, {"id": node["id"], "approve": True, "reason": "Letter and seal checked."}
    )["dataAccessRequestDecide"]
    assert decided["errors"] == []
    assert decided["dataAccessRequest"]["isActive"] is True
    assert decided["dataAccessRequest"]["decidedByEmail"] == place.officer_own.email

    # The requester, an officer of another county's township, sees nothing of township 1
    # in `households` (not theirs to list); the manager of township 2 with a grant neither.
    # The grant shows wherever a masking point shows the household: here, the request.
    body = requester.data(
        "query($id: ID!) { dataAccessRequest(id: $id) { households { reference headName isMasked } } }",
        {"id": node["id"]},
    )
    assert body["dataAccessRequest"]["households"] == [
        {"reference": place.hx.reference, "headName": "李小梅", "isMasked": False}
    ]
    read = AuditEntry.objects.get(action=AuditAction.PERSONAL_DATA_READ)
    assert read.actor_id == place.requester.pk and read.household_ids == [place.hx.pk]
    assert read.where == "POST /graphql/" and read.basis == "DATA_REQUEST"

    revoked = requester.data(REVOKE, {"id": node["id"], "reason": "Finished."})
    assert revoked["dataAccessRequestRevoke"]["dataAccessRequest"]["status"] == "REVOKED"


def test_an_officer_with_a_grant_sees_x_unmasked_and_y_masked_and_the_read_is_logged(place):
    officer = place.officer_own
    client = _gql(officer)
    before = {
        e["node"]["reference"]: e["node"] for e in client.data(HOUSEHOLDS)["households"]["edges"]
    }
    assert before[place.hx.reference]["isMasked"] and before[place.hy.reference]["isMasked"]
    assert not AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_READ).exists()

    grant = approved(officer=place.platform_admin, requester=officer, households=[place.hx])
    after = {
        e["node"]["reference"]: e["node"] for e in client.data(HOUSEHOLDS)["households"]["edges"]
    }
    assert after[place.hx.reference] == {
        "reference": place.hx.reference,
        "headName": "李小梅",
        "phone": "13812345678",
        "isMasked": False,
    }
    assert after[place.hy.reference]["isMasked"]
    (read,) = AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_READ)
    assert read.household_ids == [place.hx.pk] and read.request_id == grant.pk

    DataAccessRequest.objects.filter(pk=grant.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    expired = {
        e["node"]["reference"]: e["node"] for e in client.data(HOUSEHOLDS)["households"]["edges"]
    }
    assert expired[place.hx.reference]["isMasked"]
    assert AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_READ).count() == 1


def test_a_page_of_unmasked_households_is_one_audit_entry(place):
    client = _gql(place.manager_own)
    client.data(HOUSEHOLDS)
    (read,) = AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_READ)
    assert sorted(read.household_ids) == sorted([place.hx.pk, place.hy.pk])
    assert read.basis == "SHOP_MANAGER"
    # The household itself reading its own data is not an audited read.
    _gql(place.household_seller).data(HOUSEHOLDS)
    assert AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_READ).count() == 1


def _errors(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    assert "errors" not in body, body.get("errors")
    return body["data"][name]["errors"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"households": []}, "EMPTY_SCOPE"),
        ({"households": None}, "EMPTY_SCOPE"),
        ({"periodFrom": "2026-03-01", "periodTo": "2026-02-01"}, "PERIOD_REVERSED"),
        ({"periodTo": "2099-01-01"}, "PERIOD_IN_FUTURE"),
        ({"expiresAt": "2020-01-01T00:00:00+00:00"}, "INVALID_EXPIRY"),
        ({"letter": {"contentBase64": "not base64!!"}}, "INVALID_LETTER"),
        ({"letter": {"contentBase64": base64.b64encode(b"GIF89a....").decode()}}, "INVALID_LETTER"),
        ({"households": ["bm90LWFuLWlk"]}, "INVALID"),
        ({"households": [to_global_id("Household", 999999)]}, "NOT_FOUND"),
        ({"village": to_global_id("Village", 999999)}, "NOT_FOUND"),
        ({"requestingUnit": " "}, "REQUIRED"),
    ],
)
def test_bad_input_gets_a_coded_error_and_writes_nothing(place, change, code):
    body = _gql(place.requester)(CREATE, {"input": _input(place, **change)})
    errors = _errors(body, "dataAccessRequestCreate")
    assert [e["code"] for e in errors] == [code]
    assert not DataAccessRequest.objects.exists()


@pytest.mark.parametrize("bad", ["2026-13-45", "last quarter", "Q5-2026"])
def test_an_unknown_period_is_a_graphql_error_not_a_500(place, bad):
    response = _gql(place.requester).raw(CREATE, {"input": _input(place, periodFrom=bad)})
    assert response.status_code in (200, 400)
    assert response.json()["errors"]
    assert not DataAccessRequest.objects.exists()


def test_approving_ones_own_request_and_an_expired_one_are_coded_errors(place):
    own = submitted(requester=place.officer_own, households=[place.hx])
    body = _gql(place.officer_own)(DECIDE, {"id": _rid(own), "approve": True, "reason": "mine"})
    assert [e["code"] for e in _errors(body, "dataAccessRequestDecide")] == ["OWN_REQUEST"]

    late = submitted(requester=place.requester, households=[place.hx])
    DataAccessRequest.objects.filter(pk=late.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    body = _gql(place.officer_own)(DECIDE, {"id": _rid(late), "approve": True, "reason": "ok"})
    assert [e["code"] for e in _errors(body, "dataAccessRequestDecide")] == ["EXPIRED"]
    body = _gql(place.officer_own)(DECIDE, {"id": _rid(late), "approve": False})
    assert [e["code"] for e in _errors(body, "dataAccessRequestDecide")] == ["EXPIRED"]
    body = _gql(place.officer_own)(DECIDE, {"id": "bad-id", "approve": True, "reason": "ok"})
    assert [e["code"] for e in _errors(body, "dataAccessRequestDecide")] == ["INVALID"]


@pytest.mark.parametrize(
    ("filter_", "code"),
    [
        (
            {"from": "2026-06-01T00:00:00+00:00", "to": "2026-01-01T00:00:00+00:00"},
            "RANGE_REVERSED",
        ),
        ({"from": "2099-01-01T00:00:00+00:00"}, "RANGE_IN_FUTURE"),
        ({"household": "not-an-id"}, "GRAPHQL_ERROR"),
    ],
)
def test_bad_audit_searches_are_coded_errors(place, filter_, code):
    body = _gql(place.officer_own)(ENTRIES, {"first": 10, "filter": filter_})
    assert body["errors"][0]["extensions"]["exception"]["code"] == code


def test_audit_search_filters_and_scoping(place):
    mine = approved(officer=place.officer_own, requester=place.requester, households=[place.hx])
    file_request(requester=place.manager_other, households=[place.hz])
    _gql(place.manager_own).data(HOUSEHOLDS)
    officer = _gql(place.officer_own)

    def search(**filter_: Any) -> list[dict[str, Any]]:
        found = officer.data(ENTRIES, {"first": 50, "filter": filter_})["auditEntries"]["edges"]
        return [edge["node"] for edge in found]

    everything = search()
    # Township 1's officer sees township 1's entries: not the request about township 2.
    assert {e["action"] for e in everything} == {
        "DATA_REQUEST_CREATE",
        "DATA_REQUEST_SUBMIT",
        "DATA_REQUEST_APPROVE",
        "PERSONAL_DATA_READ",
    }
    assert [e["action"] for e in search(action="PERSONAL_DATA_READ")] == ["PERSONAL_DATA_READ"]
    assert {e["action"] for e in search(actor=to_global_id("User", place.officer_own.pk))} == {
        "DATA_REQUEST_APPROVE"
    }
    by_household = search(household=to_global_id("Household", place.hy.pk))
    assert [e["action"] for e in by_household] == ["PERSONAL_DATA_READ"]
    assert len(search(request=_rid(mine))) == 3
    now = timezone.now()
    assert search(
        **{"from": (now - datetime.timedelta(hours=1)).isoformat(), "to": now.isoformat()}
    )
    assert search(to=(now - datetime.timedelta(days=1)).isoformat()) == []
    # The other township's officer sees only the request reaching township 2.
    other = _gql(place.officer_other).data(ENTRIES, {"first": 50})["auditEntries"]["edges"]
    assert [e["node"]["action"] for e in other] == ["DATA_REQUEST_CREATE"]
    # A county officer sees both townships of the county; the other county's none.
    county = _gql(place.county_own).data(ENTRIES, {"first": 50})["auditEntries"]["totalCount"]
    assert county == 5
    assert _gql(place.county_other).data(ENTRIES, {"first": 50})["auditEntries"]["totalCount"] == 0


def _count(client: GraphQLClient, query: str, variables: dict[str, Any]) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as ctx:
        body = client(query, variables)
    assert "errors" not in body, body.get("errors")
    return len(ctx.captured_queries), body


def test_connections_cost_the_same_queries_for_1_and_many(place):
    for household in (place.hx, place.hy, place.hz, place.hw):
        approved(officer=place.platform_admin, requester=place.requester, households=[household])
    file_request(requester=place.requester, village=place.hx.village)
    admin = _gql(place.platform_admin)
    few, body_few = _count(admin, REQUESTS, {"first": 1})
    many, body_many = _count(admin, REQUESTS, {"first": 100})
    assert len(body_few["data"]["dataAccessRequests"]["edges"]) == 1
    assert len(body_many["data"]["dataAccessRequests"]["edges"]) == 5
    assert few == many

    few, body_few = _count(admin, ENTRIES, {"first": 1})
    many, body_many = _count(admin, ENTRIES, {"first": 100})
    assert len(body_few["data"]["auditEntries"]["edges"]) == 1
    assert len(body_many["data"]["auditEntries"]["edges"]) > 10
    assert few == many


def test_the_status_filter(place):
    approved(officer=place.officer_own, requester=place.requester, households=[place.hx])
    file_request(requester=place.requester, households=[place.hy])
    found = _gql(place.requester).data(REQUESTS, {"first": 10, "filter": {"status": ["DRAFT"]}})
    assert [e["node"]["status"] for e in found["dataAccessRequests"]["edges"]] == ["DRAFT"]
    assert DataAccessRequest.objects.filter(status=DataRequestStatus.APPROVED).count() == 1
