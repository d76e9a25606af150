"""Reconciling a chosen day: MISSING items placed at the supermarket their id names, the
nightly `agency.reconcile_yesterday` task, the `agencyReconciliationRun` mutation for
township staff and admins, and the back office's day picker (default yesterday, days to
come refused with a message)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.accounts.models import Role
from marketplace.agency.models import (
    AgencyOrder,
    DiscrepancyKind,
    ReconciliationItem,
    ReconciliationRun,
)
from marketplace.agency.reconciliation import RECORD_SOURCES, reconciliation_run
from marketplace.agency.reconciliation_places import supermarkets_of_external_ids
from marketplace.agency.tasks import reconcile_yesterday_task
from tests import factories
from tests.agency.test_orders import pay

pytestmark = pytest.mark.django_db

UTILITY = "provider:utility"
RUN = """mutation($d: Date!) { agencyReconciliationRun(date: $d) {
  runs { businessDay source flaggedCount newItemsCount error } errors { field code message } } }"""


def _order_of_another_day(counter, request_id: str, days_back: int) -> AgencyOrder:
    """An order the provider settled today but that we created `days_back` days ago."""
    order = pay(counter, request_id=request_id)
    created = timezone.now() - timedelta(days=days_back)
    AgencyOrder.objects.filter(pk=order.pk).update(created_at=created)
    return order


def test_a_missing_item_names_the_supermarket_of_our_order_from_another_day(sandbox, counter):
    order = _order_of_another_day(counter, "place-late-0001", days_back=1)
    sandbox.add_statement_line(
        "M-utility",
        f"{timezone.localdate():%Y%m%d}",
        request_id="ghost-place-01",
        provider_order_no="P9",
        amount="5.00",
        status="SUCCESS",
    )
    # The operator's own run keeps the placed item and leaves the unplaceable one out...
    reconciliation_run(
        day=timezone.localdate(),
        source=UTILITY,
        user=counter.operator,
        supermarket=counter.supermarket,
    )
    item = ReconciliationItem.objects.get(source=UTILITY)
    assert (item.external_id, item.kind, item.supermarket_id) == (
        order.request_id,
        DiscrepancyKind.MISSING,
        counter.supermarket.pk,
    )
    # ...and the county-wide run adds the other, naming no supermarket.
    reconciliation_run(day=timezone.localdate(), source=UTILITY)
    ghost = ReconciliationItem.objects.get(external_id="ghost-place-01")
    assert ghost.supermarket_id is None


def test_alipay_trade_numbers_place_items_by_their_supermarket_prefix(counter):
    pk = counter.supermarket.pk
    counter_trade, agency_trade = f"RSC{pk}X-gone-0001", f"RSA{pk}gone-0002"
    # "RSC0…": no prefix of its digits is a pk (a run of 9s was, once the supermarket's pk
    # itself came to be 99).
    placed = supermarkets_of_external_ids(
        [counter_trade, agency_trade, "ghost-0001", "RSC0X", "RSZ1abc"]
    )
    assert placed == {counter_trade: pk, agency_trade: pk}


def test_the_nightly_task_reconciles_yesterday_for_every_source(sandbox, alipay_sandbox, counter):
    yesterday = timezone.localdate() - timedelta(days=1)
    today_order = pay(counter, request_id="nightly-place-1")
    sandbox.add_statement_line(
        "M-utility",
        f"{yesterday:%Y%m%d}",
        request_id=today_order.request_id,
        provider_order_no="P10",
        amount="120.00",
        status="SUCCESS",
    )

    added = reconcile_yesterday_task()

    assert added == 1
    item = ReconciliationItem.objects.get()
    assert (item.business_day, item.kind, item.supermarket_id) == (
        yesterday,
        DiscrepancyKind.MISSING,
        counter.supermarket.pk,
    )
    runs = {run.source: run for run in ReconciliationRun.objects.filter(business_day=yesterday)}
    assert set(runs) == set(RECORD_SOURCES)
    assert all(not run.error for run in runs.values()), {s: r.error for s, r in runs.items()}
    assert reconcile_yesterday_task() == 0  # a re-run adds nothing twice


def test_township_staff_run_a_day_through_graphql_and_others_are_refused(gql, sandbox, counter):
    township = counter.supermarket.shop.village.township
    officer = factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=township)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    gql.login(officer)
    result = gql.data(RUN, {"d": yesterday})["agencyReconciliationRun"]
    assert result["errors"] == []
    assert {run["source"] for run in result["runs"]} == set(RECORD_SOURCES)
    assert {run["businessDay"] for run in result["runs"]} == {yesterday}
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    future = gql.data(RUN, {"d": tomorrow})["agencyReconciliationRun"]
    assert [(e["field"], e["code"]) for e in future["errors"]] == [("date", "INVALID_FIELD")]
    assert future["runs"] == []
    before = ReconciliationItem.objects.count()
    for user in (counter.operator, factories.user(role=Role.BUYER), None):
        gql.headers.clear()
        if user is not None:
            gql.login(user)
        body = gql(RUN, {"d": yesterday})
        assert body["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied", user
    assert ReconciliationItem.objects.count() == before
    gql.headers.clear()
    gql.login(factories.platform_admin())
    assert gql.data(RUN, {"d": yesterday})["agencyReconciliationRun"]["errors"] == []


def test_the_back_office_runs_a_chosen_day_and_refuses_days_to_come(client, sandbox, counter):
    township = counter.supermarket.shop.village.township
    officer = factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=township, is_staff=True)
    client.force_login(officer)
    changelist = reverse("admin:agency_reconciliationrun_changelist")
    page = client.get(changelist)
    assert page.status_code == 200
    yesterday = timezone.localdate() - timedelta(days=1)
    assert f'name="day" id="id_day" required value="{yesterday:%Y-%m-%d}"' in page.text
    assert "Run reconciliation" in page.text

    run_day = reverse("admin:agency_reconciliationrun_run_day")
    two_days_ago = timezone.localdate() - timedelta(days=2)
    answer = client.post(run_day, {"day": two_days_ago.isoformat()}, follow=True)
    assert answer.redirect_chain[-1][0] == changelist
    assert f"{two_days_ago} reconciled" in answer.text
    assert set(
        ReconciliationRun.objects.filter(business_day=two_days_ago).values_list("source", flat=True)
    ) == set(RECORD_SOURCES)

    tomorrow = timezone.localdate() + timedelta(days=1)
    refused = client.post(run_day, {"day": tomorrow.isoformat()}, follow=True)
    assert "That day has not happened yet." in refused.text
    assert not ReconciliationRun.objects.filter(business_day=tomorrow).exists()
    assert "Choose a day" in client.post(run_day, {"day": "not a day"}, follow=True).text

    # Operators reconcile only their own supermarket (in GraphQL); the county-wide day is not theirs.
    operator = factories.user(
        role=Role.SUPERMARKET_OPERATOR, shop_obj=counter.supermarket.shop, is_staff=True
    )
    client.force_login(operator)
    client.post(run_day, {"day": two_days_ago.isoformat()})
    assert (
        ReconciliationRun.objects.filter(business_day=two_days_ago, started_by=operator).count()
        == 0
    )
