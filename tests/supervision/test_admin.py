"""The supervision pages of the back office: the queue, claim decisions with a reason,
report downloads and township scoping of reports."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from marketplace.activity.models import AdministratorActivityDay
from marketplace.supervision.models import ClaimStatus, PeriodKind
from marketplace.supervision.periods import last_completed
from marketplace.supervision.reports import report_generate
from tests import factories
from tests.supervision.world import file_claim

pytestmark = pytest.mark.django_db


def _staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def test_officer_sees_the_queue_and_approves_a_claim_with_a_reason(client, town):
    claim = file_claim(town.managers[0], factories.product(shop_obj=town.shops[0]))
    client.force_login(_staff(town.officer))
    queue = client.get(reverse("admin:supervision_approval_queue"))
    assert queue.status_code == 200 and claim.number in queue.content.decode()
    changelist = reverse("admin:supervision_certificationclaim_changelist")
    asked = client.post(changelist, {"action": "claim_approve", "_selected_action": [claim.pk]})
    assert asked.status_code == 200 and b"reason" in asked.content
    client.post(
        changelist,
        {"action": "claim_approve", "_selected_action": [claim.pk], "apply": "1", "reason": "齐全"},
    )
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED and claim.decision_reason == "齐全"


def test_reports_download_and_stay_within_the_township(client, town):
    report = report_generate(period=last_completed(PeriodKind.MONTH), township=town.township)
    client.force_login(_staff(town.county_officer))
    xlsx = client.get(reverse("admin:supervision_report_download", args=[report.pk, "xlsx"]))
    assert xlsx.status_code == 200
    assert load_workbook(io.BytesIO(xlsx.content)).active["A3"].value == "编码 Code"
    pdf = client.get(reverse("admin:supervision_report_download", args=[report.pk, "pdf"]))
    assert pdf.content.startswith(b"%PDF")
    client.force_login(_staff(town.other_officer))
    refused = client.get(reverse("admin:supervision_report_download", args=[report.pk, "pdf"]))
    assert refused.status_code == 404
    listing = client.get(reverse("admin:supervision_periodicreport_changelist"))
    assert listing.context["cl"].result_count == 0


def test_admin_login_records_activity(client, town):
    officer = _staff(town.officer)
    client.post(
        reverse("admin:login"), {"username": officer.email, "password": "Village-pass-2026"}
    )
    assert AdministratorActivityDay.objects.get(user=officer).logins == 1


def test_platform_admin_sees_recommended_shops_awaiting_the_platform(client, town):
    from marketplace.organisations.services import shop_recommend

    shop = factories.shop(
        village_obj=factories.village(township_obj=town.township), status="APPLIED"
    )
    shop_recommend(shop=shop, officer=town.officer, reason="推荐")
    client.force_login(_staff(town.admin))
    page = client.get(reverse("admin:supervision_approval_queue")).content.decode()
    assert 'id="platform-approval-queue"' in page and shop.name in page
    client.force_login(_staff(town.officer))
    page = client.get(reverse("admin:supervision_approval_queue")).content.decode()
    assert 'id="platform-approval-queue"' not in page
