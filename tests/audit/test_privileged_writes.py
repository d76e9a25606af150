"""Privileged writes land in the audit log: shop workflow decisions, role changes in the
back office, manual ledger entries and reversals (once per idempotent write)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from collective_econ.ledger.services import (
    account_get_or_create,
    journal_entry_manual,
    transaction_reverse,
)
from collective_econ.models import AccountKind
from marketplace.accounts.models import Role, RoleAssignment
from marketplace.audit.chain import chain_verify
from marketplace.audit.models import AuditAction, AuditEntry
from marketplace.organisations import services as organisations
from marketplace.organisations.models import ShopStatus
from tests import factories

pytestmark = pytest.mark.django_db


def test_shop_workflow_decisions_are_audited(place):
    village = factories.village(township_obj=place.hx.village.township)
    applying = factories.shop(village_obj=village, status=ShopStatus.APPLIED)
    organisations.shop_recommend(shop=applying, officer=place.officer_own, reason="Ready.")
    organisations.shop_approve(shop=applying, admin=place.platform_admin, reason="Approved.")
    entries = list(
        AuditEntry.objects.filter(action=AuditAction.SHOP_STATUS_CHANGE).order_by("sequence")
    )
    assert [(e.actor_id, e.details["to"]) for e in entries] == [
        (place.officer_own.pk, ShopStatus.RECOMMENDED),
        (place.platform_admin.pk, ShopStatus.APPROVED),
    ]
    assert entries[0].target_type == "organisations.Shop"
    assert entries[0].target_id == str(applying.pk)
    assert entries[0].township_ids == [place.hx.village.township_id]


def test_manual_ledger_entries_and_reversals_are_audited_once(place):
    alipay = account_get_or_create(kind=AccountKind.ALIPAY_CLEARING)
    collective = account_get_or_create(kind=AccountKind.VILLAGE_COLLECTIVE, owner=place.hx.village)
    legs = [(alipay.pk, "10.00"), (collective.pk, "-10.00")]
    actor = place.platform_admin
    entry = journal_entry_manual(idempotency_key="k1", postings=legs, memo="fix", actor=actor)
    journal_entry_manual(idempotency_key="k1", postings=legs, memo="fix", actor=actor)
    transaction_reverse(journal_transaction=entry, actor=actor)
    transaction_reverse(journal_transaction=entry, actor=actor)
    actions = list(AuditEntry.objects.order_by("sequence").values_list("action", "actor_id"))
    assert actions == [
        (AuditAction.LEDGER_MANUAL_ENTRY, actor.pk),
        (AuditAction.LEDGER_REVERSAL, actor.pk),
    ]
    assert chain_verify() == (2, None)


def test_role_changes_in_the_back_office_are_audited(client: Any, place):
    admin = place.platform_admin
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    client.force_login(admin)
    someone = factories.user(is_staff=True)
    township = place.hx.village.township
    response = client.post(
        reverse("admin:accounts_roleassignment_add"),
        {"user": someone.pk, "role": Role.TOWNSHIP_OFFICER, "township": township.pk},
    )
    assert response.status_code == 302, response.content[:2000]
    assignment = RoleAssignment.objects.get(user=someone)
    response = client.post(
        reverse("admin:accounts_roleassignment_delete", args=[assignment.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    entries = list(AuditEntry.objects.order_by("sequence"))
    assert [e.action for e in entries] == [AuditAction.ROLE_ASSIGN, AuditAction.ROLE_REMOVE]
    assert all(e.actor_id == admin.pk and e.details["user"] == someone.pk for e in entries)
    assert entries[1].target_id == str(assignment.pk)
    assert entries[0].township_ids == [township.pk]
