"""Complaints against a shop or one of its shop orders: filed by a buyer (about their own
order), or recorded for a villager by the shop's staff or the township's officer; resolved
by the shop's manager or the township's officer."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.accounts.permissions import can_manage_shop, role_scopes
from marketplace.audit.models import AuditAction
from marketplace.audit.services import audit_record
from marketplace.core.errors import PermissionRefused, refuse
from marketplace.orders.models import ShopOrder
from marketplace.organisations.models import Shop
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
