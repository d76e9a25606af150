"""Writes: the audit helper every privileged write calls, and the life of a data request.

A request goes DRAFT → SUBMITTED → APPROVED or REFUSED; an approved one ends REVOKED or
EXPIRED. Every transition is written to the audit log in the same transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from marketplace.accounts.permissions import can_decide_data_request, can_file_data_request
from marketplace.audit.chain import PendingEntry, chain_append
from marketplace.audit.error_codes import DataRequestErrorCode
from marketplace.audit.letters import letter_check, letter_file
from marketplace.audit.models import AuditAction, AuditEntry, DataAccessRequest, DataRequestStatus
from marketplace.audit.selectors import data_request_township_ids
from marketplace.core.errors import PermissionRefused, refuse

if TYPE_CHECKING:
    from marketplace.accounts.models import User
    from marketplace.divisions.models import Township, Village
    from marketplace.organisations.models import Household

# How long a grant may run: a letter asks for a look, not a standing licence.
MAX_GRANT_DAYS = 366


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: Model | None = None,
    details: Mapping[str, Any] | None = None,
    request: DataAccessRequest | None = None,
    household_ids: Iterable[int] = (),
    township_ids: Iterable[int] = (),
) -> AuditEntry:
    """Write one privileged action to the audit log, inside the caller's transaction (so
    it is kept exactly when the action is). `township_ids` makes it searchable by those
    townships' officers."""
    (entry,) = chain_append(
        [
            PendingEntry(
                action=action,
                actor_id=actor.pk if actor is not None else None,
                actor_email=actor.email if actor is not None else "",
                target_type=target._meta.label if target is not None else "",
                target_id=str(target.pk) if target is not None else "",
                household_ids=list(household_ids),
                township_ids=list(township_ids),
                request_id=request.pk if request is not None else None,
                details=dict(details or {}),
            )
        ]
    )
    return entry


def _required_text(value: str, *, field: str, what: str) -> str:
    if not value or not value.strip():
        raise refuse(field, f"{what} is required.", DataRequestErrorCode.REQUIRED)
    return value.strip()


def _check_scope(
    *, households: list[Household], village: Village | None, township: Township | None
) -> None:
    if not households and village is None and township is None:
        raise refuse(
            "scope",
            "Name the households, the village or the township whose data you need.",
            DataRequestErrorCode.EMPTY_SCOPE,
        )
    if sum(bool(part) for part in (households, village, township)) > 1:
        raise refuse(
            "scope",
            "Name households, a village or a township: one kind of scope per request.",
            DataRequestErrorCode.AMBIGUOUS_SCOPE,
        )


def _check_period(*, period_from: datetime.date, period_to: datetime.date) -> None:
    if period_from > period_to:
        raise refuse(
            "period_to",
            "The data period ends before it starts.",
            DataRequestErrorCode.PERIOD_REVERSED,
        )
    if period_to > timezone.localdate():
        raise refuse(
            "period_to",
            "The data period reaches into the future, where there is no data yet.",
            DataRequestErrorCode.PERIOD_IN_FUTURE,
        )


def _check_expiry(*, expires_at: datetime.datetime) -> None:
    now = timezone.now()
    if expires_at <= now:
        raise refuse(
            "expires_at",
            "The grant must expire in the future.",
            DataRequestErrorCode.INVALID_EXPIRY,
        )
    if expires_at > now + datetime.timedelta(days=MAX_GRANT_DAYS):
        raise refuse(
            "expires_at",
            f"A grant runs for at most {MAX_GRANT_DAYS} days.",
            DataRequestErrorCode.INVALID_EXPIRY,
        )


def check_data_request(
    *,
    households: list[Household],
    village: Village | None,
    township: Township | None,
    period_from: datetime.date,
    period_to: datetime.date,
    expires_at: datetime.datetime,
    letter: bytes | None = None,
) -> None:
    """The checks of a new request that need no database: scope, period, expiry, letter.
    Forms run them at validation so refusals show on the right field."""
    _check_scope(households=households, village=village, township=township)
    _check_period(period_from=period_from, period_to=period_to)
    _check_expiry(expires_at=expires_at)
    if letter is not None:
        letter_check(content=letter)


def _record(
    *, data_request: DataAccessRequest, actor: User | None, action: str, **details: Any
) -> None:
    audit_record(
        actor=actor,
        action=action,
        target=data_request,
        request=data_request,
        household_ids=data_request.households.values_list("pk", flat=True),
        township_ids=data_request_township_ids(data_request=data_request),
        details={"status": data_request.status, **details},
    )


@transaction.atomic
def data_request_create(
    *,
    requester: User,
    requesting_unit: str,
    purpose: str,
    period_from: datetime.date,
    period_to: datetime.date,
    expires_at: datetime.datetime,
    households: Iterable[Household] = (),
    village: Village | None = None,
    township: Township | None = None,
    letter: bytes | None = None,
) -> DataAccessRequest:
    """File a draft request. Everything is checked before anything is written."""
    if not can_file_data_request(user=requester):
        raise PermissionRefused("Only staff roles may file personal-data requests.")
    unit = _required_text(requesting_unit, field="requesting_unit", what="The requesting unit")
    why = _required_text(purpose, field="purpose", what="The purpose")
    chosen = list(households)
    check_data_request(
        households=chosen,
        village=village,
        township=township,
        period_from=period_from,
        period_to=period_to,
        expires_at=expires_at,
        letter=letter,
    )
    data_request = DataAccessRequest.objects.create(
        requesting_unit=unit,
        requester=requester,
        purpose=why,
        village=village,
        township=township,
        period_from=period_from,
        period_to=period_to,
        expires_at=expires_at,
    )
    if chosen:
        data_request.households.set(chosen)
    if letter is not None:
        _attach(data_request=data_request, content=letter)
    _record(data_request=data_request, actor=requester, action=AuditAction.DATA_REQUEST_CREATE)
    return data_request


def _attach(*, data_request: DataAccessRequest, content: bytes) -> None:
    file, content_type = letter_file(content=content, request_id=data_request.pk)
    data_request.letter.save(file.name or "letter", file, save=False)
    data_request.letter_content_type = content_type
    data_request.save(update_fields=["letter", "letter_content_type"])


def _locked(data_request: DataAccessRequest) -> DataAccessRequest:
    return DataAccessRequest.objects.select_for_update().get(pk=data_request.pk)


def _check_status(data_request: DataAccessRequest, *allowed: str) -> None:
    if data_request.status not in allowed:
        raise refuse(
            "status",
            f"A request that is {data_request.get_status_display().lower()} cannot do that.",
            DataRequestErrorCode.INVALID_TRANSITION,
        )


def _check_not_expired(data_request: DataAccessRequest) -> None:
    if data_request.expires_at <= timezone.now():
        raise refuse("expires_at", "The request has expired.", DataRequestErrorCode.EXPIRED)


@transaction.atomic
def data_request_attach_letter(
    *, data_request: DataAccessRequest, actor: User, content: bytes
) -> DataAccessRequest:
    """Attach (or replace) the letter of a draft: its requester only."""
    locked = _locked(data_request)
    if locked.requester_id != actor.pk:
        raise PermissionRefused("Only the requester may attach the letter.")
    _check_status(locked, DataRequestStatus.DRAFT)
    _attach(data_request=locked, content=content)
    return locked


@transaction.atomic
def data_request_submit(*, data_request: DataAccessRequest, actor: User) -> DataAccessRequest:
    locked = _locked(data_request)
    if locked.requester_id != actor.pk:
        raise PermissionRefused("Only the requester may submit the request.")
    _check_status(locked, DataRequestStatus.DRAFT)
    _check_not_expired(locked)
    if not locked.letter:
        raise refuse(
            "letter", "Attach the letter before submitting.", DataRequestErrorCode.LETTER_REQUIRED
        )
    locked.status = DataRequestStatus.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.save(update_fields=["status", "submitted_at"])
    _record(data_request=locked, actor=actor, action=AuditAction.DATA_REQUEST_SUBMIT)
    return locked


@transaction.atomic
def data_request_decide(
    *, data_request: DataAccessRequest, officer: User, approve: bool, reason: str
) -> DataAccessRequest:
    """Approve or refuse a submitted request. The officer may not be its requester, and
    must be a township officer of every township its scope reaches (or a platform admin)."""
    locked = _locked(data_request)
    if locked.requester_id == officer.pk:
        raise refuse(
            "id", "Nobody may decide on their own request.", DataRequestErrorCode.OWN_REQUEST
        )
    if not can_decide_data_request(
        user=officer, township_ids=data_request_township_ids(data_request=locked)
    ):
        raise refuse(
            "id",
            "Only an officer of every township the request reaches may decide on it.",
            DataRequestErrorCode.NOT_OVERSEER,
        )
    _check_status(locked, DataRequestStatus.SUBMITTED)
    _check_not_expired(locked)
    why = _required_text(reason, field="reason", what="The reason for the decision")
    locked.status = DataRequestStatus.APPROVED if approve else DataRequestStatus.REFUSED
    locked.decided_by = officer
    locked.decided_at = timezone.now()
    locked.decision_reason = why
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    _record(
        data_request=locked,
        actor=officer,
        action=AuditAction.DATA_REQUEST_APPROVE if approve else AuditAction.DATA_REQUEST_REFUSE,
        reason=why,
    )
    return locked


@transaction.atomic
def data_request_revoke(
    *, data_request: DataAccessRequest, actor: User, reason: str
) -> DataAccessRequest:
    """End an approved grant early: its requester, or whoever could have decided on it."""
    locked = _locked(data_request)
    if locked.requester_id != actor.pk and not can_decide_data_request(
        user=actor, township_ids=data_request_township_ids(data_request=locked)
    ):
        raise PermissionRefused("Only the requester or the deciding township may revoke it.")
    _check_status(locked, DataRequestStatus.APPROVED)
    why = _required_text(reason, field="reason", what="The reason for revoking")
    locked.status = DataRequestStatus.REVOKED
    locked.revoked_by = actor
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["status", "revoked_by", "revoked_at"])
    _record(data_request=locked, actor=actor, action=AuditAction.DATA_REQUEST_REVOKE, reason=why)
    return locked


@transaction.atomic
def data_requests_expire(*, now: datetime.datetime | None = None) -> int:
    """Mark every open or approved request past its expiry EXPIRED. Reads never wait for
    this (they compare `expires_at` themselves); it keeps the lists honest."""
    moment = now or timezone.now()
    due = list(
        DataAccessRequest.objects.select_for_update(skip_locked=True)
        .filter(
            status__in=[
                DataRequestStatus.DRAFT,
                DataRequestStatus.SUBMITTED,
                DataRequestStatus.APPROVED,
            ],
            expires_at__lte=moment,
        )
        .order_by("pk")
    )
    if not due:
        return 0
    DataAccessRequest.objects.filter(pk__in=[r.pk for r in due]).update(
        status=DataRequestStatus.EXPIRED
    )
    chain_append(
        [
            PendingEntry(
                action=AuditAction.DATA_REQUEST_EXPIRE,
                target_type=DataAccessRequest._meta.label,
                target_id=str(r.pk),
                request_id=r.pk,
                township_ids=sorted(data_request_township_ids(data_request=r)),
                details={"was": r.status},
            )
            for r in due
        ]
    )
    return len(due)
