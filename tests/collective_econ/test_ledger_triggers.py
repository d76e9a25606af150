"""PostgreSQL itself refuses an unbalanced journal transaction at COMMIT and any UPDATE or
DELETE of posted rows, whatever path the write takes: these tests go around the services
with raw SQL. They need real commits (transactional tests) for the deferred trigger."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from collective_econ.ledger.services import Leg, account_get_or_create, journal_post
from collective_econ.models import AccountKind, JournalTransaction, Posting

pytestmark = pytest.mark.django_db(transaction=True)


def _accounts() -> tuple[int, int]:
    a = account_get_or_create(kind=AccountKind.ALIPAY_CLEARING)
    b = account_get_or_create(kind=AccountKind.PLATFORM_FEES)
    return a.pk, b.pk


def _insert_txn(cursor, key: str) -> int:
    cursor.execute(
        "INSERT INTO collective_econ_journaltransaction (kind, idempotency_key, memo, posted_at)"
        " VALUES ('MANUAL', %s, '', now()) RETURNING id",
        [key],
    )
    return cursor.fetchone()[0]


def _insert_posting(cursor, txn: int, account: int, amount: str) -> None:
    cursor.execute(
        "INSERT INTO collective_econ_posting (transaction_id, account_id, amount, currency)"
        " VALUES (%s, %s, %s, 'CNY')",
        [txn, account, amount],
    )


def test_an_unbalanced_transaction_is_refused_at_commit() -> None:
    a, b = _accounts()
    with (
        pytest.raises(DatabaseError, match="unbalanced"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        txn = _insert_txn(cursor, "raw:unbalanced")
        _insert_posting(cursor, txn, a, "10.00")
        _insert_posting(cursor, txn, b, "-9.99")
    assert not JournalTransaction.objects.filter(idempotency_key="raw:unbalanced").exists()
    assert Posting.objects.count() == 0


def test_legs_may_be_inserted_one_by_one_and_balance_only_at_commit() -> None:
    a, b = _accounts()
    with transaction.atomic(), connection.cursor() as cursor:
        txn = _insert_txn(cursor, "raw:balanced")
        _insert_posting(cursor, txn, a, "10.00")
        _insert_posting(cursor, txn, b, "-4.00")
        _insert_posting(cursor, txn, b, "-6.00")
    assert Posting.objects.filter(transaction_id=txn).count() == 3


def test_a_transaction_without_postings_is_refused() -> None:
    with (
        pytest.raises(DatabaseError, match="no postings"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        _insert_txn(cursor, "raw:empty")
    assert not JournalTransaction.objects.exists()


def test_a_later_posting_cannot_unbalance_a_committed_transaction() -> None:
    a, _b = _accounts()
    entry, _ = journal_post(
        kind="MANUAL",
        idempotency_key="k1",
        legs=[
            Leg(account_get_or_create(kind=AccountKind.ALIPAY_CLEARING), Decimal("5.00")),
            Leg(account_get_or_create(kind=AccountKind.PLATFORM_FEES), Decimal("-5.00")),
        ],
    )
    with (
        pytest.raises(DatabaseError, match="unbalanced"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        _insert_posting(cursor, entry.pk, a, "1.00")
    assert Posting.objects.filter(transaction=entry).count() == 2


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE collective_econ_posting SET amount = amount * 2",
        "UPDATE collective_econ_posting SET account_id = account_id",
        "DELETE FROM collective_econ_posting",
        "UPDATE collective_econ_journaltransaction SET memo = 'edited'",
        "DELETE FROM collective_econ_journaltransaction",
    ],
)
def test_posted_rows_are_never_updated_or_deleted(sql: str) -> None:
    a, b = _accounts()
    with transaction.atomic(), connection.cursor() as cursor:
        txn = _insert_txn(cursor, "raw:posted")
        _insert_posting(cursor, txn, a, "3.00")
        _insert_posting(cursor, txn, b, "-3.00")
    with (
        pytest.raises(DatabaseError, match="refused"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert sorted(Posting.objects.values_list("amount", flat=True)) == [
        Decimal("-3.00"),
        Decimal("3.00"),
    ]
    assert JournalTransaction.objects.get().memo == ""


def test_the_orm_cannot_slip_past_either() -> None:
    entry, _ = journal_post(
        kind="MANUAL",
        idempotency_key="k2",
        legs=[
            Leg(account_get_or_create(kind=AccountKind.ALIPAY_CLEARING), Decimal("5.00")),
            Leg(account_get_or_create(kind=AccountKind.PLATFORM_FEES), Decimal("-5.00")),
        ],
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        Posting.objects.filter(transaction=entry).update(amount=Decimal("1.00"))
    with pytest.raises(DatabaseError), transaction.atomic():
        Posting.objects.bulk_create(
            [Posting(transaction=entry, account=entry.postings.first().account, amount=1)]
        )
    assert Posting.objects.filter(transaction=entry).count() == 2


def _pending_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM collective_econ_balance_unchecked)"
            " + (SELECT count(*) FROM collective_econ_balance_check_due)"
        )
        return cursor.fetchone()[0]


def test_one_unbalanced_entry_in_a_bulk_insert_refuses_the_whole_commit() -> None:
    a, b = _accounts()
    with (
        pytest.raises(DatabaseError, match="unbalanced"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO collective_econ_journaltransaction (kind, idempotency_key, memo,"
            " posted_at) SELECT 'MANUAL', 'bulk:' || g, '', now()"
            " FROM generate_series(1, 500) g"
        )
        cursor.execute(
            "INSERT INTO collective_econ_posting (transaction_id, account_id, amount, currency)"
            " SELECT t.id, leg.account, CASE WHEN leg.debit THEN 2.00"
            "   WHEN t.idempotency_key = 'bulk:377' THEN -1.99 ELSE -2.00 END, 'CNY'"
            " FROM collective_econ_journaltransaction t"
            " CROSS JOIN (VALUES (%s, true), (%s, false)) AS leg(account, debit)"
            " WHERE t.idempotency_key LIKE 'bulk:%%'",
            [a, b],
        )
    assert not JournalTransaction.objects.exists()
    assert _pending_rows() == 0


def test_a_balanced_bulk_insert_commits_and_leaves_nothing_pending() -> None:
    a, b = _accounts()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO collective_econ_journaltransaction (kind, idempotency_key, memo,"
            " posted_at) SELECT 'MANUAL', 'ok:' || g, '', now() FROM generate_series(1, 300) g"
        )
        cursor.execute(
            "INSERT INTO collective_econ_posting (transaction_id, account_id, amount, currency)"
            " SELECT t.id, leg.account, leg.amount, 'CNY'"
            " FROM collective_econ_journaltransaction t"
            " CROSS JOIN (VALUES (%s, 3.00), (%s, -3.00)) AS leg(account, amount)",
            [a, b],
        )
    assert Posting.objects.count() == 600
    assert _pending_rows() == 0


def test_checking_early_does_not_let_a_later_posting_through() -> None:
    a, b = _accounts()
    with (
        pytest.raises(DatabaseError, match="unbalanced"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        txn = _insert_txn(cursor, "raw:early")
        _insert_posting(cursor, txn, a, "5.00")
        _insert_posting(cursor, txn, b, "-5.00")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the check runs here and passes
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        _insert_posting(cursor, txn, a, "0.01")  # queues a new check for COMMIT
    assert not JournalTransaction.objects.filter(idempotency_key="raw:early").exists()


def test_a_rolled_back_savepoint_takes_its_check_with_it_and_later_ones_still_run() -> None:
    a, b = _accounts()
    with (
        pytest.raises(DatabaseError, match="unbalanced"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        sid = transaction.savepoint()
        txn = _insert_txn(cursor, "raw:rolled-back")
        _insert_posting(cursor, txn, a, "1.00")  # unbalanced, but rolled back below
        transaction.savepoint_rollback(sid)
        txn = _insert_txn(cursor, "raw:after")
        _insert_posting(cursor, txn, a, "2.00")
        _insert_posting(cursor, txn, b, "-1.00")
    assert not JournalTransaction.objects.exists()
    with transaction.atomic(), connection.cursor() as cursor:
        sid = transaction.savepoint()
        txn = _insert_txn(cursor, "raw:gone")
        _insert_posting(cursor, txn, a, "1.00")
        transaction.savepoint_rollback(sid)
        txn = _insert_txn(cursor, "raw:kept")
        _insert_posting(cursor, txn, a, "2.00")
        _insert_posting(cursor, txn, b, "-2.00")
    assert list(JournalTransaction.objects.values_list("idempotency_key", flat=True)) == [
        "raw:kept"
    ]
    assert _pending_rows() == 0


def test_the_commit_check_finds_postings_by_index_whatever_the_statistics_say() -> None:
    """Stale statistics once made the check scan the whole ledger at every COMMIT; the
    function now plans index lookups only (migration 0021)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proconfig FROM pg_proc WHERE proname = 'collective_econ_check_noted'"
        )
        (config,) = cursor.fetchone()
    assert sorted(config) == [
        "enable_hashjoin=off",
        "enable_mergejoin=off",
        "enable_seqscan=off",
    ]
