"""The ledger's back-office pages: every collective_econ model registered, read-only, and
scoped (a village's manager sees its own village's books, never another village's)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from collective_econ.ledger.services import (
    account_get_or_create,
    journal_entry_manual,
    period_close_create,
)
from collective_econ.models import (
    Account,
    AccountKind,
    ConsignmentAgreement,
    PlatformFeeRate,
    PovertyMonitoringLine,
)
from collective_econ.settlement.services import order_line_settle
from marketplace.accounts.models import Role
from marketplace.divisions.models import Province
from tests import factories
from tests.api_distribution.books import seed_every_distribution_row
from tests.collective_econ.conftest import sell

pytestmark = pytest.mark.django_db

MODELS = sorted(apps.get_app_config("collective_econ").get_models(), key=lambda m: m.__name__)


def test_every_collective_econ_model_is_registered() -> None:
    assert [m.__name__ for m in MODELS if m not in admin.site._registry] == []


@pytest.fixture
def books(village: Any) -> Any:
    ConsignmentAgreement.objects.create(
        shop=village.shop,
        household=village.household,
        commission_rate="0.1",
        effective_from="2020-01-01",
    )
    sold = sell(shop=village.shop, lines=[("10.00", 1, village.household)])
    order_line_settle(line=sold.lines[0])
    closed_at = timezone.now()
    period_close_create(period_end=closed_at, now=closed_at + timedelta(hours=1))
    PovertyMonitoringLine.objects.create(
        province=Province.objects.first(), year=2025, annual_per_capita_income="7000"
    )
    PlatformFeeRate.objects.create(
        channel=factories.channel("urban-retail"), rate="0.02", effective_from="2020-01-01"
    )
    other = factories.shop()
    other_household = factories.household(village_obj=other.village)
    other_account = account_get_or_create(kind=AccountKind.HOUSEHOLD, owner=other_household)
    journal_entry_manual(
        idempotency_key="other",
        postings=[
            (account_get_or_create(kind=AccountKind.ALIPAY_CLEARING), "1.00"),
            (other_account, "-1.00"),
        ],
        memo="",
    )
    seed_every_distribution_row(other.village)
    return other_account


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_pages_render_for_a_platform_admin_and_are_read_only(
    client: Any, books: Any, model: Any
) -> None:
    client.force_login(factories.platform_admin())
    opts = model._meta
    listing = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert listing.status_code == 200
    assert listing.context["cl"].result_count >= 1
    obj = model._default_manager.order_by("pk").first()
    page = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    assert page.status_code == 200
    if model not in (ConsignmentAgreement, PovertyMonitoringLine):
        assert not admin.site._registry[model].has_change_permission(page.wsgi_request, obj)
        post = client.post(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk]),
            {"post": "yes"},
        )
        assert post.status_code == 403


def test_a_manager_sees_only_their_village_books(client: Any, village: Any, books: Any) -> None:
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=village.shop, is_staff=True)
    client.force_login(manager)
    listing = client.get(reverse("admin:collective_econ_account_changelist"))
    assert listing.status_code == 200
    seen = {a.pk for a in listing.context["cl"].result_list}
    mine = set(Account.objects.filter(village=village.village).values_list("pk", flat=True)) | set(
        Account.objects.filter(household=village.household).values_list("pk", flat=True)
    )
    assert seen == mine and mine
    assert (
        client.get(reverse("admin:collective_econ_account_change", args=[books.pk])).status_code
        == 404
    )
    txns = client.get(reverse("admin:collective_econ_journaltransaction_changelist"))
    keys = [t.idempotency_key for t in txns.context["cl"].result_list]
    # The settlement of their line, not the other village's manual entry.
    assert len(keys) == 1 and keys[0].startswith("settle:orderline:")
    assert client.get(reverse("admin:collective_econ_periodclose_changelist")).status_code == 403


def test_account_list_shows_balances_and_the_household_statement_page(
    client: Any, village: Any, books: Any
) -> None:
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=village.shop, is_staff=True)
    client.force_login(manager)
    listing = client.get(reverse("admin:collective_econ_account_changelist"))
    balances = {a.kind: a.page_balance for a in listing.context["cl"].result_list}
    assert balances[AccountKind.HOUSEHOLD] < 0
    url = reverse("admin:collective_econ_household_statement", args=[village.household.pk])
    assert url in listing.content.decode()
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["statement"].net_sales > 0
    assert not page.context["personal"].is_masked
    assert client.get(url, {"year": "2024", "month": "3"}).context["statement"].sales == []
    assert client.get(url, {"month": "13"}).status_code == 200  # shows this year instead
    # Another village's household: as if it did not exist.
    other = reverse("admin:collective_econ_household_statement", args=[books.household_id])
    assert client.get(other).status_code == 404


def test_an_officer_sees_the_statement_with_the_name_masked(
    client: Any, village: Any, books: Any
) -> None:
    officer = factories.user(
        role=Role.TOWNSHIP_OFFICER, township_obj=village.village.township, is_staff=True
    )
    client.force_login(officer)
    url = reverse("admin:collective_econ_household_statement", args=[village.household.pk])
    page = client.get(url)
    assert page.status_code == 200 and page.context["personal"].is_masked
    assert village.household.head_name not in page.content.decode()
