"""Reads of data requests and of the audit log, each scoped to what the viewer may see."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from marketplace.accounts.permissions import can_search_audit_log, role_scopes
from marketplace.audit.models import AuditEntry, DataAccessRequest

if TYPE_CHECKING:
    from marketplace.accounts.models import User


def data_request_township_ids(*, data_request: DataAccessRequest) -> set[int]:
    """The townships a request's scope reaches."""
    if data_request.township_id is not None:
        return {data_request.township_id}
    if data_request.village is not None:
        return {data_request.village.township_id}
    return set(data_request.households.values_list("village__township_id", flat=True))


def data_requests_visible_to(*, user: User | None) -> QuerySet[DataAccessRequest]:
    """The requester's own, those reaching an officer's townships, all for platform admins."""
    scopes = role_scopes(user)
    rows = DataAccessRequest.objects.all()
    if scopes.is_platform_admin:
        return rows
    if user is None or not user.is_authenticated:
        return rows.none()
    overseen = scopes.overseen_township_ids
    condition = Q(requester=user)
    if overseen:
        reaching = DataAccessRequest.objects.filter(
            Q(township_id__in=overseen)
            | Q(village__township_id__in=overseen)
            | Q(households__village__township_id__in=overseen)
        ).values("pk")
        condition |= Q(pk__in=reaching)
    return rows.filter(condition)


@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None
    household_id: int | None = None
    action: str | None = None
    request_id: int | None = None
    created_from: datetime.datetime | None = None
    created_to: datetime.datetime | None = None


def audit_entries_visible_to(
    *, user: User | None, filters: AuditFilter | None = None
) -> QuerySet[AuditEntry]:
    """Township officers see entries about their townships' households (or objects),
    county officers their county's, platform admins all; nobody else any."""
    rows = AuditEntry.objects.order_by("-sequence")
    if not can_search_audit_log(user=user):
        return rows.none()
    scopes = role_scopes(user)
    if not scopes.is_platform_admin:
        rows = rows.filter(township_ids__overlap=sorted(scopes.overseen_township_ids))
    if filters is None:
        return rows
    if filters.actor_id is not None:
        rows = rows.filter(actor_id=filters.actor_id)
    if filters.household_id is not None:
        rows = rows.filter(household_ids__contains=[filters.household_id])
    if filters.action:
        rows = rows.filter(action=filters.action)
    if filters.request_id is not None:
        rows = rows.filter(request_id=filters.request_id)
    if filters.created_from is not None:
        rows = rows.filter(created_at__gte=filters.created_from)
    if filters.created_to is not None:
        rows = rows.filter(created_at__lte=filters.created_to)
    return rows
