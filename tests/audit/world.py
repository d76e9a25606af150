"""Rows of the audit app for the back-office world: one draft data request, whose filing
is also the log's first entry."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from marketplace.audit.models import DataAccessRequest
from marketplace.audit.services import data_request_create


def add_audit(built: Any) -> DataAccessRequest:
    today = timezone.localdate()
    return data_request_create(
        requester=built.manager_a,
        requesting_unit="县民政局",
        purpose="Checking the household's minimum-living-allowance file.",
        households=[built.household_b],
        period_from=today - datetime.timedelta(days=90),
        period_to=today,
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
