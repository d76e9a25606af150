"""The back office's forms and pages over the collective's books: drafting a distribution,
paying a household and retrying a failed transfer (all through the services, refusals on
the form or as a message, nothing half-written), a village's collective income statement,
a township's poverty-monitoring watch, and the 收益及收益分配表 of a year without a
distribution; each scoped like the other ledger pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from collective_econ.models import Distribution, DistributionStatus, Payout, PayoutStatus
from collective_econ.statements.selectors import households_near_poverty_line
from marketplace.accounts.models import Role
from marketplace.organisations.privacy import household_personal_data
from marketplace.red_supermarket.counter.services import till_shift_open
from tests import factories
from tests.api_distribution.books import (
    BOOK_YEAR,
    THIS_YEAR,
    Books,
    filed_distribution,
    make_books,
    post_collective_income,
    stock_till,
)
from tests.api_distribution.conftest import settings_sandbox  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _draft_data(books: Books, **kw: Any) -> dict[str, Any]:
    return {
        "village": books.village.pk,
        "year": BOOK_YEAR,
        "reserve_fund_percent": "10",
        "welfare_fund_percent": "5",
        "member_amount": "",
        "record_date": "",
        "reason": "proposed to the assembly",
        **kw,
    }


def test_a_manager_drafts_a_distribution_from_the_back_office(client: Any) -> None:
    books = make_books(households=2, shares=["1", "1"])
    post_collective_income(books.village, "400.00")
    client.force_login(books.manager)
    listing = client.get(reverse("admin:collective_econ_distribution_changelist"))
    url = reverse("admin:backoffice_distribution_draft")
    assert url in listing.content.decode()
    assert client.get(url, {"village": books.village.pk}).status_code == 200
    done = client.post(url, _draft_data(books))
    draft = Distribution.objects.get()
    assert done.status_code == 302
    assert done["Location"] == reverse("admin:collective_econ_distribution_change", args=[draft.pk])
    assert draft.status == DistributionStatus.DRAFT
    assert draft.reserve_amount == 40 and draft.welfare_amount == 20
    assert draft.member_amount == 340


@pytest.mark.parametrize(
    "change,field",
    [
        ({"reserve_fund_percent": "90", "welfare_fund_percent": "20"}, "welfare_fund_percent"),
        ({"reserve_fund_percent": "-1"}, "reserve_fund_percent"),
        ({"year": str(THIS_YEAR)}, None),  # the year is not closed
        ({"member_amount": "9999.00"}, None),  # more than is distributable
    ],
)
def test_a_bad_draft_is_refused_on_the_form(
    client: Any, change: dict[str, str], field: Any
) -> None:
    books = make_books(households=2, shares=["1", "1"])
    post_collective_income(books.village, "400.00")
    client.force_login(books.manager)
    refused = client.post(
        reverse("admin:backoffice_distribution_draft"), _draft_data(books, **change)
    )
    assert refused.status_code == 200
    form = refused.context["form"]
    assert form.errors if field is None else form.errors[field]
    assert not Distribution.objects.exists()


def test_other_staff_cannot_draft_for_a_village(client: Any) -> None:
    books = make_books(households=2, shares=["1", "1"])
    other = make_books(households=1, shares=["1"])
    post_collective_income(books.village, "400.00")
    url = reverse("admin:backoffice_distribution_draft")
    for user in (other.manager, books.officer):
        client.force_login(user)
        refused = client.post(url, _draft_data(books))
        assert refused.status_code == 200
        assert refused.context["form"].errors["village"]  # not a village they keep
    assert not Distribution.objects.exists()


def _paid_books() -> Books:
    books = make_books(households=2, shares=["1", "1"])
    post_collective_income(books.village, "300.00")
    filed_distribution(books, reserve="0", welfare="0")  # 150.00 to each member household
    return books


def _payout_data(books: Books, **kw: Any) -> dict[str, Any]:
    return {
        "household": books.households[0].pk,
        "account_kind": "MEMBER",
        "amount": "100.00",
        "method": "CASH",
        "payee_logon_id": "",
        "payee_name": "",
        "receipt_number": "R-0001",
        "memo": "",
        "request_id": "backoffice:test-1",
        **kw,
    }


def test_a_manager_pays_a_household_in_cash_once(client: Any) -> None:
    books = _paid_books()
    stock_till(books.village)
    client.force_login(books.manager)
    listing = client.get(reverse("admin:collective_econ_payout_changelist"))
    url = reverse("admin:backoffice_payout_create")
    assert url in listing.content.decode()
    form_page = client.get(url)
    assert form_page.context["form"].initial["request_id"].startswith("backoffice:")
    done = client.post(url, _payout_data(books))
    payout = Payout.objects.get()
    assert done.status_code == 302
    assert (payout.status, payout.amount, payout.receipt_number) == (
        PayoutStatus.SUCCEEDED,
        100,
        "R-0001",
    )
    client.post(url, _payout_data(books))  # the same form posted twice pays once
    assert Payout.objects.count() == 1


def test_bad_or_foreign_payouts_are_refused_on_the_form(client: Any) -> None:
    books = _paid_books()
    other = make_books(households=1)
    stock_till(books.village)
    url = reverse("admin:backoffice_payout_create")
    client.force_login(books.manager)
    over = client.post(url, _payout_data(books, amount="151.00"))
    assert over.context["form"].errors
    negative = client.post(url, _payout_data(books, amount="-5", request_id="backoffice:2"))
    assert negative.context["form"].errors
    foreign = client.post(url, _payout_data(books, household=other.households[0].pk))
    assert foreign.context["form"].errors["household"]
    client.force_login(other.manager)
    assert client.post(url, _payout_data(books)).context["form"].errors["household"]
    assert not Payout.objects.exists()


def test_a_failed_transfer_is_retried_from_its_page(
    client: Any,
    settings_sandbox: Any,  # noqa: F811  (fixture)
) -> None:
    books = _paid_books()
    settings_sandbox.transfers.unknown_payees.add("nobody@example.cn")
    client.force_login(books.manager)
    client.post(
        reverse("admin:backoffice_payout_create"),
        _payout_data(books, method="ALIPAY", receipt_number="", payee_logon_id="nobody@example.cn"),
    )
    failed = Payout.objects.get()
    assert failed.status == PayoutStatus.FAILED
    retry = reverse("admin:backoffice_payout_retry", args=[failed.pk])
    page = client.get(reverse("admin:collective_econ_payout_change", args=[failed.pk]))
    assert retry in page.content.decode()

    # The township officer sees the payout but does not keep the books: refused, unchanged.
    client.force_login(books.officer)
    refused = client.post(retry, {"payee_logon_id": "li.xiaomei@example.cn"}, follow=True)
    assert refused.status_code == 200
    assert Payout.objects.get().status == PayoutStatus.FAILED
    # Another village's manager does not even see it.
    client.force_login(make_books(households=1).manager)
    assert client.post(retry, {"payee_logon_id": "x@example.cn"}).status_code == 404

    client.force_login(books.manager)
    client.post(retry, {"payee_logon_id": "li.xiaomei@example.cn"})
    retried = Payout.objects.get()
    assert retried.status == PayoutStatus.SUCCEEDED
    assert retried.out_biz_no == failed.out_biz_no
    assert settings_sandbox.transfers.money_moved == 1
    # Paid: nothing left to retry.
    again = client.post(retry, {"payee_logon_id": ""}, follow=True)
    assert again.status_code == 200 and settings_sandbox.transfers.money_moved == 1


def test_collective_income_page_is_scoped(client: Any) -> None:
    books = make_books(households=1)
    other = make_books(households=1)
    post_collective_income(books.village, "250.00")
    url = reverse("admin:backoffice_collective_income", args=[books.village.pk, BOOK_YEAR])
    for user in (books.manager, books.officer, books.admin):
        client.force_login(user)
        page = client.get(url)
        assert page.status_code == 200
        assert page.context["statement"].collective_income == 250
    client.force_login(other.manager)
    assert client.get(url).status_code == 404
    client.force_login(books.manager)
    missing = reverse("admin:backoffice_collective_income", args=[books.village.pk, 1990])
    assert client.get(missing).status_code == 404  # not a year: no page, no 500


def test_books_index_links_the_statement_of_a_year_without_a_distribution(client: Any) -> None:
    books = make_books(households=1)
    other = make_books(households=1)
    post_collective_income(books.village, "250.00")
    client.force_login(books.manager)
    index = client.get(reverse("admin:backoffice_books_index"))
    html = index.content.decode()
    statement = reverse("admin:backoffice_income_statement", args=[books.village.pk, BOOK_YEAR])
    assert statement in html
    assert "no distribution" in html
    assert reverse("admin:backoffice_distribution_draft") in html
    assert other.village.name not in html
    page = client.get(statement)
    assert page.status_code == 200 and page.context["statement"].distribution is None
    client.force_login(other.manager)
    assert client.get(statement).status_code == 404


def test_books_index_shows_where_each_villages_cash_is(client: Any) -> None:
    """The collective's own cash (库存现金) and its till, per village, linked to the
    accounts, in the same number of queries for one village as for three."""
    books = make_books(households=0)
    supermarket = factories.red_supermarket(shop_obj=books.shop)
    operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=books.shop)
    till_shift_open(supermarket=supermarket, operator=operator, float_amount="75.00")
    client.force_login(books.manager)
    index = client.get(reverse("admin:backoffice_books_index"))
    cash = index.context["rows"][0][1]
    assert (cash.collective_cash, cash.till) == (Decimal("-75.00"), Decimal("75.00"))
    html = index.content.decode()
    accounts = reverse("admin:collective_econ_account_changelist")
    assert f"{accounts}?kind__exact=COLLECTIVE_CASH&amp;q=" in html
    listed = client.get(accounts, {"kind__exact": "COLLECTIVE_CASH", "q": books.village.name})
    assert listed.status_code == 200
    assert [a.kind for a in listed.context["cl"].result_list] == ["COLLECTIVE_CASH"]

    client.force_login(books.admin)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("admin:backoffice_books_index"))
    for _ in range(2):
        more = make_books(households=0)
        till_shift_open(
            supermarket=factories.red_supermarket(shop_obj=more.shop),
            operator=factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=more.shop),
            float_amount="10.00",
        )
    with CaptureQueriesContext(connection) as three:
        page = client.get(reverse("admin:backoffice_books_index"))
    assert len(page.context["rows"]) >= 3
    assert len(three) == len(one)


def test_poverty_watch_page_for_the_township_only(client: Any, settings: Any) -> None:
    settings.POVERTY_MONITORING_LINE_DEFAULT = "7000"
    books = make_books(households=2)
    township = books.village.township
    url = reverse("admin:backoffice_poverty_watch", args=[township.pk, BOOK_YEAR])
    watch = households_near_poverty_line(township=township, year=BOOK_YEAR)
    assert watch.flagged  # no income at all: below the line
    for user in (books.officer, books.admin):
        client.force_login(user)
        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        for row in watch.flagged:
            assert row.household.reference in html
            head = household_personal_data(household=row.household, viewer=user).head_name
            assert head in html
            if head != row.household.head_name:
                assert row.household.head_name not in html  # masked outside entitled roles
    for user in (books.manager, make_books(households=1).officer):
        client.force_login(user)
        assert client.get(url).status_code == 404
