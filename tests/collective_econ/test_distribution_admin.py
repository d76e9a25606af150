"""The back office for distributions: the workflow buttons call the services (and show
their refusals), the 收益及收益分配表 renders and downloads as a real XLSX, the payout
receipt prints, and a manager never sees another village's distribution."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from collective_econ.distribution.services import distribution_create
from collective_econ.models import DistributionStatus, PayoutMethod
from collective_econ.payouts.services import payout_create
from tests.api_distribution.books import (
    BOOK_YEAR,
    filed_distribution,
    make_books,
    post_collective_income,
    stock_till,
)

pytestmark = pytest.mark.django_db


def test_workflow_buttons_run_the_services(client) -> None:
    books = make_books(households=2, shares=["1", "1"])
    post_collective_income(books.village, "400.00")
    draft = distribution_create(
        actor=books.manager,
        village=books.village,
        year=BOOK_YEAR,
        reserve_fund_percent="10",
        welfare_fund_percent="10",
        reason="plan",
    )
    client.force_login(books.manager)
    change = client.get(reverse("admin:collective_econ_distribution_change", args=[draft.pk]))
    assert change.status_code == 200 and "Record the members" in change.content.decode()
    step = reverse("admin:backoffice_distribution_step", args=[draft.pk, "approve"])
    assert client.get(step).status_code == 200
    client.post(step, {"assembly_date": "2026-01-15", "attendance": "20", "resolution": "通过"})
    draft.refresh_from_db()
    assert draft.status == DistributionStatus.APPROVED
    # The manager may not file: the service refuses and the page says so.
    filing = reverse("admin:backoffice_distribution_step", args=[draft.pk, "file"])
    refused = client.post(filing, {"reason": "x"}, follow=True)
    assert "township" in refused.content.decode()
    client.force_login(books.officer)
    client.post(filing, {"reason": "reviewed at the township"})
    draft.refresh_from_db()
    assert draft.status == DistributionStatus.FILED


def test_statement_page_and_xlsx(client) -> None:
    books = make_books(households=2, shares=["1", "3"])
    post_collective_income(books.village, "1000.00")
    post_collective_income(books.village, "-200.00", year=BOOK_YEAR - 1)
    filed_distribution(books, reserve="10", welfare="5")
    client.force_login(books.officer)
    url = reverse("admin:backoffice_income_statement", args=[books.village.pk, BOOK_YEAR])
    page = client.get(url).content.decode()
    for label in (
        "本年收益",
        "年初未分配收益",
        "可分配收益",
        "提取公积公益金",
        "提取福利费",
        "向投资者分配",
        "向成员分配",
        "本年金额",
        "上年金额",
        "年末未分配收益",
    ):
        assert label in page
    download = client.get(url, {"format": "xlsx"})
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(download.content)).active
    assert sheet["A1"].value == "收益及收益分配表"
    assert [c.value for c in sheet[3]] == ["项目", "行次", "本年金额", "上年金额"]
    rows = {r[0].strip(): r[2:] for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert Decimal(str(rows["五、可分配收益"][0])) == Decimal("800.00")
    assert Decimal(str(rows["减：提取公积公益金"][0])) == Decimal("80.00")
    assert Decimal(str(rows["向成员分配"][0])) == Decimal("680.00")
    assert Decimal(str(rows["六、年末未分配收益"][0])) == Decimal("0.00")
    # The year before: the loss, carried into this year's 年初未分配收益.
    assert Decimal(str(rows["四、本年收益"][1])) == Decimal("-200.00")
    assert Decimal(str(rows["加：年初未分配收益"][0])) == Decimal("-200.00")
    other = make_books(households=0)
    client.force_login(other.manager)
    assert client.get(url).status_code == 404


def test_receipt_prints_and_scoping_hides_other_villages(client) -> None:
    books = make_books(households=1, shares=["1"])
    post_collective_income(books.village, "50.00")
    filed = filed_distribution(books, reserve="0", welfare="0")
    stock_till(books.village, "50.00")
    payout = payout_create(
        actor=books.manager,
        village=books.village,
        household=books.households[0],
        account_kind="MEMBER",
        amount="50.00",
        method=PayoutMethod.CASH,
        request_id="r1",
        receipt_number="HS-2026-0001",
    )
    client.force_login(books.manager)
    receipt = client.get(reverse("admin:backoffice_payout_receipt", args=[payout.pk]))
    assert "HS-2026-0001" in receipt.content.decode() and "50.00" in receipt.content.decode()
    other = make_books(households=0)
    client.force_login(other.manager)
    listing = client.get(reverse("admin:collective_econ_distribution_changelist"))
    assert listing.status_code == 200 and str(filed.year) not in listing.content.decode()
    change = client.get(reverse("admin:collective_econ_distribution_change", args=[filed.pk]))
    assert change.status_code == 404
