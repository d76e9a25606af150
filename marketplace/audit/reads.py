"""Recording reads of unmasked personal data, in bulk.

One page may unmask fifty households, and a GraphQL resolver asks for each field of each
household apart. Inside `personal_data_reads(where=...)` (the middleware opens one per
HTTP request) reads are gathered and written when the block ends: one entry per actor,
basis and request, naming every household read, in a bounded number of statements.
Outside such a block each read is written at once.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse

from marketplace.audit.chain import PendingEntry, chain_append
from marketplace.audit.models import AuditAction
from marketplace.divisions.models import Village

if TYPE_CHECKING:
    from marketplace.accounts.models import User


@dataclass
class _Reads:
    where: str
    # (actor id, actor e-mail, basis, request id) -> household id -> village id
    by_key: dict[tuple[int, str, str, int | None], dict[int, int]] = field(default_factory=dict)
    fields: dict[tuple[int, str, str, int | None], set[str]] = field(default_factory=dict)


_current: contextvars.ContextVar[_Reads | None] = contextvars.ContextVar(
    "ruralmart_personal_data_reads", default=None
)


def personal_data_read(
    *,
    actor: User,
    household_id: int,
    village_id: int,
    fields: Sequence[str],
    basis: str,
    request_id: int | None = None,
    where: str = "",
) -> None:
    """Note that `actor` was shown `fields` of a household unmasked, entitled by `basis`."""
    reads = _current.get()
    if reads is None:
        reads = _Reads(where=where)
        _add(reads, actor, household_id, village_id, fields, basis, request_id)
        _flush(reads)
        return
    _add(reads, actor, household_id, village_id, fields, basis, request_id)


def _add(
    reads: _Reads,
    actor: User,
    household_id: int,
    village_id: int,
    fields: Sequence[str],
    basis: str,
    request_id: int | None,
) -> None:
    key = (actor.pk, actor.email, basis, request_id)
    reads.by_key.setdefault(key, {})[household_id] = village_id
    reads.fields.setdefault(key, set()).update(fields)


def _flush(reads: _Reads) -> None:
    if not reads.by_key:
        return
    village_ids = {v for households in reads.by_key.values() for v in households.values()}
    township_of = dict(Village.objects.filter(pk__in=village_ids).values_list("pk", "township_id"))
    chain_append(
        [
            PendingEntry(
                action=AuditAction.PERSONAL_DATA_READ,
                actor_id=actor_id,
                actor_email=actor_email,
                household_ids=list(households),
                township_ids=[township_of[v] for v in households.values() if v in township_of],
                fields=sorted(reads.fields[key]),
                where=reads.where,
                basis=basis,
                request_id=request_id,
            )
            for key, households in reads.by_key.items()
            for actor_id, actor_email, basis, request_id in [key]
        ]
    )
    reads.by_key.clear()
    reads.fields.clear()


@contextmanager
def personal_data_reads(*, where: str) -> Iterator[None]:
    """Gather the reads made inside the block and write them when it ends, even when the
    block fails: what was shown before the failure was still shown."""
    reads = _Reads(where=where)
    token = _current.set(reads)
    try:
        yield
    finally:
        _current.reset(token)
        _flush(reads)


class PersonalDataReadsMiddleware:
    """Wraps every request in `personal_data_reads`, naming the page or endpoint."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with personal_data_reads(where=f"{request.method} {request.path}"):
            return self.get_response(request)
