"""The back office: a page of unmasked households is logged in a bounded number of
statements; officers search the log within their scope; letters are checked on upload."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from marketplace.audit.models import AuditAction, AuditEntry, DataAccessRequest
from tests import factories
from tests.audit.conftest import PDF, approved, staff

pytestmark = pytest.mark.django_db


def _audit_statements(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return sum(
        "audit_auditentry" in q["sql"] or "pg_advisory_xact_lock" in q["sql"]
        for q in ctx.captured_queries
    )


def test_a_page_of_households_is_logged_in_the_same_statements_for_2_and_50(client, place):
    client.force_login(staff(place.manager_own))
    url = reverse("admin:organisations_household_changelist")
    few = _audit_statements(client, url)
    assert AuditEntry.objects.get().household_ids == sorted([place.hx.pk, place.hy.pk])
    for _ in range(48):
        factories.household(village_obj=place.hx.village)
    many = _audit_statements(client, url)
    latest = AuditEntry.objects.order_by("-sequence").first()
    assert len(latest.household_ids) == 50
    assert latest.basis == "SHOP_MANAGER"
    assert latest.where == "GET /admin/organisations/household/"
    # The lock, the chain's head and one INSERT, whatever the page size.
    assert few == many == 3


def test_officers_search_the_log_within_their_scope(client, place):
    approved(officer=place.officer_own, requester=place.requester, households=[place.hx])
    approved(officer=place.officer_other, requester=place.requester, households=[place.hz])
    url = reverse("admin:audit_auditentry_changelist")

    client.force_login(staff(place.officer_own))
    listed = client.get(url).context["cl"].result_list
    assert {e.request.households.get() for e in listed} == {place.hx}
    by_household = client.get(url, {"q": place.hx.reference}).context["cl"].result_list
    assert len(by_household) == 3
    filtered = client.get(url, {"action__exact": AuditAction.DATA_REQUEST_APPROVE})
    assert [e.actor_id for e in filtered.context["cl"].result_list] == [place.officer_own.pk]
    other_entry = AuditEntry.objects.filter(
        township_ids__contains=[place.hz.village.township_id]
    ).first()
    assert client.get(
        reverse("admin:audit_auditentry_change", args=[other_entry.pk])
    ).status_code in (302, 403, 404)

    client.force_login(staff(place.county_own))
    assert client.get(url).context["cl"].result_count == 6
    client.force_login(staff(place.manager_own))
    assert client.get(url).status_code == 403


def _add_form(place: Any, letter: bytes) -> dict[str, Any]:
    today = timezone.localdate()
    expires = timezone.localtime() + datetime.timedelta(days=5)
    return {
        "requesting_unit": "县民政局",
        "purpose": "Allowance review.",
        "households": [place.hx.pk],
        "period_from": str(today - datetime.timedelta(days=10)),
        "period_to": str(today),
        "expires_at_0": expires.strftime("%Y-%m-%d"),
        "expires_at_1": expires.strftime("%H:%M:%S"),
        "letter_upload": SimpleUploadedFile("letter.pdf", letter),
    }


def test_filing_a_request_with_its_letter_in_the_back_office(client, place):
    client.force_login(staff(place.manager_other))
    url = reverse("admin:audit_dataaccessrequest_add")
    refused = client.post(url, _add_form(place, b"<html>not a letter</html>"))
    assert refused.status_code == 200
    assert "PDF, JPEG or PNG" in refused.content.decode()
    assert not DataAccessRequest.objects.exists()

    accepted = client.post(url, _add_form(place, PDF))
    assert accepted.status_code == 302, accepted.content.decode()[:3000]
    filed = DataAccessRequest.objects.get()
    assert filed.requester_id == place.manager_other.pk
    assert filed.letter_content_type == "application/pdf"
    assert list(filed.households.all()) == [place.hx]


def test_deciding_in_the_back_office(client, place):
    client.force_login(staff(place.manager_other))
    client.post(reverse("admin:audit_dataaccessrequest_add"), _add_form(place, PDF))
    filed = DataAccessRequest.objects.get()
    changelist = reverse("admin:audit_dataaccessrequest_changelist")
    client.post(changelist, {"action": "submit", "_selected_action": [filed.pk]})
    client.force_login(staff(place.officer_own))
    client.post(
        changelist,
        {"action": "approve", "_selected_action": [filed.pk], "apply": "1", "reason": "公函齐全"},
    )
    filed.refresh_from_db()
    assert filed.status == "APPROVED" and filed.decided_by_id == place.officer_own.pk
