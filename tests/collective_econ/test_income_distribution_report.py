"""The 收益及收益分配表: the 2023 form's lines in its order, every figure the sum of the
ledger postings behind it, the form's arithmetic, the distribution lines from the filed
distribution, the 上年金额 column the year before's figures, and the XLSX the same rows."""

from __future__ import annotations

import io
import itertools
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from collective_econ.distribution.selectors import collective_net_income
from collective_econ.distribution.services import distribution_file
from collective_econ.ledger.services import account_get_or_create
from collective_econ.models import AccountKind, AgreementKind
from collective_econ.reports.income_distribution import as_xlsx, income_distribution_statement
from collective_econ.shares.services import investor_agreement_set, investor_register
from marketplace.accounts.models import Role
from marketplace.red_supermarket.counter.ledger import post_counter_sale
from marketplace.red_supermarket.counter.services import till_shift_close, till_shift_open
from tests import factories
from tests.api_distribution.books import (
    BOOK_YEAR,
    approve_distribution,
    draft_distribution,
    filed_distribution,
    make_books,
    post_collective_income,
)

pytestmark = pytest.mark.django_db

_keys = itertools.count(1)

# The form, written out here on its own so a change to the report's table is caught.
FORM = [
    (1, "一、经营收入"),
    (2, "减：经营支出"),
    (3, "税金及附加"),
    (4, "管理费用"),
    (5, "加：投资收益"),
    (6, "二、经营收益"),
    (7, "加：补助收入"),
    (8, "其他收入"),
    (9, "减：公益支出"),
    (10, "其他支出"),
    (11, "三、收益总额"),
    (12, "减：所得税费用"),
    (13, "四、本年收益"),
    (14, "加：年初未分配收益"),
    (15, "其他转入"),
    (16, "五、可分配收益"),
    (17, "减：提取公积公益金"),
    (18, "提取福利费"),
    (19, "向投资者分配"),
    (20, "向成员分配"),
    (21, "其他"),
    (22, "六、年末未分配收益"),
]
INCOME_LINES = (1, 5, 7, 8)
EXPENSE_LINES = (2, 3, 4, 9, 10, 12)
DISTRIBUTION_LINES = (17, 18, 19, 20, 21)


def _post(
    village: Any,
    *,
    kind: str,
    amount: str,
    year: int = BOOK_YEAR,
    key: str | None = None,
    reverses: int | None = None,
) -> int:
    """A journal entry of `kind` crediting (amount > 0) or debiting (amount < 0) the
    collective's income account against Alipay clearing, posted on 30 June of `year` by
    raw SQL (the ledger stamps `posted_at` itself and refuses UPDATE)."""
    value = Decimal(amount)
    collective = account_get_or_create(kind=AccountKind.VILLAGE_COLLECTIVE, owner=village)
    clearing = account_get_or_create(kind=AccountKind.ALIPAY_CLEARING)
    key = key or f"report-test:{next(_keys)}:{village.pk}"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO collective_econ_journaltransaction (kind, idempotency_key, memo, "
            "posted_at, reverses_id) VALUES (%s, %s, '', %s, %s) RETURNING id",
            [kind, key, timezone.make_aware(datetime(year, 6, 30, 12)), reverses],
        )
        (txn,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO collective_econ_posting (transaction_id, account_id, amount, currency) "
            "VALUES (%s, %s, %s, 'CNY'), (%s, %s, %s, 'CNY')",
            [txn, clearing.pk, value, txn, collective.pk, -value],
        )
    return int(txn)


def _collective_postings_sum(village: Any, year: int) -> Decimal:
    """Credits less debits on the collective's account in `year`, distributions left
    out, straight from SQL: what 本年收益 must be."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(-SUM(p.amount), 0) FROM collective_econ_posting p "
            "JOIN collective_econ_journaltransaction t ON t.id = p.transaction_id "
            "JOIN collective_econ_account a ON a.id = p.account_id "
            "WHERE a.kind = 'VILLAGE_COLLECTIVE' AND a.village_id = %s "
            "AND t.kind <> 'DISTRIBUTION' "
            "AND EXTRACT(YEAR FROM t.posted_at AT TIME ZONE 'Asia/Shanghai') = %s",
            [village.pk, year],
        )
        (total,) = cursor.fetchone()
    return Decimal(total)


def _seed_year(village: Any, year: int = BOOK_YEAR) -> None:
    """One entry of every kind that reaches the collective's account."""
    _post(village, kind="SETTLEMENT", amount="300.00", year=year)
    _post(village, kind="COUNTER_SALE", amount="120.00", year=year)
    sale = _post(village, kind="COUNTER_SALE", amount="80.00", year=year)
    _post(village, kind="REVERSAL", amount="-80.00", year=year, reverses=sale)
    _post(village, kind="AGENCY_SERVICE", amount="15.50", year=year)
    _post(village, kind="CLAWBACK", amount="-40.00", year=year)
    _post(village, kind="MANUAL", amount="25.00", year=year)
    _post(village, kind="MANUAL", amount="-10.00", year=year)
    # A legacy till float (lent by the income account before COLLECTIVE_CASH existed),
    # handed back within the year: nets to nothing.
    _post(village, kind="MANUAL", amount="200.00", year=year, key=f"till-float:{next(_keys)}")
    _post(village, kind="TILL_CLOSE", amount="-200.00", year=year)


def test_rows_and_order_are_the_form() -> None:
    books = make_books(households=0)
    statement = income_distribution_statement(village=books.village, year=BOOK_YEAR)
    assert [(row.line, row.label) for row in statement.rows] == FORM
    # Lines the ledger has nothing for are on the form with 0.00.
    assert all(row.amount == Decimal("0.00") for row in statement.rows)


def test_figures_are_the_sums_of_the_postings_behind_them() -> None:
    books = make_books(households=0)
    village = books.village
    _seed_year(village)
    # Another village's income and another year's are not this statement's.
    _post(make_books(households=0).village, kind="SETTLEMENT", amount="999.00")
    _post(village, kind="SETTLEMENT", amount="777.00", year=BOOK_YEAR - 1)
    statement = income_distribution_statement(village=village, year=BOOK_YEAR)
    # 300 + 120 + 80 − 80 (the reversed sale) + 15.50 − 40 (the clawback)
    assert statement.amount(1) == Decimal("395.50")
    assert statement.amount(8) == Decimal("25.00")
    assert statement.amount(10) == Decimal("10.00")
    for line in (2, 3, 4, 5, 7, 9, 12, 15):
        assert statement.amount(line) == Decimal("0.00")
    assert statement.amount(6) == Decimal("395.50")
    assert statement.amount(11) == Decimal("410.50")
    assert statement.amount(13) == _collective_postings_sum(village, BOOK_YEAR)
    assert statement.amount(13) == collective_net_income(village=village, year=BOOK_YEAR)
    assert statement.amount(14) == Decimal("777.00")


def test_a_legacy_float_still_out_at_the_year_end_is_other_income() -> None:
    """Floats lent by the income account (shifts opened before COLLECTIVE_CASH) are in
    the collective's income, so one still out at the year's end shows on line 8."""
    books = make_books(households=0)
    _post(books.village, kind="MANUAL", amount="150.00", key=f"till-float:{next(_keys)}")
    statement = income_distribution_statement(village=books.village, year=BOOK_YEAR)
    assert statement.amount(8) == Decimal("150.00")
    assert statement.amount(10) == Decimal("0.00")
    next_year = income_distribution_statement(village=books.village, year=BOOK_YEAR + 1)
    assert next_year.amount(1) == next_year.amount(8) == Decimal("0.00")


def test_a_till_float_today_is_never_on_the_form() -> None:
    """A float lent from the collective's cash is not income while it is out, nor after
    a close that hands back only part of it: the statement shows only the sale."""
    books = make_books(households=0)
    village = books.village
    supermarket = factories.red_supermarket(shop_obj=books.shop)
    operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=books.shop)
    this_year = timezone.localdate().year
    shift = till_shift_open(supermarket=supermarket, operator=operator, float_amount="300.00")
    still_out = income_distribution_statement(village=village, year=this_year)
    assert all(row.amount == Decimal("0.00") for row in still_out.rows)
    post_counter_sale(
        sale_id=next(_keys), village=village, total=Decimal("40.00"), cash=True, actor=operator
    )
    # 340 expected, 100 counted: 240 short, 100 of the float goes back to the safe.
    till_shift_close(shift=shift, operator=operator, counted_amount="100.00")
    statement = income_distribution_statement(village=village, year=this_year)
    assert statement.amount(1) == Decimal("40.00")
    assert statement.amount(8) == statement.amount(10) == Decimal("0.00")
    assert statement.amount(13) == collective_net_income(village=village, year=this_year)
    assert statement.amount(13) == _collective_postings_sum(village, this_year)


def _check_form_arithmetic(statement: Any) -> None:
    f = statement.amount
    assert f(13) == sum(f(n) for n in INCOME_LINES) - sum(f(n) for n in EXPENSE_LINES)
    assert f(6) == f(1) - f(2) - f(3) - f(4) + f(5)
    assert f(11) == f(6) + f(7) + f(8) - f(9) - f(10)
    assert f(16) == f(13) + f(14) + f(15)
    assert f(22) == f(16) - sum(f(n) for n in DISTRIBUTION_LINES)


def test_the_forms_arithmetic_and_the_filed_distribution() -> None:
    books = make_books(households=2, shares=["1", "3"])
    village = books.village
    investor = investor_register(actor=books.manager, village=village, name="投资方", reason="x")
    investor_agreement_set(
        actor=books.manager,
        investor=investor,
        kind=AgreementKind.FIXED_RETURN,
        capital_amount="1000.00",
        rate="0.05",
        valid_from=date(2020, 1, 1),
        reason="agreement",
    )
    _seed_year(village)
    post_collective_income(village, "-60.00", year=BOOK_YEAR - 1)
    # Before filing, a distribution has posted nothing and is not on the form.
    approved = approve_distribution(books, draft_distribution(books, reserve="10", welfare="5"))
    before = income_distribution_statement(village=village, year=BOOK_YEAR)
    assert before.distribution is None
    assert all(before.amount(n) == Decimal("0.00") for n in DISTRIBUTION_LINES)
    assert before.amount(22) == before.amount(16)
    _check_form_arithmetic(before)
    filed = distribution_file(actor=books.officer, distribution=approved, reason="reviewed")
    statement = income_distribution_statement(village=village, year=BOOK_YEAR)
    _check_form_arithmetic(statement)
    assert statement.distribution is not None and statement.distribution.pk == filed.pk
    assert statement.amount(14) == Decimal("-60.00")
    assert statement.amount(16) == filed.net_income + filed.opening_undistributed
    assert statement.amount(17) == filed.reserve_amount > 0
    assert statement.amount(18) == filed.welfare_amount > 0
    assert statement.amount(19) == filed.investor_amount == Decimal("50.00")
    assert statement.amount(20) == filed.member_amount > 0
    assert statement.amount(21) == Decimal("0.00")
    assert statement.amount(22) == filed.closing_undistributed


def test_the_prior_year_column_is_the_year_befores_figures() -> None:
    books = make_books(households=1, shares=["1"])
    village = books.village
    _seed_year(village, BOOK_YEAR - 1)
    post_collective_income(village, "-20.00", year=BOOK_YEAR - 2)
    filed_distribution(books, year=BOOK_YEAR - 1, reserve="10", welfare="10")
    _post(village, kind="SETTLEMENT", amount="500.00")
    statement = income_distribution_statement(village=village, year=BOOK_YEAR)
    year_before = income_distribution_statement(village=village, year=BOOK_YEAR - 1)
    assert [row.prior_amount for row in statement.rows] == [row.amount for row in year_before.rows]
    assert year_before.amount(17) > 0 and year_before.amount(20) > 0
    # What the year before left undistributed is this year's opening.
    assert statement.amount(14) == year_before.amount(22)
    assert statement.amount(1) == Decimal("500.00")


def test_the_xlsx_has_the_forms_title_header_and_rows() -> None:
    books = make_books(households=1, shares=["1"])
    _seed_year(books.village)
    _post(books.village, kind="SETTLEMENT", amount="42.00", year=BOOK_YEAR - 1)
    filed_distribution(books, reserve="10", welfare="5")
    statement = income_distribution_statement(village=books.village, year=BOOK_YEAR)
    sheet = load_workbook(io.BytesIO(as_xlsx(statement))).active
    assert sheet["A1"].value == "收益及收益分配表"
    header = [c.value for c in sheet[2]]
    assert header[0] == f"编制单位：{books.village.name}"
    assert f"{BOOK_YEAR}年度" in header and "单位：元" in header
    assert [c.value for c in sheet[3]] == ["项目", "行次", "本年金额", "上年金额"]
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert [(line, label.strip()) for label, line, _, _ in rows] == FORM
    assert [Decimal(str(amount)) for _, _, amount, _ in rows] == [
        row.amount for row in statement.rows
    ]
    assert [Decimal(str(prior)) for _, _, _, prior in rows] == [
        row.prior_amount for row in statement.rows
    ]
    assert Decimal(str(rows[0][3])) == Decimal("42.00")


def test_the_statements_query_count_does_not_grow_with_the_ledger() -> None:
    books = make_books(households=1, shares=["1"])
    village = books.village
    _seed_year(village)
    with CaptureQueriesContext(connection) as small:
        income_distribution_statement(village=village, year=BOOK_YEAR)
    for _ in range(10):
        _seed_year(village)
        _seed_year(village, BOOK_YEAR - 1)
    with CaptureQueriesContext(connection) as large:
        income_distribution_statement(village=village, year=BOOK_YEAR)
    assert len(large) == len(small)
