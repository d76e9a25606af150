"""The bench hook pays one bill end to end; the demo loads agency orders of every outcome
and loads again without adding any."""

from __future__ import annotations

import pytest

from marketplace.accounts.models import User
from marketplace.agency.models import AgencyOrder, CashWithdrawal, OrderStatus, TicketBooking
from marketplace.organisations.models import Shop
from tooling.bench.agency import agency_bill_payment_once
from tooling.demo.agency import DEMO_COUNTERS, load_agency

pytestmark = pytest.mark.django_db


def test_one_bill_payment_reports_timings_and_sql_statements(sandbox, counter):
    # The first payment opens the ledger accounts and the day's receipt counter.
    agency_bill_payment_once(
        supermarket=counter.supermarket, operator=counter.operator, request_id="bench-0000000"
    )
    first = agency_bill_payment_once(
        supermarket=counter.supermarket, operator=counter.operator, request_id="bench-0000001"
    )
    second = agency_bill_payment_once(
        supermarket=counter.supermarket, operator=counter.operator, request_id="bench-0000002"
    )
    assert first.status == OrderStatus.SUCCESS
    assert 0 < first.provider_ms < first.total_ms
    # The same work each time: the statement count does not drift.
    assert first.sql_statements == second.sql_statements > 0


def test_the_demo_has_agency_orders_of_every_outcome_and_reloads_idempotently(demo):
    statuses = set(
        AgencyOrder.objects.filter(request_id__startswith="demo-").values_list("status", flat=True)
    )
    assert {OrderStatus.SUCCESS, OrderStatus.FAILED, OrderStatus.TASK_OPEN} <= statuses
    assert AgencyOrder.objects.filter(request_id__startswith="demo-").count() == 9 * len(
        DEMO_COUNTERS
    )
    assert CashWithdrawal.objects.filter(request_id__startswith="demo-").count() == len(
        DEMO_COUNTERS
    )
    assert TicketBooking.objects.filter(
        request_id__startswith="demo-", status="ISSUED"
    ).count() == len(DEMO_COUNTERS)
    before = AgencyOrder.objects.count()
    load_agency(
        shops={shop.slug: shop for shop in Shop.objects.all()},
        person=lambda email, **_: User.objects.get(email=email),
    )
    assert AgencyOrder.objects.count() == before
