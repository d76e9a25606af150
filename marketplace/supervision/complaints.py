"""Complaints against a shop or one of its shop orders: filed by a buyer (about their own
order), or recorded for a villager by the shop's staff or the township's officer; resolved
by the shop's manager or the township's officer; listed for the officers and village
managers who oversee the shop, with the complainant masked."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.accounts.permissions import can_manage_shop, role_scopes
from marketplace.audit.models import AuditAction
from marketplace.audit.services import audit_record
from marketplace.core.errors import PermissionRefused, refuse
from marketplace.divisions.models import Village
from marketplace.orders.models import ShopOrder
from marketplace.organisations.models import Shop
from marketplace.organisations.privacy import mask_name
from marketplace.supervision.access import may_act_for_township
from marketplace.supervision.error_codes import SupervisionErrorCode
from marketplace.supervision.models import ComplainantKind, Complaint, ComplaintStatus


def may_record_complaints_about(user: User | None, shop: Shop) -> bool:
    """Shop staff (its managers and Red Supermarket operators) and the officers of the
    shop's township record complaints people bring them in person."""
    scopes = role_scopes(user)
    return (
        can_manage_shop(user=user, shop=shop)
        or shop.pk in scopes.operated_shop_ids
        or may_act_for_township(user, shop.village.township)
    )


def check_may_file_complaint(
    *, filed_by: User | None, shop: Shop, shop_order: ShopOrder | None
) -> None:
    """A buyer files about one of their own shop orders; anyone else needs to be staff of
    the shop or an officer of its township, recording the complaint for a villager."""
    if filed_by is None or not filed_by.is_authenticated:
        raise PermissionRefused("Log in to file a complaint.")
    if may_record_complaints_about(filed_by, shop):
        return
    if shop_order is None:
        raise PermissionRefused(
            f"Only {shop}'s staff or its township's officers record complaints without an order."
        )
    if shop_order.order.user_id != filed_by.pk:
        raise PermissionRefused("A buyer may complain only about their own orders.")


@transaction.atomic
def complaint_file(
    *,
    filed_by: User | None,
    shop: Shop,
    complainant_kind: str,
    subject: str,
    details: str = "",
    shop_order: ShopOrder | None = None,
) -> Complaint:
    if complainant_kind not in ComplainantKind.values:
        raise refuse(
            "complainant_kind",
            f"Unknown complainant '{complainant_kind}'.",
            SupervisionErrorCode.INVALID,
        )
    if not subject.strip():
        raise refuse("subject", "Say what the complaint is about.", SupervisionErrorCode.REQUIRED)
    if shop_order is not None and shop_order.shop_id != shop.pk:
        raise refuse(
            "shop_order", "That order is not from this shop.", SupervisionErrorCode.INVALID
        )
    check_may_file_complaint(filed_by=filed_by, shop=shop, shop_order=shop_order)
    return Complaint.objects.create(
        shop=shop,
        shop_order=shop_order,
        complainant_kind=complainant_kind,
        filed_by=filed_by,
        subject=subject.strip()[:200],
        details=details.strip(),
    )


@transaction.atomic
def complaint_resolve(*, actor: User, complaint: Complaint, resolution: str) -> Complaint:
    locked = (
        Complaint.objects.select_for_update().select_related("shop__village").get(pk=complaint.pk)
    )
    if not (
        can_manage_shop(user=actor, shop=locked.shop)
        or may_act_for_township(actor, locked.shop.village.township)
    ):
        raise PermissionRefused(f"You may not resolve complaints about {locked.shop}.")
    if not resolution.strip():
        raise refuse("resolution", "Say how it was resolved.", SupervisionErrorCode.REQUIRED)
    if locked.status == ComplaintStatus.RESOLVED:
        raise refuse(
            "status", "This complaint is already resolved.", SupervisionErrorCode.INVALID_TRANSITION
        )
    locked.status = ComplaintStatus.RESOLVED
    locked.resolved_at = timezone.now()
    locked.resolved_by = actor
    locked.resolution = resolution.strip()
    locked.save(update_fields=["status", "resolved_at", "resolved_by", "resolution"])
    audit_record(
        actor=actor,
        action=AuditAction.COMPLAINT_RESOLVE,
        target=locked,
        township_ids=[locked.shop.village.township_id],
    )
    return locked


def mask_email(email: str) -> str:
    """zhang.san@example.cn → z********@example.cn: the same rule as `mask_name` (the first
    character kept), applied to the mailbox; the domain says nothing about the person."""
    mailbox, at, domain = email.partition("@")
    if not at:
        return mask_name(email)
    return mask_name(mailbox) + "@" + domain


@dataclass(frozen=True)
class ComplainantShown:
    """Who complained, as a complaint list shows them: always masked. Reading complaints
    needs no personal data (the subject and the order say what went wrong), and a buyer is
    not a household a data request could unmask, so no reader is entitled to more."""

    name: str
    email: str
    is_masked: bool = True


def complainant_shown(filed_by: User | None) -> ComplainantShown | None:
    if filed_by is None:
        return None
    full_name = f"{filed_by.last_name}{filed_by.first_name}".strip()
    return ComplainantShown(name=mask_name(full_name), email=mask_email(filed_by.email))


def may_list_complaints(user: User | None) -> bool:
    """Bureau officers (their townships; a county officer every township of the county),
    village shop managers (their villages) and platform admins list complaints."""
    scopes = role_scopes(user)
    return bool(
        scopes.is_platform_admin or scopes.overseen_township_ids or scopes.managed_village_ids
    )


@dataclass(frozen=True)
class ComplaintFilters:
    township_id: int | None = None
    village_id: int | None = None
    status: str | None = None
    # Both inclusive, local calendar days of `filed_at`.
    filed_from: datetime.date | None = None
    filed_to: datetime.date | None = None


def complaint_list(*, viewer: User | None, filters: ComplaintFilters) -> QuerySet[Complaint]:
    """The complaints `viewer` may read that match `filters`, newest first.

    Refuses (PermissionRefused) a viewer with no reading role, and a township or village
    filter outside the viewer's scope: naming another township is a refusal, not an empty
    page, so a caller cannot tell a quiet township from one they may not see."""
    scopes = role_scopes(viewer)
    if not may_list_complaints(viewer):
        raise PermissionRefused("Complaints are read by bureau officers and village managers.")
    if filters.status is not None and filters.status not in ComplaintStatus.values:
        raise refuse("status", f"Unknown status '{filters.status}'.", SupervisionErrorCode.INVALID)
    if filters.filed_from and filters.filed_to and filters.filed_to < filters.filed_from:
        raise refuse(
            "filed_to",
            "The range ends before it starts.",
            SupervisionErrorCode.PERIOD_REVERSED,
        )
    complaints = Complaint.objects.all()
    if not scopes.is_platform_admin:
        complaints = complaints.filter(
            Q(shop__village__township_id__in=scopes.overseen_township_ids)
            | Q(shop__village_id__in=scopes.managed_village_ids)
        )
    if filters.township_id is not None:
        if not (scopes.is_platform_admin or filters.township_id in scopes.overseen_township_ids):
            raise PermissionRefused("You do not oversee that township.")
        complaints = complaints.filter(shop__village__township_id=filters.township_id)
    if filters.village_id is not None:
        readable_village = (
            scopes.is_platform_admin
            or filters.village_id in scopes.managed_village_ids
            or Village.objects.filter(
                pk=filters.village_id, township_id__in=scopes.overseen_township_ids
            ).exists()
        )
        if not readable_village:
            raise PermissionRefused("You may not read that village's complaints.")
        complaints = complaints.filter(shop__village_id=filters.village_id)
    if filters.status is not None:
        complaints = complaints.filter(status=filters.status)
    zone = timezone.get_current_timezone()
    if filters.filed_from is not None:
        start = datetime.datetime.combine(filters.filed_from, datetime.time.min, tzinfo=zone)
        complaints = complaints.filter(filed_at__gte=start)
    # The last representable day has no day after it, and nothing is filed beyond it.
    if filters.filed_to is not None and filters.filed_to < datetime.date.max:
        end = datetime.datetime.combine(
            filters.filed_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
        )
        complaints = complaints.filter(filed_at__lt=end)
    # The village rides along so the API resolves it by loader, without the shop first.
    return complaints.annotate(village_id=F("shop__village_id")).order_by("-filed_at", "-pk")
