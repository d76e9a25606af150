"""Monthly period closes: made once per month (by the beat task or a platform admin), the
snapshot reports start from instead of summing history, and fixed once made (triggers).

Reports are checked both ways over a seeded history of several years: every household
statement and every opening of undistributed income reads the same with closes as
without, in the same number of statements; a back-dated entry slipped in under a close
(which the ledger never does) shows the reports really start from the snapshot."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from collective_econ import tasks
from collective_econ.distribution.selectors import opening_undistributed
from collective_econ.error_codes import LedgerErrorCode
from collective_econ.ledger.selectors import account_balance_from_postings, account_balances
from collective_econ.ledger.services import (
    account_get_or_create,
    period_close_create,
    period_close_last_month,
)
from collective_econ.models import (
    Account,
    AccountKind,
    BalanceSnapshot,
    JournalKind,
    PeriodClose,
)
from collective_econ.statements.selectors import household_statement, statement_period
from marketplace.accounts.models import Role
from tests import factories
from tests.celery_worker import wait_for

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()


def _code(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return next(iter(exc.value.error_dict.values()))[0].code


def _post(kind: str, posted_at: datetime, legs: list[tuple[Account, str]], key: str) -> None:
    """An entry dated `posted_at`: history is seeded as such (posted_at is set at insert
    and the ledger refuses UPDATE)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO collective_econ_journaltransaction (kind, idempotency_key, memo,"
            " posted_at) VALUES (%s, %s, '', %s) RETURNING id",
            [kind, key, posted_at],
        )
        (txn,) = cursor.fetchone()
        for account, amount in legs:
            cursor.execute(
                "INSERT INTO collective_econ_posting (transaction_id, account_id, amount,"
                " currency) VALUES (%s, %s, %s, 'CNY')",
                [txn, account.pk, amount],
            )


def _month_start(year: int, month: int) -> datetime:
    return datetime(year + (month - 1) // 12, (month - 1) % 12 + 1, 1, tzinfo=TZ)


def _close(year: int, month: int) -> PeriodClose:
    """Close the month before (year, month)."""
    return period_close_create(period_end=_month_start(year, month))


def _seed_history(village: Any, *, years: list[int]) -> dict[str, Account]:
    """Two entries a month on the household's payable, receivable and member accounts
    and on the collective's income account, distributions included."""
    hh = village.household
    books = {
        "payable": account_get_or_create(kind=AccountKind.HOUSEHOLD, owner=hh),
        "receivable": account_get_or_create(kind=AccountKind.HOUSEHOLD_RECEIVABLE, owner=hh),
        "member": account_get_or_create(kind=AccountKind.MEMBER, owner=hh),
        "collective": account_get_or_create(
            kind=AccountKind.VILLAGE_COLLECTIVE, owner=village.village
        ),
        "clearing": account_get_or_create(kind=AccountKind.ALIPAY_CLEARING),
    }
    for year in years:
        for month in range(1, 13):
            day = datetime(year, month, 10 + month % 7, 12, tzinfo=TZ)
            sale = f"{month * 3 + 0.45:.2f}"
            # (kind, days after `day`, debited, credited, amount)
            entries = [
                (JournalKind.SETTLEMENT, 0, "clearing", "payable", sale),
                (JournalKind.MANUAL, 0.125, "clearing", "collective", "7.10"),
            ]
            if month % 3 == 0:
                entries.append((JournalKind.PAYOUT, 5, "payable", "clearing", "5.00"))
                entries.append((JournalKind.CLAWBACK, 6, "receivable", "clearing", "1.20"))
            if month == 3:  # the collective distributes to a member
                entries.append((JournalKind.DISTRIBUTION, 1, "collective", "member", "30.00"))
            for i, (kind, days, debited, credited, amount) in enumerate(entries):
                _post(
                    kind,
                    day + timedelta(days=days),
                    [(books[debited], amount), (books[credited], f"-{amount}")],
                    f"{year}-{month}-{i}",
                )
    return books


def _every_report(village: Any, years: list[int]) -> list[Any]:
    out: list[Any] = []
    for year in [*years, years[-1] + 1]:
        out.append(opening_undistributed(village=village.village, year=year))
        if year > timezone.localtime().year:
            continue
        out.append(
            household_statement(household=village.household, period=statement_period(year=year))
        )
        for month in (1, 2, 6, 12):
            period = statement_period(year=year, month=month)
            out.append(household_statement(household=village.household, period=period))
    return out


def test_reports_read_the_same_with_closes_as_from_all_history(
    village: Any, django_assert_num_queries: Any
) -> None:
    this_year = timezone.localtime().year
    years = [this_year - 3, this_year - 2, this_year - 1]
    books = _seed_history(village, years=years)
    from_history = _every_report(village, years)
    period = statement_period(year=years[1], month=6)
    with django_assert_num_queries(2):
        household_statement(household=village.household, period=period)

    for year in years:
        for month in (1, 4, 7, 10):
            _close(year, month)
    _close(years[-1] + 1, 1)
    assert PeriodClose.objects.count() == 13
    assert _every_report(village, years) == from_history
    with django_assert_num_queries(2):  # the snapshot joins the same statement
        household_statement(household=village.household, period=period)
    balances = account_balances(accounts=books.values())
    for account in books.values():
        assert balances[account.pk] == account_balance_from_postings(account=account)

    # A distribution is not income lost: the snapshot keeps it apart by journal kind.
    distributed = BalanceSnapshot.objects.get(
        period_close=PeriodClose.objects.latest("period_end"),
        account=books["collective"],
        journal_kind=JournalKind.DISTRIBUTION,
    )
    assert distributed.balance == Decimal("30.00") * len(years)


def test_a_back_dated_entry_under_a_close_shows_reports_start_from_the_snapshot(
    village: Any,
) -> None:
    this_year = timezone.localtime().year
    books = _seed_history(village, years=[this_year - 1])
    _close(this_year - 1, 7)
    statement = household_statement(
        household=village.household, period=statement_period(year=this_year - 1, month=9)
    )
    opening = opening_undistributed(village=village.village, year=this_year)
    # What the ledger never does: an entry dated inside a closed month, after its close.
    _post(
        JournalKind.SETTLEMENT,
        datetime(this_year - 1, 3, 20, tzinfo=TZ),
        [(books["clearing"], "100.00"), (books["payable"], "-100.00")],
        "late-sale",
    )
    _post(
        JournalKind.MANUAL,
        datetime(this_year - 1, 3, 20, tzinfo=TZ),
        [(books["clearing"], "50.00"), (books["collective"], "-50.00")],
        "late-income",
    )
    again = household_statement(
        household=village.household, period=statement_period(year=this_year - 1, month=9)
    )
    assert again.opening_balance == statement.opening_balance  # the snapshot, not history
    assert opening_undistributed(village=village.village, year=this_year) == opening
    # Before any close of that month, history is read: the late entries count there.
    march = statement_period(year=this_year - 1, month=4)
    assert household_statement(household=village.household, period=march).opening_balance > 0


def test_a_period_closes_once_and_only_after_it_ended() -> None:
    now = timezone.now()
    first = period_close_create(period_end=now - timedelta(days=40))
    assert period_close_create(period_end=first.period_end).pk == first.pk
    assert PeriodClose.objects.count() == 1

    with pytest.raises(ValidationError) as exc:
        period_close_create(period_end=now - timedelta(minutes=2))
    assert _code(exc) == LedgerErrorCode.PERIOD_NOT_ENDED.value
    with pytest.raises(ValidationError) as exc:
        period_close_create(period_end=now + timedelta(days=1))
    assert _code(exc) == LedgerErrorCode.PERIOD_NOT_ENDED.value
    with pytest.raises(ValidationError) as exc:
        period_close_create(period_end=first.period_end - timedelta(days=31))
    assert _code(exc) == LedgerErrorCode.PERIOD_CLOSED.value
    with pytest.raises(ValidationError) as exc:
        period_close_create(period_end=datetime(2025, 1, 1))  # no time zone
    assert _code(exc) == LedgerErrorCode.INVALID_PERIOD.value
    assert PeriodClose.objects.count() == 1  # nothing half-written


def test_the_last_month_is_closed_after_its_end_and_the_grace() -> None:
    month_start = _month_start(2026, 3)
    assert period_close_last_month(now=month_start + timedelta(minutes=5)) is None
    close = period_close_last_month(now=month_start + timedelta(hours=2))
    assert close is not None and close.period_end == month_start
    assert period_close_last_month(now=month_start + timedelta(days=3)).pk == close.pk
    assert PeriodClose.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_worker_closes_last_month(celery_worker: Any) -> None:
    result = tasks.close_last_month.delay()
    assert result.id  # queued for the worker, not run here
    wait_for(lambda: PeriodClose.objects.exists())
    close = PeriodClose.objects.get()
    local = timezone.localtime()
    assert timezone.localtime(close.period_end) == local.replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )


def test_beat_closes_the_last_month() -> None:
    from marketplace.celery import app

    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "collective_econ.close_last_month" in schedule
    assert "collective_econ.close_last_month" in app.tasks


# --- the database keeps closes and account owners fixed ----------------------------------


def _raw(sql: str, params: list[Any]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE collective_econ_periodclose SET through_posting_id = 0 WHERE id = %s",
        "DELETE FROM collective_econ_periodclose WHERE id = %s",
        "UPDATE collective_econ_balancesnapshot SET balance = 0 WHERE period_close_id = %s",
        "DELETE FROM collective_econ_balancesnapshot WHERE period_close_id = %s",
    ],
)
def test_raw_sql_cannot_change_a_close_or_its_snapshot(village: Any, sql: str) -> None:
    _seed_history(village, years=[timezone.localtime().year - 1])
    close = _close(timezone.localtime().year, 1)
    assert close.snapshots.exists()
    with pytest.raises(IntegrityError):
        _raw(sql, [close.pk])
    assert PeriodClose.objects.get(pk=close.pk).through_posting_id == close.through_posting_id
    assert BalanceSnapshot.objects.filter(period_close=close).exclude(balance=0).exists()


@pytest.mark.parametrize(
    "column,value",
    [("kind", "'HOUSEHOLD_RECEIVABLE'"), ("household_id", "%s"), ("village_id", "%s")],
)
def test_raw_sql_cannot_change_an_account_owner_or_kind(
    village: Any, column: str, value: str
) -> None:
    account = account_get_or_create(kind=AccountKind.HOUSEHOLD, owner=village.household)
    other = village.other_household if column == "household_id" else village.village
    params = [other.pk, account.pk] if value == "%s" else [account.pk]
    with pytest.raises(IntegrityError):
        _raw(f"UPDATE collective_econ_account SET {column} = {value} WHERE id = %s", params)
    assert Account.objects.get(pk=account.pk).household_id == village.household.pk


def test_other_account_columns_stay_editable(village: Any) -> None:
    account = account_get_or_create(kind=AccountKind.HOUSEHOLD, owner=village.household)
    moment = timezone.now() - timedelta(days=1)
    _raw(
        "UPDATE collective_econ_account SET created_at = %s, kind = kind WHERE id = %s",
        [moment, account.pk],
    )
    assert Account.objects.get(pk=account.pk).created_at == moment


# --- the back office ---------------------------------------------------------------------


def test_a_platform_admin_closes_a_month_from_the_back_office(client: Any, village: Any) -> None:
    _seed_history(village, years=[timezone.localtime().year - 1])
    admin_user = factories.platform_admin()
    client.force_login(admin_user)
    listing = client.get(reverse("admin:collective_econ_periodclose_changelist"))
    url = reverse("admin:backoffice_period_close_month")
    assert url in listing.content.decode()
    assert client.get(url).status_code == 200
    year = timezone.localtime().year - 1
    done = client.post(url, {"month": f"{year}-05"})
    close = PeriodClose.objects.get()
    assert done.status_code == 302
    assert close.period_end == _month_start(year, 6)
    assert close.closed_by == admin_user
    # Again: the same close, nothing new.
    client.post(url, {"month": f"{year}-05"})
    assert PeriodClose.objects.count() == 1

    # A month before the last close, a month not ended, not a month: refused on the form.
    for month in (f"{year}-02", f"{timezone.localtime().year + 1}-01", "May"):
        refused = client.post(url, {"month": month})
        assert refused.status_code == 200
        assert refused.context["form"].errors["month"]
    assert PeriodClose.objects.count() == 1


@pytest.mark.parametrize("role", [Role.SHOP_MANAGER, Role.TOWNSHIP_OFFICER])
def test_other_staff_cannot_close_the_books(client: Any, village: Any, role: str) -> None:
    staff = factories.user(
        role=role,
        shop_obj=village.shop if role == Role.SHOP_MANAGER else None,
        township_obj=village.village.township if role == Role.TOWNSHIP_OFFICER else None,
        is_staff=True,
    )
    client.force_login(staff)
    year = timezone.localtime().year - 1
    response = client.post(reverse("admin:backoffice_period_close_month"), {"month": f"{year}-05"})
    assert response.status_code == 403
    with pytest.raises(ValidationError) as exc:
        period_close_create(period_end=_month_start(year, 6), actor=staff)
    assert _code(exc) == LedgerErrorCode.NOT_PERMITTED.value
    assert not PeriodClose.objects.exists()
