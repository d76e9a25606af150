"""Writing and checking the hash chain.

Every writer takes one transaction-scoped advisory lock before reading the chain's head,
so two writers never hash onto the same predecessor (the UNIQUE `sequence` and
`previous_hash` columns would refuse a fork anyway). The lock is held until the writer's
transaction ends, which serialises audited writes: the price of one chain.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from marketplace.audit.models import GENESIS_HASH, AuditEntry

# "audit" as a number: the one advisory lock key of the chain.
CHAIN_LOCK_KEY = 0x6175646974


@dataclass
class PendingEntry:
    """An entry before it has a place in the chain."""

    action: str
    actor_id: int | None = None
    actor_email: str = ""
    target_type: str = ""
    target_id: str = ""
    household_ids: list[int] = field(default_factory=list)
    township_ids: list[int] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    where: str = ""
    basis: str = ""
    request_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _timestamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat()


def canonical_payload(entry: AuditEntry) -> str:
    """Every column of the entry but its two hashes, as one canonical JSON text."""
    return canonical_json(
        {
            "sequence": entry.sequence,
            "created_at": _timestamp(entry.created_at),
            "actor_id": entry.actor_id,
            "actor_email": entry.actor_email,
            "action": entry.action,
            "target_type": entry.target_type,
            "target_id": entry.target_id,
            "household_ids": list(entry.household_ids),
            "township_ids": list(entry.township_ids),
            "fields": list(entry.fields),
            "where": entry.where,
            "basis": entry.basis,
            "request_id": entry.request_id,
            "details": entry.details,
        }
    )


def entry_hash(*, previous_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256((previous_hash + canonical_payload(entry)).encode()).hexdigest()


@transaction.atomic
def chain_append(pending: Sequence[PendingEntry]) -> list[AuditEntry]:
    """Append `pending` to the chain in order: a lock, a read of the head and one INSERT,
    however many entries there are."""
    if not pending:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
    head = AuditEntry.objects.order_by("-sequence").values_list("sequence", "entry_hash").first()
    sequence, previous = head if head is not None else (0, GENESIS_HASH)
    now = timezone.now()
    entries = []
    for item in pending:
        sequence += 1
        entry = AuditEntry(
            sequence=sequence,
            created_at=now,
            actor_id=item.actor_id,
            actor_email=item.actor_email,
            action=item.action,
            target_type=item.target_type,
            target_id=item.target_id,
            household_ids=sorted(set(item.household_ids)),
            township_ids=sorted(set(item.township_ids)),
            fields=list(item.fields),
            where=item.where[:200],
            basis=item.basis,
            request_id=item.request_id,
            # Stored as it was hashed: JSON-native values only (Decimals become strings).
            details=json.loads(canonical_json(item.details)),
            previous_hash=previous,
        )
        entry.entry_hash = entry_hash(previous_hash=previous, entry=entry)
        previous = entry.entry_hash
        entries.append(entry)
    return AuditEntry.objects.bulk_create(entries)


@dataclass(frozen=True)
class BrokenLink:
    sequence: int
    problem: str


def chain_verify(*, batch_size: int = 2000) -> tuple[int, BrokenLink | None]:
    """Walk the chain from its start: (entries checked, the first broken link or None).

    A link is broken when its hash does not match its own columns (a row was changed),
    when it does not name its predecessor's hash, or when a sequence number is missing
    (a row was deleted)."""
    expected_sequence = 1
    previous = GENESIS_HASH
    checked = 0
    for entry in _entries_in_order(batch_size):
        if entry.sequence != expected_sequence:
            return checked, BrokenLink(
                expected_sequence,
                f"entry #{expected_sequence} is missing (next is #{entry.sequence})",
            )
        if entry.previous_hash != previous:
            return checked, BrokenLink(
                entry.sequence, "its previous_hash is not the entry_hash of the entry before it"
            )
        if entry_hash(previous_hash=previous, entry=entry) != entry.entry_hash:
            return checked, BrokenLink(
                entry.sequence, "its contents no longer match its entry_hash"
            )
        previous = entry.entry_hash
        expected_sequence += 1
        checked += 1
    return checked, None


def _entries_in_order(batch_size: int) -> Iterator[AuditEntry]:
    last = 0
    while True:
        batch = list(AuditEntry.objects.filter(sequence__gt=last).order_by("sequence")[:batch_size])
        if not batch:
            return
        yield from batch
        last = batch[-1].sequence
