"""Writes for shops and households.

The shop workflow: APPLIED → RECOMMENDED (township officer of that township) → APPROVED
(platform admin) ⇄ SUSPENDED → CLOSED. An application may also be REJECTED by either
reviewer. Every step records actor, time and reason in `ShopStatusEvent`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.accounts.permissions import (
    can_approve_shop,
    can_manage_shop,
    can_recommend_shop,
    role_scopes,
)
from marketplace.audit.models import AuditAction
from marketplace.audit.services import audit_record
from marketplace.core.errors import PermissionRefused, refuse
from marketplace.divisions.models import Village
from marketplace.organisations.error_codes import HouseholdErrorCode, ShopErrorCode
from marketplace.organisations.models import (
    Household,
    HouseholdCategory,
    PartyOrganisation,
    Shop,
    ShopStatus,
    ShopStatusEvent,
)

# to_status → statuses it may be reached from
_ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    ShopStatus.RECOMMENDED: {ShopStatus.APPLIED},
    ShopStatus.APPROVED: {ShopStatus.RECOMMENDED, ShopStatus.SUSPENDED},
    ShopStatus.REJECTED: {ShopStatus.APPLIED, ShopStatus.RECOMMENDED},
    ShopStatus.SUSPENDED: {ShopStatus.APPROVED},
    ShopStatus.CLOSED: {ShopStatus.APPROVED, ShopStatus.SUSPENDED},
}


@transaction.atomic
def shop_apply(
    *,
    party_organisation: PartyOrganisation,
    name: str,
    slug: str,
    applicant: User | None,
    description: str = "",
    reason: str = "Application submitted.",
) -> Shop:
    """A village Party organisation applies to open its (single) shop."""
    if Shop.objects.filter(party_organisation=party_organisation).exists():
        raise refuse(
            "party_organisation",
            f"{party_organisation} already runs a shop; a village has at most one.",
            ShopErrorCode.UNIQUE,
        )
    if Shop.objects.filter(slug=slug).exists():
        raise refuse("slug", f"The slug '{slug}' is taken.", ShopErrorCode.UNIQUE)
    if not name.strip():
        raise refuse("name", "A shop needs a name.", ShopErrorCode.REQUIRED)
    shop = Shop.objects.create(
        party_organisation=party_organisation,
        village_id=party_organisation.village_id,
        name=name.strip(),
        slug=slug,
        description=description,
        status=ShopStatus.APPLIED,
    )
    ShopStatusEvent.objects.create(
        shop=shop, from_status="", to_status=ShopStatus.APPLIED, actor=applicant, reason=reason
    )
    return shop


def _transition(
    *, shop: Shop, to_status: str, actor: User, reason: str, allowed_from: set[str] | None = None
) -> Shop:
    """Move the shop under a row lock; the allowed-from check reads the locked row."""
    if not reason.strip():
        raise refuse(
            "reason", "Every change of a shop's status needs a reason.", ShopErrorCode.REQUIRED
        )
    locked = Shop.objects.select_for_update().get(pk=shop.pk)
    if locked.status not in (allowed_from or _ALLOWED_TRANSITIONS[to_status]):
        raise refuse(
            "status",
            f"A shop that is {locked.get_status_display().lower()} cannot become "
            f"{ShopStatus(to_status).label.lower()}.",
            ShopErrorCode.INVALID_TRANSITION,
        )
    from_status = locked.status
    locked.status = to_status
    if to_status == ShopStatus.APPROVED:
        locked.approved_at = timezone.now()
    locked.save(update_fields=["status", "approved_at"])
    ShopStatusEvent.objects.create(
        shop=locked,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        reason=reason.strip(),
    )
    audit_record(
        actor=actor,
        action=AuditAction.SHOP_STATUS_CHANGE,
        target=locked,
        township_ids=[shop.village.township_id],
        details={"from": from_status, "to": to_status, "reason": reason.strip()},
    )
    return locked


@transaction.atomic
def shop_recommend(*, shop: Shop, officer: User, reason: str) -> Shop:
    if not can_recommend_shop(user=officer, shop=shop):
        raise PermissionRefused(
            f"Only the officers of {shop.village.township} may recommend {shop}."
        )
    return _transition(shop=shop, to_status=ShopStatus.RECOMMENDED, actor=officer, reason=reason)


@transaction.atomic
def shop_approve(*, shop: Shop, admin: User, reason: str) -> Shop:
    if not can_approve_shop(user=admin):
        raise PermissionRefused("Only a platform admin may approve a shop.")
    return _transition(shop=shop, to_status=ShopStatus.APPROVED, actor=admin, reason=reason)


@transaction.atomic
def shop_reject(*, shop: Shop, reviewer: User, reason: str) -> Shop:
    if not (can_approve_shop(user=reviewer) or can_recommend_shop(user=reviewer, shop=shop)):
        raise PermissionRefused(f"You may not review the application of {shop}.")
    return _transition(shop=shop, to_status=ShopStatus.REJECTED, actor=reviewer, reason=reason)


@transaction.atomic
def shop_suspend(*, shop: Shop, actor: User, reason: str) -> Shop:
    if not (can_approve_shop(user=actor) or can_recommend_shop(user=actor, shop=shop)):
        raise PermissionRefused(f"You may not suspend {shop}.")
    return _transition(shop=shop, to_status=ShopStatus.SUSPENDED, actor=actor, reason=reason)


@transaction.atomic
def shop_reinstate(*, shop: Shop, admin: User, reason: str) -> Shop:
    if not can_approve_shop(user=admin):
        raise PermissionRefused("Only a platform admin may reinstate a suspended shop.")
    return _transition(
        shop=shop,
        to_status=ShopStatus.APPROVED,
        actor=admin,
        reason=reason,
        allowed_from={ShopStatus.SUSPENDED},
    )


@transaction.atomic
def shop_close(*, shop: Shop, actor: User, reason: str) -> Shop:
    if not (can_approve_shop(user=actor) or can_manage_shop(user=actor, shop=shop)):
        raise PermissionRefused(f"You may not close {shop}.")
    return _transition(shop=shop, to_status=ShopStatus.CLOSED, actor=actor, reason=reason)


def _new_household_reference(village: Village) -> str:
    # The reference is public (trace pages); it carries the village code and a random tail,
    # never anything derived from the person.
    return f"H{village.code[-6:]}{secrets.token_hex(3).upper()}"


@transaction.atomic
def household_register(
    *,
    actor: User,
    village: Village,
    category: str,
    member_count: int,
    head_name: str,
    id_number: str = "",
    phone: str = "",
) -> Household:
    """Register a household. The manager of that village's shop or a platform admin may."""
    scopes = role_scopes(actor)
    if not (scopes.is_platform_admin or village.pk in scopes.managed_village_ids):
        raise PermissionRefused(f"You may not register households in {village}.")
    if category not in HouseholdCategory.values:
        raise refuse(
            "category", f"Unknown household category '{category}'.", HouseholdErrorCode.INVALID
        )
    if member_count < 1:
        raise refuse(
            "member_count", "A household has at least one member.", HouseholdErrorCode.INVALID
        )
    if not head_name.strip():
        raise refuse(
            "head_name", "The head of household's name is required.", HouseholdErrorCode.REQUIRED
        )
    with transaction.atomic():
        household = Household.objects.create(
            village=village,
            reference=_new_household_reference(village),
            category=category,
            member_count=member_count,
            head_name=head_name.strip(),
            id_number=id_number.strip().upper(),
            phone=phone.strip(),
        )
        # Personal data is written here (name, ID number, phone): the log says by whom;
        # the values themselves stay out of it.
        audit_record(
            actor=actor,
            action=AuditAction.HOUSEHOLD_REGISTER,
            target=household,
            household_ids=[household.pk],
            township_ids=[village.township_id],
        )
    return household


def household_edit_audit(*, actor: User, household: Household, fields: Iterable[str]) -> None:
    """Log an edit of a household's row (made by the back office's form, which the model's
    constraints guard): who changed which fields, never the values, which are personal."""
    audit_record(
        actor=actor,
        action=AuditAction.HOUSEHOLD_EDIT,
        target=household,
        details={"fields": sorted(fields)},
        household_ids=[household.pk],
        township_ids=[household.village.township_id],
    )
