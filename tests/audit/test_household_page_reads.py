"""The household's back-office page notes its unmasked reads in the audit log: one entry
per page view, naming who read, which household, and the role or data request that
entitled it. A viewer shown masked values leaves no read behind."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.audit.models import AuditAction, AuditEntry, DataAccessRequest
from tests.audit.conftest import approved, staff

pytestmark = pytest.mark.django_db


def _reads() -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_READ).order_by("sequence")
    )


def _page(household: Any) -> str:
    return reverse("admin:organisations_household_change", args=[household.pk])


def test_the_village_manager_opening_the_page_is_logged_once_per_view(client, place):
    client.force_login(staff(place.manager_own))
    first = client.get(_page(place.hx))
    assert first.status_code == 200
    assert "李小梅" in first.content.decode() and "13812345678" in first.content.decode()
    (entry,) = _reads()
    assert entry.actor_id == place.manager_own.pk
    assert entry.actor_email == place.manager_own.email
    assert entry.household_ids == [place.hx.pk]
    assert entry.township_ids == [place.hx.village.township_id]
    assert entry.basis == "SHOP_MANAGER" and entry.request_id is None
    assert set(entry.fields) == {"head_name", "id_number", "phone"}
    assert entry.where == f"GET {_page(place.hx)}"

    client.get(_page(place.hx))
    assert [e.household_ids for e in _reads()] == [[place.hx.pk], [place.hx.pk]]


def test_an_officer_with_an_approved_request_is_logged_under_that_request(client, place):
    grant = approved(
        officer=place.platform_admin, requester=place.officer_own, households=[place.hx]
    )
    client.force_login(staff(place.officer_own))
    before = len(_reads())
    shown = client.get(_page(place.hx)).content.decode()
    assert "李小梅" in shown
    entries = _reads()[before:]
    assert [(e.actor_id, e.basis, e.request_id, e.household_ids) for e in entries] == [
        (place.officer_own.pk, "DATA_REQUEST", grant.pk, [place.hx.pk])
    ]


def test_an_officer_without_a_grant_sees_masked_values_and_nothing_is_logged(client, place):
    # The officer's grant covers hx only: hy, in the same village, stays masked.
    approved(officer=place.platform_admin, requester=place.officer_own, households=[place.hx])
    client.force_login(staff(place.officer_own))
    before = len(_reads())
    response = client.get(_page(place.hy))
    assert response.status_code == 200
    shown = response.content.decode()
    assert "王大山" not in shown and "13998765432" not in shown
    assert "王**" in shown and "139****5432" in shown
    assert len(_reads()) == before


def test_an_expired_grant_unmasks_nothing_and_logs_nothing(client, place):
    grant = approved(
        officer=place.platform_admin, requester=place.officer_own, households=[place.hx]
    )
    DataAccessRequest.objects.filter(pk=grant.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    client.force_login(staff(place.officer_own))
    before = len(_reads())
    shown = client.get(_page(place.hx)).content.decode()
    assert "李小梅" not in shown and "李**" in shown
    assert len(_reads()) == before


def test_the_platform_admin_is_logged_with_their_role(client, place):
    client.force_login(staff(place.platform_admin))
    client.get(_page(place.hz))
    (entry,) = _reads()
    assert (entry.actor_id, entry.basis, entry.household_ids) == (
        place.platform_admin.pk,
        "PLATFORM_ADMIN",
        [place.hz.pk],
    )


def test_the_list_logs_only_the_rows_it_shows_unmasked(client, place):
    grant = approved(
        officer=place.platform_admin, requester=place.officer_own, households=[place.hx]
    )
    client.force_login(staff(place.officer_own))
    before = len(_reads())
    shown = client.get(reverse("admin:organisations_household_changelist")).content.decode()
    assert "李小梅" in shown and "王大山" not in shown and "王**" in shown
    (entry,) = _reads()[before:]
    assert (entry.basis, entry.request_id, entry.household_ids) == (
        "DATA_REQUEST",
        grant.pk,
        [place.hx.pk],
    )


def test_a_saved_change_is_logged_when_the_page_is_shown_again(client, place):
    client.force_login(staff(place.manager_own))
    page = _page(place.hx)
    saved = client.post(
        page,
        {
            "village": place.hx.village_id,
            "category": place.hx.category,
            "member_count": place.hx.member_count,
            "head_name": "李小梅",
            "id_number": place.hx.id_number,
            "phone": "13700000000",
            "_continue": "1",
        },
    )
    assert saved.status_code == 302, saved.content.decode()[:2000]
    # The POST itself shows nothing; the page it leads back to is one read.
    assert _reads() == []
    client.get(saved["Location"])
    (entry,) = _reads()
    assert entry.household_ids == [place.hx.pk]
