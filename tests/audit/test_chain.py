"""The audit log is append-only in the database, hash-chained, and one chain under
concurrent writers; `ruralmart audit_verify` finds a changed or a deleted entry."""

from __future__ import annotations

import threading
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.db.utils import IntegrityError, InternalError

from marketplace.audit.chain import chain_verify, entry_hash
from marketplace.audit.models import GENESIS_HASH, AuditAction, AuditEntry
from marketplace.audit.services import audit_record
from tests import factories


def _entries(count: int, actor: Any = None) -> list[AuditEntry]:
    return [
        audit_record(actor=actor, action=AuditAction.SHOP_STATUS_CHANGE, details={"n": i})
        for i in range(count)
    ]


@pytest.mark.django_db
def test_each_entry_chains_the_hash_of_the_one_before():
    first, second, third = _entries(3, actor=factories.platform_admin())
    assert first.sequence == 1 and first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.entry_hash
    assert third.previous_hash == second.entry_hash
    stored = AuditEntry.objects.get(pk=second.pk)
    assert entry_hash(previous_hash=first.entry_hash, entry=stored) == stored.entry_hash
    assert chain_verify() == (3, None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditentry SET action = 'ROLE_ASSIGN'",
        "DELETE FROM audit_auditentry",
    ],
)
def test_the_database_refuses_update_and_delete(statement):
    _entries(2)
    with (
        pytest.raises((InternalError, IntegrityError), match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    with pytest.raises((InternalError, IntegrityError)), transaction.atomic():
        AuditEntry.objects.filter(sequence=1).update(where="elsewhere")
    assert AuditEntry.objects.count() == 2


def _behind_the_triggers_back(statement: str, params: list[Any]) -> None:
    # What a superuser with direct database access could do.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
        cursor.execute(statement, params)
        cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_append_only")


@pytest.mark.django_db
def test_audit_verify_names_a_tampered_entry():
    _entries(5)
    call_command("audit_verify", stdout=(out := StringIO()))
    assert "intact: 5 entries" in out.getvalue()
    _behind_the_triggers_back(
        "UPDATE audit_auditentry SET details = %s WHERE sequence = 3", ['{"n": 99}']
    )
    with pytest.raises(CommandError, match=r"entry #3: its contents no longer match"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_audit_verify_names_a_deleted_entry():
    _entries(5)
    _behind_the_triggers_back("DELETE FROM audit_auditentry WHERE sequence = 2", [])
    with pytest.raises(CommandError, match=r"entry #2 is missing"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_audit_verify_names_a_rehashed_entry_whose_successor_no_longer_links():
    _entries(4)
    forged = AuditEntry.objects.get(sequence=2)
    forged.details = {"n": "forged"}
    new_hash = entry_hash(previous_hash=forged.previous_hash, entry=forged)
    _behind_the_triggers_back(
        "UPDATE audit_auditentry SET details = %s, entry_hash = %s WHERE sequence = 2",
        ['{"n": "forged"}', new_hash],
    )
    with pytest.raises(CommandError, match=r"entry #3: its previous_hash"):
        call_command("audit_verify")


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    threads_count, per_thread = 6, 5
    barrier = threading.Barrier(threads_count)
    failures: list[BaseException] = []

    def write() -> None:
        try:
            barrier.wait(timeout=10)
            for i in range(per_thread):
                with transaction.atomic():
                    audit_record(actor=None, action=AuditAction.ROLE_ASSIGN, details={"i": i})
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    sequences = list(AuditEntry.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, threads_count * per_thread + 1))
    assert chain_verify() == (threads_count * per_thread, None)
