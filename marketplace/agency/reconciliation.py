"""Daily reconciliation: each outside party's records for a day against ours.

A *record source* pairs two readers for one party: `theirs(day)` (a provider's statement
file, Alipay's bill) and `ours(day)` (our agency orders, withdrawals and tickets, our
Alipay trades). Sources register by name in `RECORD_SOURCES`, so another package (the
counter's Alipay sales) plugs its own in with `register_record_source` without this
module knowing it. Differences become ReconciliationItems, UNIQUE per (day, source,
external id): re-running a day adds nothing twice, and a cleared item stays cleared.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.accounts.permissions import role_scopes

# Imported for its registration: Alipay's bill is a source like the providers' statements.
from marketplace.agency import alipay_bill  # noqa: F401
from marketplace.agency.error_codes import AgencyErrorCode
from marketplace.agency.models import (
    DiscrepancyKind,
    ReconciliationItem,
    ReconciliationRun,
    WithdrawalStatus,
)
from marketplace.agency.providers.base import ProviderError, ProviderTimeout
from marketplace.agency.reconciliation_places import supermarkets_of_external_ids
from marketplace.agency.record_sources import RECORD_SOURCES, SETTLED, Record
from marketplace.core.errors import PermissionRefused, refuse
from marketplace.red_supermarket.models import RedSupermarket
from marketplace.red_supermarket.selectors import (
    can_operate_supermarket,
    supermarkets_operated_by,
    supermarkets_visible_to,
)

logger = logging.getLogger("ruralmart.agency.reconciliation")


def _compare(
    theirs: dict[str, Record], ours: dict[str, Record]
) -> list[tuple[str, str, Record | None, Record | None]]:
    """(external id, kind, ours, theirs) for every difference."""
    flagged: list[tuple[str, str, Record | None, Record | None]] = []
    for external_id, their in theirs.items():
        our = ours.get(external_id)
        if our is None:
            flagged.append((external_id, DiscrepancyKind.MISSING, None, their))
        elif our.amount != their.amount or (our.status == SETTLED) != (their.status == SETTLED):
            flagged.append((external_id, DiscrepancyKind.MISMATCHED, our, their))
    for external_id, our in ours.items():
        if external_id not in theirs and our.status in (SETTLED, WithdrawalStatus.SUCCESS):
            flagged.append((external_id, DiscrepancyKind.EXTRA, our, None))
    return flagged


def _check_may_run(*, user: User | None, supermarket: RedSupermarket | None) -> None:
    if user is None:
        return  # the beat task
    scopes = role_scopes(user)
    if supermarket is not None:
        allowed = (
            can_operate_supermarket(user=user, supermarket=supermarket) or scopes.is_platform_admin
        )
    else:
        allowed = scopes.is_platform_admin or bool(scopes.overseen_township_ids)
    if not allowed:
        raise PermissionRefused("You may not run reconciliation here.")


def reconciliation_run(
    *,
    day: date,
    user: User | None = None,
    source: str | None = None,
    supermarket: RedSupermarket | None = None,
) -> list[ReconciliationRun]:
    """Compare `day` for one source (or every registered one). With a supermarket, only
    its differences are kept (the provider statements are county-wide)."""
    _check_may_run(user=user, supermarket=supermarket)
    if day >= timezone.localdate() + timedelta(days=1):
        raise refuse("date", "That day has not happened yet.", AgencyErrorCode.INVALID_FIELD)
    names = [source] if source else sorted(RECORD_SOURCES)
    unknown = [name for name in names if name not in RECORD_SOURCES]
    if unknown:
        raise refuse(
            "provider", f"There is no record source {unknown[0]!r}.", AgencyErrorCode.NOT_FOUND
        )
    return [_run_one(day=day, name=name, user=user, supermarket=supermarket) for name in names]


def _run_one(
    *, day: date, name: str, user: User | None, supermarket: RedSupermarket | None
) -> ReconciliationRun:
    source = RECORD_SOURCES[name]()
    try:
        theirs = source.theirs(day=day)
    except (ProviderError, ProviderTimeout) as exc:
        return ReconciliationRun.objects.create(
            business_day=day, source=name, started_by=user, error=str(exc)[:255]
        )
    ours = source.ours(day=day)
    flagged = _compare(theirs, ours)
    # MISSING items have no record of ours that day; place them where their id allows.
    placed = supermarkets_of_external_ids([row[0] for row in flagged if row[2] is None])

    def supermarket_of(external_id: str, our: Record | None) -> int | None:
        return our.supermarket_id if our is not None else placed.get(external_id)

    if supermarket is not None:
        flagged = [row for row in flagged if supermarket_of(row[0], row[2]) == supermarket.pk]
    with transaction.atomic():
        run = ReconciliationRun.objects.create(
            business_day=day,
            source=name,
            started_by=user,
            theirs_count=len(theirs),
            ours_count=len(ours),
            flagged_count=len(flagged),
        )
        before = ReconciliationItem.objects.filter(business_day=day, source=name).count()
        ReconciliationItem.objects.bulk_create(
            [
                ReconciliationItem(
                    run=run,
                    business_day=day,
                    source=name,
                    external_id=external_id,
                    kind=kind,
                    supermarket_id=supermarket_of(external_id, our),
                    ours_amount=our.amount if our else None,
                    theirs_amount=their.amount if their else None,
                    ours_status=our.status if our else "",
                    theirs_status=their.status if their else "",
                )
                for external_id, kind, our, their in flagged
            ],
            ignore_conflicts=True,
        )
        run.new_items_count = (
            ReconciliationItem.objects.filter(business_day=day, source=name).count() - before
        )
        run.save(update_fields=["new_items_count"])
    return run


def reconciliation_items_visible_to(*, user: User | None) -> QuerySet[ReconciliationItem]:
    """The operator's own supermarket's items; the township's (or county's) for officers,
    with the county-wide items that name no supermarket; all for platform admins."""
    scopes = role_scopes(user)
    items = ReconciliationItem.objects.order_by("-business_day", "source", "pk")
    if scopes.is_platform_admin:
        return items
    visible = supermarkets_visible_to(user=user).values("pk")
    condition = Q(supermarket_id__in=visible)
    if scopes.overseen_township_ids:
        condition |= Q(supermarket__isnull=True)
    return items.filter(condition)


@transaction.atomic
def reconciliation_item_clear(
    *, item: ReconciliationItem, user: User, note: str = ""
) -> ReconciliationItem:
    """Mark a difference explained. The supermarket's operator clears its own; officers
    and admins clear any they can see."""
    scopes = role_scopes(user)
    operated = (
        item.supermarket_id is not None
        and supermarkets_operated_by(user=user).filter(pk=item.supermarket_id).exists()
    )
    may = (
        operated
        or scopes.is_platform_admin
        or (
            reconciliation_items_visible_to(user=user).filter(pk=item.pk).exists()
            and scopes.is_bureau_officer
        )
    )
    if not may:
        raise PermissionRefused("You may not clear this reconciliation item.")
    locked = ReconciliationItem.objects.select_for_update().get(pk=item.pk)
    if locked.cleared:
        return locked
    locked.cleared, locked.cleared_by, locked.cleared_at = True, user, timezone.now()
    locked.cleared_note = note.strip()[:255]
    locked.save(update_fields=["cleared", "cleared_by", "cleared_at", "cleared_note"])
    return locked
