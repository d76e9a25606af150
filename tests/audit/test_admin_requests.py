"""Data requests in the back office, as a township officer uses them: file one with its
letter, find it among one's own with its status, submit it; another officer of the
township approves or refuses it with a reason. Deciding one's own request, or one that
reaches beyond one's township, is refused with the code the API answers."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from marketplace.accounts.models import Role
from marketplace.audit.error_codes import DataRequestErrorCode
from marketplace.audit.models import AuditAction, AuditEntry, DataAccessRequest
from tests import factories
from tests.audit.conftest import PDF, file_request, staff, submitted

pytestmark = pytest.mark.django_db

ADD = "admin:audit_dataaccessrequest_add"
CHANGELIST = "admin:audit_dataaccessrequest_changelist"


def _form(place: Any, **overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    expires = timezone.localtime() + datetime.timedelta(days=5)
    form = {
        "requesting_unit": "镇民政办",
        "purpose": "Checking the allowance roll.",
        "households": [place.hx.pk, place.hy.pk],
        "period_from": str(today - datetime.timedelta(days=60)),
        "period_to": str(today),
        "expires_at_0": expires.strftime("%Y-%m-%d"),
        "expires_at_1": expires.strftime("%H:%M:%S"),
        "letter_upload": SimpleUploadedFile("letter.pdf", PDF),
    }
    form.update(overrides)
    return form


def _second_officer(place: Any) -> Any:
    """Another officer of township 1, who may decide on what officer_own files."""
    return staff(factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=place.hx.village.township))


def _act(client: Any, action: str, rows: list[Any], reason: str | None = None) -> str:
    data: dict[str, Any] = {"action": action, "_selected_action": [r.pk for r in rows]}
    if reason is not None:
        data.update(apply="1", reason=reason)
    return client.post(reverse(CHANGELIST), data, follow=True).content.decode()


def test_an_officer_files_submits_and_finds_their_request_with_its_status(client, place):
    client.force_login(staff(place.officer_own))
    assert client.get(reverse(ADD)).status_code == 200
    filed_response = client.post(reverse(ADD), _form(place))
    assert filed_response.status_code == 302, filed_response.content.decode()[:3000]
    filed = DataAccessRequest.objects.get()
    assert filed.requester_id == place.officer_own.pk
    assert filed.requesting_unit == "镇民政办" and filed.status == "DRAFT"
    assert set(filed.households.all()) == {place.hx, place.hy}
    assert filed.letter_content_type == "application/pdf"

    shown = _act(client, "submit", [filed])
    assert "submitted" in shown
    filed.refresh_from_db()
    assert filed.status == "SUBMITTED"

    # Someone else's request reaching the township is listed too; "filed by me" keeps
    # the officer's own, with its status.
    someone_elses = submitted(requester=place.requester, households=[place.hx])
    everything = client.get(reverse(CHANGELIST)).context["cl"].result_list
    assert {r.pk for r in everything} == {filed.pk, someone_elses.pk}
    mine = client.get(reverse(CHANGELIST), {"filed_by": "me"})
    assert [(r.pk, r.status) for r in mine.context["cl"].result_list] == [(filed.pk, "SUBMITTED")]
    assert "Submitted" in mine.content.decode()


def test_the_letter_is_served_to_those_who_see_the_request_only(client, place):
    filed = file_request(requester=place.officer_own, households=[place.hx])
    url = filed.letter.url
    client.force_login(staff(place.officer_own))
    change_page = client.get(reverse("admin:audit_dataaccessrequest_change", args=[filed.pk]))
    assert f'href="{url}"' in change_page.content.decode()
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
    assert b"".join(served.streaming_content) == PDF
    client.force_login(staff(place.officer_other))
    assert client.get(url).status_code == 404


def test_bad_input_on_the_form_is_shown_and_nothing_is_written(client, place):
    client.force_login(staff(place.officer_own))
    today = timezone.localdate()
    reversed_period = client.post(
        reverse(ADD),
        _form(place, period_from=str(today), period_to=str(today - datetime.timedelta(days=3))),
    )
    assert reversed_period.status_code == 200
    assert "ends before it starts" in reversed_period.content.decode()
    assert "data_request_period_ordered" not in reversed_period.content.decode()
    no_scope = client.post(reverse(ADD), _form(place, households=[]))
    assert no_scope.status_code == 200
    assert "Name the households, the village or the township" in no_scope.content.decode()
    assert not DataAccessRequest.objects.exists()


def test_deciding_ones_own_request_is_refused_with_the_apis_code(client, place):
    own = submitted(requester=place.officer_own, households=[place.hx])
    client.force_login(staff(place.officer_own))
    shown = _act(client, "approve", [own], reason="I checked my own letter.")
    assert f"{DataRequestErrorCode.OWN_REQUEST.name}: Nobody may decide" in shown
    own.refresh_from_db()
    assert own.status == "SUBMITTED" and own.decided_by_id is None
    assert not AuditEntry.objects.filter(action=AuditAction.DATA_REQUEST_APPROVE).exists()


def test_another_officer_approves_with_a_reason_and_the_grant_unmasks(client, place):
    own = submitted(requester=place.officer_own, households=[place.hx])
    client.force_login(_second_officer(place))
    asked = client.post(
        reverse(CHANGELIST), {"action": "approve", "_selected_action": [own.pk]}
    ).content.decode()
    assert 'name="reason"' in asked
    own.refresh_from_db()
    assert own.status == "SUBMITTED"

    _act(client, "approve", [own], reason="公函与名单一致")
    own.refresh_from_db()
    assert own.status == "APPROVED" and own.decision_reason == "公函与名单一致"
    entry = AuditEntry.objects.get(action=AuditAction.DATA_REQUEST_APPROVE)
    assert entry.details["reason"] == "公函与名单一致" and entry.request_id == own.pk

    client.force_login(staff(place.officer_own))
    page = client.get(reverse("admin:organisations_household_change", args=[place.hx.pk]))
    assert "李小梅" in page.content.decode()
    read = AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_READ).get()
    assert (read.actor_id, read.request_id) == (place.officer_own.pk, own.pk)


def test_refusing_needs_a_reason_and_is_recorded(client, place):
    own = submitted(requester=place.officer_own, households=[place.hx])
    client.force_login(_second_officer(place))
    blank = _act(client, "refuse", [own], reason="  ")
    assert 'name="reason"' in blank
    own.refresh_from_db()
    assert own.status == "SUBMITTED"
    _act(client, "refuse", [own], reason="公函未盖章")
    own.refresh_from_db()
    assert own.status == "REFUSED" and own.decision_reason == "公函未盖章"


def test_a_request_reaching_beyond_the_officers_township_is_refused_coded(client, place):
    # hz lies in township 2: officer_own may not decide for it.
    wide = submitted(requester=place.manager_own, households=[place.hx, place.hz])
    client.force_login(staff(place.officer_own))
    shown = _act(client, "approve", [wide], reason="Looks fine.")
    assert f"{DataRequestErrorCode.NOT_OVERSEER.name}:" in shown
    wide.refresh_from_db()
    assert wide.status == "SUBMITTED"


def test_an_officer_of_another_township_cannot_see_or_decide_it(client, place):
    own = submitted(requester=place.officer_own, households=[place.hx])
    client.force_login(staff(place.officer_other))
    assert client.get(reverse(CHANGELIST)).context["cl"].result_count == 0
    _act(client, "approve", [own], reason="Not mine to approve.")
    own.refresh_from_db()
    assert own.status == "SUBMITTED"


def test_roles_without_the_back_office_cannot_file(client, place):
    client.force_login(place.buyer)
    assert client.get(reverse(ADD)).status_code == 302  # to the admin login
    client.force_login(staff(place.buyer))
    assert client.get(reverse(ADD)).status_code == 403
    assert not DataAccessRequest.objects.exists()


def test_a_letters_stored_name_cannot_be_guessed_from_its_request(place):
    first = file_request(requester=place.officer_own, households=[place.hx])
    second = file_request(requester=place.officer_own, households=[place.hx])
    for filed in (first, second):
        name = filed.letter.name.rsplit("/", 1)[-1]
        assert name.startswith(f"request-{filed.pk}-") and name.endswith(".pdf")
        assert len(name) > len(f"request-{filed.pk}-.pdf") + 20
    tokens = {
        filed.letter.name.rsplit("/", 1)[-1].removeprefix(f"request-{filed.pk}-")
        for filed in (first, second)
    }
    assert len(tokens) == 2


def test_a_requester_names_households_outside_their_view_by_reference(client, place):
    # manager_other's picker offers only their own village's households; the letter
    # names township 1's by reference.
    client.force_login(staff(place.manager_other))
    references = f"{place.hx.reference.lower()}、{place.hy.reference}\n"
    unknown = client.post(
        reverse(ADD), _form(place, households=[], household_references=references + "HT-NONE")
    )
    assert unknown.status_code == 200
    assert "NOT_FOUND: no household has the reference HT-NONE." in unknown.content.decode()
    assert not DataAccessRequest.objects.exists()

    filed = client.post(reverse(ADD), _form(place, households=[], household_references=references))
    assert filed.status_code == 302, filed.content.decode()[:3000]
    assert set(DataAccessRequest.objects.get().households.all()) == {place.hx, place.hy}
