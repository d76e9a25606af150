"""The demo's two quarters of history: the dashboards move, and a county officer can log in."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.accounts.permissions import role_scopes
from marketplace.divisions.models import Township
from marketplace.orders.models import Order
from marketplace.oversight.access import county_scope, township_scope
from marketplace.oversight.dashboard import dashboard_build
from marketplace.oversight.models import FiguresRefresh, HouseholdMonthIncome
from marketplace.oversight.periods import Period
from tooling.demo import DEMO_PASSWORD
from tooling.demo.oversight import COUNTY_OFFICER_EMAIL, _history_months

pytestmark = pytest.mark.django_db


def test_the_demo_has_two_quarters_of_movement(demo):
    months = _history_months(timezone.localdate())
    history = Order.objects.filter(user_email__startswith="history-")
    assert history.count() > 50
    assert FiguresRefresh.objects.exists()
    assert HouseholdMonthIncome.objects.exists()
    officer = User.objects.get(email="officer.mengku@ruralmart.example")
    period = Period(kind="range", first_month=months[0], last_month=months[-1])
    mengku = Township.objects.get(slug="mengku")
    board = dashboard_build(
        scope=township_scope(user=officer, township_id=mengku.pk), period=period
    )
    sales = [row[1] for row in board.panel("sales_by_month").rows]
    assert len(sales) == 6 and all(sales) and len(set(sales)) > 3


def test_a_county_officer_logs_in_and_reads_the_county(demo):
    assert any(login.email == COUNTY_OFFICER_EMAIL for login in demo.logins)
    officer = authenticate(email=COUNTY_OFFICER_EMAIL, password=DEMO_PASSWORD)
    assert officer is not None and officer.is_staff
    (county_id,) = role_scopes(officer).county_ids
    scope = county_scope(user=officer, county_id=county_id)
    assert len(scope.township_ids) >= 2
