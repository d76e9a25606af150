"""The supervision and household writes that change what officers rely on land in the
audit log once each, with their actor and township, and a refused write logs nothing."""

from __future__ import annotations

import datetime

import pytest

from marketplace.accounts.models import Role
from marketplace.audit.chain import chain_verify
from marketplace.audit.models import AuditAction, AuditEntry
from marketplace.core.errors import PermissionRefused
from marketplace.organisations import services as organisations
from marketplace.supervision import claims, complaints, reports, roster
from marketplace.supervision.models import PeriodKind
from marketplace.supervision.periods import last_completed
from tests import factories
from tests.supervision.world import file_claim

pytestmark = pytest.mark.django_db


def _entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("sequence"))


def test_a_claim_decision_is_audited_with_its_reason(town):
    claim = file_claim(town.managers[0], factories.product(shop_obj=town.shops[0]))
    claims.claim_decide(officer=town.officer, claim=claim, approve=False, reason="证书过期")
    (entry,) = _entries(AuditAction.CLAIM_DECIDE)
    assert entry.actor_id == town.officer.pk and entry.target_id == str(claim.pk)
    assert entry.details == {"to": "REJECTED", "reason": "证书过期"}
    assert entry.township_ids == [town.township.pk]


def test_an_appointment_and_its_replacement_are_audited(town):
    village = town.shops[0].village
    common = {
        "officer": town.officer,
        "village": village,
        "post": "VILLAGE_SHOP",
        "is_party_member": True,
        "birth_date": datetime.date(1990, 5, 1),
        "education": "SENIOR_SECONDARY",
    }
    first = roster.administrator_appoint(
        administrator=town.managers[0], effective_from=datetime.date(2026, 1, 1), **common
    )
    with pytest.raises(PermissionRefused):
        roster.administrator_appoint(
            **{**common, "officer": town.other_officer},
            administrator=town.managers[1],
            effective_from=datetime.date(2026, 6, 1),
        )
    roster.administrator_appoint(
        administrator=town.managers[1],
        effective_from=datetime.date(2026, 6, 1),
        replacement_reason="调任",
        **common,
    )
    entries = _entries(AuditAction.ADMINISTRATOR_APPOINT)
    assert [e.details["replaced_id"] for e in entries] == [None, first.pk]
    assert all(e.actor_id == town.officer.pk for e in entries)


def test_filing_a_report_and_resolving_a_complaint_are_audited(town):
    report = reports.report_generate(
        period=last_completed(PeriodKind.MONTH), township=town.township
    )
    reports.report_file(officer=town.officer, report=report)
    complaint = complaints.complaint_file(
        filed_by=town.officer, shop=town.shops[0], complainant_kind="VILLAGER", subject="茶叶受潮"
    )
    complaints.complaint_resolve(actor=town.managers[0], complaint=complaint, resolution="已补发")
    assert [e.actor_id for e in _entries(AuditAction.REPORT_FILE)] == [town.officer.pk]
    assert [e.target_id for e in _entries(AuditAction.COMPLAINT_RESOLVE)] == [str(complaint.pk)]


def test_registering_a_household_is_audited_without_its_personal_data(town):
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=town.shops[0])
    household = organisations.household_register(
        actor=manager,
        village=town.shops[0].village,
        category="MONITORED_AT_RISK",
        member_count=3,
        head_name="张小花",
        phone="13800001111",
    )
    (entry,) = _entries(AuditAction.HOUSEHOLD_REGISTER)
    assert entry.household_ids == [household.pk] and entry.actor_id == manager.pk
    assert "张小花" not in str(entry.details) and "13800001111" not in str(entry.details)
    assert chain_verify()[1] is None
