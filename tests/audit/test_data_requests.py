"""The life of a data request at the service level: bad input refused with codes, grants
unmasking their scope only and only until expiry, in one query per request."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.accounts.permissions import can_view_household_personal_data
from marketplace.audit import services
from marketplace.audit.error_codes import DataRequestErrorCode as Code
from marketplace.audit.letters import MAX_LETTER_BYTES
from marketplace.audit.models import AuditAction, AuditEntry, DataRequestStatus
from marketplace.audit.tasks import expire_data_requests
from marketplace.core.errors import PermissionRefused
from marketplace.organisations.privacy import household_personal_data
from tests.audit.conftest import PDF, PNG, approved, file_request, submitted

pytestmark = pytest.mark.django_db


def _code(exc: ValidationError) -> str:
    (errors,) = exc.error_dict.values()
    return errors[0].code


def _refused(code: Code, call: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        call()
    assert _code(caught.value) == code.value


def test_bad_input_is_refused_with_a_code_and_writes_nothing(place):
    today = timezone.localdate()
    r = place.requester
    cases = [
        (Code.EMPTY_SCOPE, {}),
        (Code.AMBIGUOUS_SCOPE, {"households": [place.hx], "village": place.hx.village}),
        (
            Code.PERIOD_REVERSED,
            {
                "households": [place.hx],
                "period_from": today,
                "period_to": today - datetime.timedelta(days=1),
            },
        ),
        (
            Code.PERIOD_IN_FUTURE,
            {"households": [place.hx], "period_to": today + datetime.timedelta(days=10)},
        ),
        (
            Code.INVALID_EXPIRY,
            {"households": [place.hx], "expires_at": timezone.now() - datetime.timedelta(hours=1)},
        ),
        (
            Code.INVALID_EXPIRY,
            {"households": [place.hx], "expires_at": timezone.now() + datetime.timedelta(days=800)},
        ),
        (Code.REQUIRED, {"households": [place.hx], "purpose": "  "}),
        (Code.INVALID_LETTER, {"households": [place.hx], "letter": b"MZ\x90\x00 not a letter"}),
        (
            Code.LETTER_TOO_LARGE,
            {"households": [place.hx], "letter": PDF + b"0" * MAX_LETTER_BYTES},
        ),
    ]
    for code, kw in cases:
        _refused(code, lambda kw=kw: file_request(requester=r, **kw))
    assert not r.data_access_requests.exists()
    assert not AuditEntry.objects.exists()


def test_letters_are_judged_by_their_bytes(place):
    assert (
        file_request(
            requester=place.requester, households=[place.hx], letter=PNG
        ).letter_content_type
        == "image/png"
    )
    with_pdf = file_request(requester=place.requester, households=[place.hx], letter=PDF)
    assert with_pdf.letter_content_type == "application/pdf"
    assert with_pdf.letter.name.endswith(".pdf")


def test_a_buyer_may_not_file(place):
    with pytest.raises(PermissionRefused):
        file_request(requester=place.buyer, households=[place.hx])


def test_submitting_needs_the_letter_and_the_requester(place):
    draft = file_request(requester=place.requester, households=[place.hx], letter=None)
    _refused(
        Code.LETTER_REQUIRED,
        lambda: services.data_request_submit(data_request=draft, actor=place.requester),
    )
    with pytest.raises(PermissionRefused):
        services.data_request_submit(data_request=draft, actor=place.officer_own)


def test_nobody_approves_their_own_request(place):
    own = submitted(requester=place.officer_own, households=[place.hx])
    _refused(
        Code.OWN_REQUEST,
        lambda: services.data_request_decide(
            data_request=own, officer=place.officer_own, approve=True, reason="mine"
        ),
    )
    own.refresh_from_db()
    assert own.status == DataRequestStatus.SUBMITTED


def test_the_officer_must_oversee_every_household_in_scope(place):
    both = submitted(requester=place.requester, households=[place.hx, place.hz])
    _refused(
        Code.NOT_OVERSEER,
        lambda: services.data_request_decide(
            data_request=both, officer=place.officer_own, approve=True, reason="ok"
        ),
    )
    _refused(
        Code.NOT_OVERSEER,
        lambda: services.data_request_decide(
            data_request=both, officer=place.county_own, approve=True, reason="ok"
        ),
    )
    decided = services.data_request_decide(
        data_request=both, officer=place.platform_admin, approve=True, reason="ok"
    )
    assert decided.status == DataRequestStatus.APPROVED


def test_a_refusal_needs_a_reason_and_a_decision_is_final(place):
    pending = submitted(requester=place.requester, households=[place.hx])
    _refused(
        Code.REQUIRED,
        lambda: services.data_request_decide(
            data_request=pending, officer=place.officer_own, approve=False, reason=""
        ),
    )
    services.data_request_decide(
        data_request=pending, officer=place.officer_own, approve=False, reason="No letterhead."
    )
    _refused(
        Code.INVALID_TRANSITION,
        lambda: services.data_request_decide(
            data_request=pending, officer=place.officer_own, approve=True, reason="changed mind"
        ),
    )


def test_an_expired_request_cannot_be_decided(place):
    pending = submitted(requester=place.requester, households=[place.hx])
    type(pending).objects.filter(pk=pending.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    _refused(
        Code.EXPIRED,
        lambda: services.data_request_decide(
            data_request=pending, officer=place.officer_own, approve=True, reason="ok"
        ),
    )


def _fresh(user):
    # A new request: the grants cached on the user object are per request.
    return type(user).objects.get(pk=user.pk)


def test_a_grant_unmasks_its_scope_only_until_it_expires(place):
    officer = place.requester
    assert household_personal_data(household=place.hx, viewer=officer).is_masked
    grant = approved(officer=place.officer_own, requester=officer, households=[place.hx])
    viewer = _fresh(officer)
    seen = household_personal_data(household=place.hx, viewer=viewer)
    assert not seen.is_masked and seen.head_name == "李小梅" and seen.phone == "13812345678"
    assert household_personal_data(household=place.hy, viewer=viewer).is_masked
    read = AuditEntry.objects.get(action=AuditAction.PERSONAL_DATA_READ)
    assert read.actor_id == officer.pk and read.household_ids == [place.hx.pk]
    assert read.request_id == grant.pk and read.basis == "DATA_REQUEST"
    assert read.fields == ["head_name", "id_number", "phone"]
    assert read.township_ids == [place.hx.village.township_id]

    type(grant).objects.filter(pk=grant.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    # Masked again at once, before the beat task has marked anything.
    assert household_personal_data(household=place.hx, viewer=_fresh(officer)).is_masked
    assert expire_data_requests() == 1
    grant.refresh_from_db()
    assert grant.status == DataRequestStatus.EXPIRED
    assert AuditEntry.objects.filter(
        action=AuditAction.DATA_REQUEST_EXPIRE, request_id=grant.pk
    ).exists()


def test_village_and_township_grants_cover_their_households(place):
    approved(officer=place.officer_own, requester=place.requester, village=place.hx.village)
    viewer = _fresh(place.requester)
    assert can_view_household_personal_data(user=viewer, household=place.hy)
    assert not can_view_household_personal_data(user=viewer, household=place.hz)
    other = place.manager_other
    approved(officer=place.platform_admin, requester=other, township=place.hx.village.township)
    assert can_view_household_personal_data(user=_fresh(other), household=place.hx)


def test_a_revoked_grant_unmasks_nothing(place):
    grant = approved(officer=place.officer_own, requester=place.requester, households=[place.hx])
    with pytest.raises(PermissionRefused):
        services.data_request_revoke(data_request=grant, actor=place.officer_other, reason="x")
    services.data_request_revoke(data_request=grant, actor=place.officer_own, reason="Done.")
    assert not can_view_household_personal_data(user=_fresh(place.requester), household=place.hx)


def test_grants_cost_one_query_per_request_whatever_the_households(place):
    approved(officer=place.officer_own, requester=place.requester, households=[place.hx, place.hy])
    viewer = _fresh(place.requester)
    households = [place.hx, place.hy, place.hz, place.hw] * 5
    with CaptureQueriesContext(connection) as queries:
        answers = [can_view_household_personal_data(user=viewer, household=h) for h in households]
    assert answers == [True, True, False, False] * 5
    grant_queries = [q for q in queries.captured_queries if "audit_dataaccessrequest" in q["sql"]]
    assert len(grant_queries) == 1
    assert len(queries.captured_queries) == 2  # the roles, then the grants


def test_every_transition_is_in_the_audit_log(place):
    grant = approved(officer=place.officer_own, requester=place.requester, households=[place.hx])
    services.data_request_revoke(
        data_request=grant, actor=place.requester, reason="No longer needed."
    )
    actions = list(
        AuditEntry.objects.filter(request_id=grant.pk)
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == [
        AuditAction.DATA_REQUEST_CREATE,
        AuditAction.DATA_REQUEST_SUBMIT,
        AuditAction.DATA_REQUEST_APPROVE,
        AuditAction.DATA_REQUEST_REVOKE,
    ]
    approval = AuditEntry.objects.get(request_id=grant.pk, action=AuditAction.DATA_REQUEST_APPROVE)
    assert approval.actor_id == place.officer_own.pk
    assert approval.details["reason"] == "Letter checked."
    assert approval.township_ids == [place.hx.village.township_id]
