"""The demo's supervision data: a roster, a pending claim, two quarters' reports and the
red-flag rankings, added once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace.supervision.models import (
    AdministratorAppointment,
    CertificationClaim,
    ClaimStatus,
    Complaint,
    ComplaintStatus,
    PeriodicReport,
    PeriodKind,
    RedFlagRanking,
)
from tests.demo.conftest import demo  # noqa: F401  (the shared, rolled-back demo load)
from tooling.demo.supervision import load_supervision

pytestmark = pytest.mark.django_db


def test_demo_has_roster_claim_reports_and_red_flag(demo):  # noqa: F811
    assert AdministratorAppointment.objects.filter(effective_until__isnull=True).exists()
    assert CertificationClaim.objects.filter(status=ClaimStatus.PENDING).count() == 1
    quarters = set(
        PeriodicReport.objects.filter(period_kind=PeriodKind.QUARTER).values_list(
            "period_start", flat=True
        )
    )
    assert len(quarters) == 2
    assert RedFlagRanking.objects.values("quarter_start").distinct().count() == 2
    assert all(r.entries.filter(awarded=True).count() == 1 for r in RedFlagRanking.objects.all())


def test_demo_supervision_rerun_adds_nothing(demo):  # noqa: F811
    from marketplace.accounts.models import User
    from marketplace.divisions.models import Village

    counts = (
        AdministratorAppointment.objects.count(),
        CertificationClaim.objects.count(),
        PeriodicReport.objects.count(),
        RedFlagRanking.objects.count(),
        Complaint.objects.count(),
    )
    admin = User.objects.filter(is_superuser=True).first()
    load_supervision(admin=admin, villages={v.code: v for v in Village.objects.all()})
    assert counts == (
        AdministratorAppointment.objects.count(),
        CertificationClaim.objects.count(),
        PeriodicReport.objects.count(),
        RedFlagRanking.objects.count(),
        Complaint.objects.count(),
    )


def test_demo_complaints_move_the_indicators_and_the_red_flag(demo):  # noqa: F811
    from marketplace.supervision.models import ReportValue

    statuses = set(Complaint.objects.values_list("status", flat=True))
    assert statuses == {ComplaintStatus.OPEN, ComplaintStatus.RESOLVED}
    received = ReportValue.objects.filter(
        indicator_code="complaints_received", report__period_kind=PeriodKind.QUARTER, value__gt=0
    )
    assert received.exists()
    # An unresolved complaint pulls its village's component below the full 100.
    raws = [
        e.components["complaints"]["raw"]
        for r in RedFlagRanking.objects.all()
        for e in r.entries.all()
        if e.components["complaints"]["raw"] is not None
    ]
    assert any(Decimal(raw) < 100 for raw in raws)
