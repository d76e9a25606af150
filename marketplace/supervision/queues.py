"""The approval queue of a township: shop applications awaiting its recommendation and
certification claims awaiting its decision, each with its evidence and due date; the
platform's queue: shops the townships recommended, awaiting a platform admin's approval;
and the daily reminders, before and on each deadline, to the township's officers or the
platform admins.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Prefetch, Q
from django.utils import timezone

from marketplace.accounts.models import Role, RoleAssignment, User
from marketplace.divisions.models import Township
from marketplace.organisations.models import Shop, ShopStatus, ShopStatusEvent
from marketplace.supervision.deadlines import due_date_from
from marketplace.supervision.models import (
    CertificationClaim,
    ClaimStatus,
    ReminderKind,
)
from marketplace.supervision.reminders import reminder_record


class QueueKind:
    SHOP_APPLICATION = "SHOP_APPLICATION"
    CERTIFICATION_CLAIM = "CERTIFICATION_CLAIM"
    # A shop the township recommended, awaiting the platform's approval.
    SHOP_RECOMMENDATION = "SHOP_RECOMMENDATION"


@dataclass(frozen=True)
class QueueItem:
    kind: str
    key: str
    township_id: int
    title: str
    filed_at: datetime.datetime
    due_on: datetime.date
    # What the reviewer reads: the application's own words, or the claim's evidence files.
    evidence: list[str] = field(default_factory=list)
    shop: Shop | None = None
    claim: CertificationClaim | None = None

    def is_overdue(self, today: datetime.date) -> bool:
        return today > self.due_on


def approval_queue(*, township_ids: Iterable[int] | None) -> list[QueueItem]:
    """Pending items of these townships (None: all), by due date. Three queries."""
    shops = Shop.objects.filter(status=ShopStatus.APPLIED).select_related("village")
    claims = CertificationClaim.objects.filter(status=ClaimStatus.PENDING).select_related(
        "shop__village", "product"
    )
    if township_ids is not None:
        ids = list(township_ids)
        shops = shops.filter(village__township_id__in=ids)
        claims = claims.filter(shop__village__township_id__in=ids)
    shops = shops.prefetch_related(
        Prefetch("status_events", queryset=ShopStatusEvent.objects.order_by("created_at", "pk"))
    )
    items: list[QueueItem] = []
    for shop in shops:
        items.append(
            QueueItem(
                kind=QueueKind.SHOP_APPLICATION,
                key=f"shop:{shop.pk}",
                township_id=shop.village.township_id,
                title=f"{shop.name} ({shop.village.name})",
                filed_at=shop.applied_at,
                due_on=due_date_from(timezone.localdate(shop.applied_at)),
                evidence=[shop.description, *(e.reason for e in shop.status_events.all())],
                shop=shop,
            )
        )
    claims = claims.prefetch_related("evidence")
    for claim in claims:
        items.append(
            QueueItem(
                kind=QueueKind.CERTIFICATION_CLAIM,
                key=f"claim:{claim.pk}",
                township_id=claim.shop.village.township_id,
                title=f"{claim.get_kind_display()} {claim.number}: {claim.product.name}",
                filed_at=claim.filed_at,
                due_on=claim.due_on,
                evidence=[e.file.name for e in claim.evidence.all()],
                claim=claim,
            )
        )
    items.sort(key=lambda item: (item.due_on, item.filed_at, item.key))
    return items


def platform_approval_queue() -> list[QueueItem]:
    """Shops the townships recommended, awaiting a platform admin, by due date: the
    platform's deadline runs from the recommendation, as the township's runs from the
    application. Two queries."""
    shops = (
        Shop.objects.filter(status=ShopStatus.RECOMMENDED)
        .select_related("village__township")
        .prefetch_related(
            Prefetch("status_events", queryset=ShopStatusEvent.objects.order_by("created_at", "pk"))
        )
    )
    items: list[QueueItem] = []
    for shop in shops:
        events = list(shop.status_events.all())
        recommended = [e for e in events if e.to_status == ShopStatus.RECOMMENDED]
        # A shop marked RECOMMENDED with no event (rows loaded by hand) waits from applying.
        since = recommended[-1].created_at if recommended else shop.applied_at
        items.append(
            QueueItem(
                kind=QueueKind.SHOP_RECOMMENDATION,
                key=f"platform-shop:{shop.pk}",
                township_id=shop.village.township_id,
                title=f"{shop.name} ({shop.village.township.name} {shop.village.name})",
                filed_at=since,
                due_on=due_date_from(timezone.localdate(since)),
                evidence=[shop.description, *(e.reason for e in events)],
                shop=shop,
            )
        )
    items.sort(key=lambda item: (item.due_on, item.filed_at, item.key))
    return items


def _officers_by_township(township_ids: set[int]) -> dict[int, list[User]]:
    officers: dict[int, list[User]] = {}
    for assignment in RoleAssignment.objects.filter(
        role=Role.TOWNSHIP_OFFICER, township_id__in=township_ids, user__is_active=True
    ).select_related("user"):
        officers.setdefault(assignment.township_id, []).append(assignment.user)  # type: ignore[arg-type]
    return officers


def _platform_admins() -> list[User]:
    return list(
        User.objects.filter(
            Q(is_superuser=True) | Q(role_assignments__role=Role.PLATFORM_ADMIN), is_active=True
        )
        .distinct()
        .order_by("pk")
    )


def _remind(*, item: QueueItem, today: datetime.date, recipients: list[User], place: str) -> int:
    """Record the reminder `item` is owed today, if any, for each of `recipients`."""
    soon = datetime.timedelta(days=settings.SUPERVISION_REMIND_DAYS_BEFORE)
    if today >= item.due_on:
        kind, when = ReminderKind.QUEUE_DUE_TODAY, "is due today"
        if today > item.due_on:
            when = f"was due on {item.due_on:%Y-%m-%d}"
    elif today >= item.due_on - soon:
        kind, when = ReminderKind.QUEUE_DUE_SOON, f"is due on {item.due_on:%Y-%m-%d}"
    else:
        return 0
    recorded = 0
    for recipient in recipients:
        reminder = reminder_record(
            kind=kind,
            business_key=item.key,
            recipient=recipient,
            subject=f"[{place}] 待审批事项 {when}: {item.title}",
            body=f"{item.title} {when}. Decide it in the approval queue of {place}.",
            reason=f"approval queue deadline {item.due_on:%Y-%m-%d}",
            due_at=timezone.make_aware(datetime.datetime.combine(item.due_on, datetime.time(9))),
        )
        recorded += reminder is not None
    return recorded


def queue_remind(*, today: datetime.date | None = None) -> int:
    """Remind each township's officers of its items, and the platform admins of the
    platform's, due within SUPERVISION_REMIND_DAYS_BEFORE days, and again on (or after)
    the due date. Once per item, kind and recipient."""
    today = today or timezone.localdate()
    items = approval_queue(township_ids=None)
    officers = _officers_by_township({item.township_id for item in items})
    townships = Township.objects.in_bulk({item.township_id for item in items})
    recorded = 0
    for item in items:
        recorded += _remind(
            item=item,
            today=today,
            recipients=officers.get(item.township_id, []),
            place=townships[item.township_id].name,
        )
    platform_items = platform_approval_queue()
    admins = _platform_admins() if platform_items else []
    for item in platform_items:
        recorded += _remind(item=item, today=today, recipients=admins, place="平台 platform")
    return recorded
