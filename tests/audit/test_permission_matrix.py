"""§8: every role × every query and mutation of data requests and the audit log, allowed
or refused with its code; and reads of personal data by grant.

A refusal is either the GraphQL error `PermissionDenied` (the caller has no role that may
do this at all) or a coded `errors` entry (NOT_FOUND for a request the caller cannot see,
NOT_OVERSEER for one beyond their townships)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone
from graphql_relay import to_global_id

from marketplace.audit.models import DataAccessRequest
from tests.audit.conftest import ROLES, approved, file_request, submitted
from tests.audit.test_api import CREATE, DECIDE, ENTRIES, REQUESTS, REVOKE, SUBMIT, _gql, _input

pytestmark = pytest.mark.django_db

OK = "ok"
DENIED = "PermissionDenied"
STAFF = set(ROLES) - {"anonymous", "buyer", "household_seller"}
# Who sees a request filed by an outsider about township 1's household X.
SEES_IT = {"officer_own", "county_own", "platform_admin"}
BUREAU = {"officer_own", "officer_other", "county_own", "county_other", "platform_admin"}


def _staff_else_denied(role: str, allowed: str = OK) -> str:
    return allowed if role in STAFF else DENIED


EXPECTED: dict[str, dict[str, str]] = {
    "dataAccessRequests": {r: _staff_else_denied(r) for r in ROLES},
    "dataAccessRequest": {r: _staff_else_denied(r, OK if r in SEES_IT else "null") for r in ROLES},
    "auditEntries": {r: OK if r in BUREAU else DENIED for r in ROLES},
    "dataAccessRequestCreate": {r: _staff_else_denied(r) for r in ROLES},
    # Only the requester submits: those who see it are told no, others find nothing.
    "dataAccessRequestSubmit": {
        r: _staff_else_denied(r, DENIED if r in SEES_IT else "NOT_FOUND") for r in ROLES
    },
    "dataAccessRequestDecide": {
        **{r: DENIED for r in ROLES},
        "officer_own": OK,
        "platform_admin": OK,
        "officer_other": "NOT_FOUND",
    },
    "dataAccessRequestRevoke": {
        **{r: _staff_else_denied(r, "NOT_FOUND") for r in ROLES},
        "officer_own": OK,
        "platform_admin": OK,
        "county_own": DENIED,
    },
}

QUERIES = {
    "dataAccessRequests": (REQUESTS, lambda rid, place: {"first": 10}),
    "dataAccessRequest": (
        "query($id: ID!) { dataAccessRequest(id: $id) { id status } }",
        lambda rid, place: {"id": rid},
    ),
    "auditEntries": (ENTRIES, lambda rid, place: {"first": 10}),
    "dataAccessRequestCreate": (CREATE, lambda rid, place: {"input": _input(place)}),
    "dataAccessRequestSubmit": (SUBMIT, lambda rid, place: {"id": rid}),
    "dataAccessRequestDecide": (
        DECIDE,
        lambda rid, place: {"id": rid, "approve": True, "reason": "Letter checked."},
    ),
    "dataAccessRequestRevoke": (REVOKE, lambda rid, place: {"id": rid, "reason": "Done."}),
}


def _subject(operation: str, place: Any) -> DataAccessRequest:
    """The request each operation acts on, in the state where it can succeed."""
    if operation == "dataAccessRequestSubmit":
        return file_request(requester=place.requester, households=[place.hx])
    if operation == "dataAccessRequestRevoke":
        return approved(
            officer=place.platform_admin, requester=place.requester, households=[place.hx]
        )
    return submitted(requester=place.requester, households=[place.hx])


def _outcome(body: dict[str, Any], operation: str) -> str:
    if body.get("errors"):
        return body["errors"][0]["extensions"]["exception"]["code"]
    answer = body["data"][operation]
    if answer is None:
        return "null"
    if isinstance(answer, dict) and "errors" in answer:
        return answer["errors"][0]["code"] if answer["errors"] else OK
    return OK


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", list(QUERIES))
def test_permission_matrix(place, role, operation):
    subject = _subject(operation, place)
    query, variables = QUERIES[operation]
    body = _gql(place.users[role])(
        query, variables(to_global_id("DataAccessRequest", subject.pk), place)
    )
    assert _outcome(body, operation) == EXPECTED[operation][role]


def test_the_requester_alone_submits_and_may_revoke_their_own(place):
    draft = file_request(requester=place.requester, households=[place.hx])
    rid = to_global_id("DataAccessRequest", draft.pk)
    client = _gql(place.requester)
    assert client.data(SUBMIT, {"id": rid})["dataAccessRequestSubmit"]["errors"] == []
    body = client(DECIDE, {"id": rid, "approve": True, "reason": "mine"})
    assert body["data"]["dataAccessRequestDecide"]["errors"][0]["code"] == "OWN_REQUEST"


HOUSEHOLD_QUERY = """query($id: ID!) { dataAccessRequest(id: $id) {
  households { reference headName idNumber phone isMasked } } }"""


@pytest.mark.parametrize("role", sorted(SEES_IT))
def test_who_sees_a_requests_households_unmasked(place, role):
    # The request shows its scope's households through the masking point: the officers
    # who oversee them see them masked unless a role (platform admin) entitles them.
    grant = submitted(requester=place.requester, households=[place.hx])
    body = _gql(place.users[role]).data(
        HOUSEHOLD_QUERY, {"id": to_global_id("DataAccessRequest", grant.pk)}
    )
    (household,) = body["dataAccessRequest"]["households"]
    assert household["isMasked"] is (role != "platform_admin")
    if household["isMasked"]:
        assert household["headName"] == "李**" and "138" in household["phone"]
        assert household["idNumber"] != place.hx.id_number


def test_grant_for_x_leaves_y_masked_and_expiry_masks_x_again(place):
    officer = place.officer_own
    grant = approved(officer=place.platform_admin, requester=officer, households=[place.hx])
    other = submitted(requester=place.requester, households=[place.hy])
    client = _gql(officer)
    view = "query($id: ID!) { dataAccessRequest(id: $id) { households { headName isMasked } } }"

    def masked(request: DataAccessRequest) -> bool:
        body = client.data(view, {"id": to_global_id("DataAccessRequest", request.pk)})
        return body["dataAccessRequest"]["households"][0]["isMasked"]

    assert masked(grant) is False  # X: granted
    assert masked(other) is True  # Y: no grant
    DataAccessRequest.objects.filter(pk=grant.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert masked(grant) is True
