"""The supervision cadence (督导节奏): early-month reminder, mid-month progress check,
end-of-month chase and the quarterly bulletin, each sent to the administrators of the
villages whose shops or stations are behind:

- stale prices: no variant of the shop changed in SUPERVISION_TIMELY_DAYS days;
- unanswered orders: unfulfilled shop orders with no parcel, older than
  SUPERVISION_UNANSWERED_ORDER_HOURS hours;
- no login: the administrator has not logged in for SUPERVISION_NO_LOGIN_DAYS days;

and for the village's station (and the Red Supermarket hosting it):

- parcels overdue: parcels still on the shelf past their return date (PICKUP_RETURN_AFTER_DAYS
  after arriving), logged-in ones and our own shipments alike;
- station unattended: its operator has not logged in for SUPERVISION_NO_LOGIN_DAYS days.

The station's operator and the village's Red Supermarket operators are among the
administrators reminded, with the shop managers and the rostered administrators.

Recorded once per (kind, period, recipient), so the beat entry may fire more than once.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.conf import settings
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.utils import timezone

from logistics.shipment_status import ShipmentStatus
from logistics.stations.models import VillageStation
from marketplace.accounts.models import Role, RoleAssignment, User
from marketplace.activity.models import AdministratorActivityDay
from marketplace.orders.models import OrderStatus
from marketplace.organisations.models import Shop, ShopStatus
from marketplace.supervision.models import AdministratorAppointment, PeriodKind, ReminderKind
from marketplace.supervision.periods import last_completed, period_containing
from marketplace.supervision.reminders import reminder_record

_HEADINGS = {
    ReminderKind.EARLY_MONTH: "月初提醒 Early-month reminder",
    ReminderKind.MID_MONTH: "月中督导 Mid-month progress check",
    ReminderKind.MONTH_END: "月末催办 End-of-month chase",
    ReminderKind.QUARTERLY_BULLETIN: "季度通报 Quarterly bulletin",
}

# Which cadence a day of the month triggers (the beat entry runs on these days).
CADENCE_DAYS = {1: ReminderKind.EARLY_MONTH, 15: ReminderKind.MID_MONTH, 28: ReminderKind.MONTH_END}


def villages_behind(*, now: datetime.datetime | None = None) -> dict[int, list[str]]:
    """Reasons each village's shop or station is behind, keyed by village id (two
    queries, whatever the number of villages)."""
    now = now or timezone.now()
    stale_before = now - datetime.timedelta(days=settings.SUPERVISION_TIMELY_DAYS)
    unanswered_before = now - datetime.timedelta(hours=settings.SUPERVISION_UNANSWERED_ORDER_HOURS)
    shops = Shop.objects.filter(status=ShopStatus.APPROVED).annotate(
        last_change=Max("products__variants__updated_at"),
        unanswered=Count(
            "shop_orders",
            filter=Q(
                shop_orders__status=OrderStatus.UNFULFILLED,
                shop_orders__created_at__lt=unanswered_before,
                shop_orders__shipments__isnull=True,
            ),
            distinct=True,
        ),
    )
    reasons: dict[int, list[str]] = defaultdict(list)
    for shop in shops.values("village_id", "last_change", "unanswered"):
        if shop["last_change"] is None or shop["last_change"] < stale_before:
            reasons[shop["village_id"]].append(
                f"prices or stock not updated for {settings.SUPERVISION_TIMELY_DAYS} days"
            )
        if shop["unanswered"]:
            reasons[shop["village_id"]].append(
                f"{shop['unanswered']} order(s) unanswered for over "
                f"{settings.SUPERVISION_UNANSWERED_ORDER_HOURS} hours"
            )
    for village_id, station_reasons in stations_behind(now=now).items():
        reasons[village_id].extend(station_reasons)
    return reasons


def stations_behind(*, now: datetime.datetime) -> dict[int, list[str]]:
    """Reasons each village's active station is behind, keyed by village id (one query)."""
    return_before = now - datetime.timedelta(days=settings.PICKUP_RETURN_AFTER_DAYS)
    absent_since = timezone.localdate(now) - datetime.timedelta(
        days=settings.SUPERVISION_NO_LOGIN_DAYS
    )
    last_login = (
        AdministratorActivityDay.objects.filter(user_id=OuterRef("operator_id"), logins__gt=0)
        .order_by("-day")
        .values("day")[:1]
    )
    stations = VillageStation.objects.filter(is_active=True).annotate(
        overdue_parcels=Count(
            "logged_parcels",
            filter=Q(
                logged_parcels__status=ShipmentStatus.AT_STATION,
                logged_parcels__arrived_at__lte=return_before,
            ),
            distinct=True,
        ),
        overdue_shipments=Count(
            "shipments",
            filter=Q(
                shipments__status=ShipmentStatus.AT_STATION,
                shipments__arrived_at_station_at__lte=return_before,
            ),
            distinct=True,
        ),
        operator_last_login=Subquery(last_login),
    )
    reasons: dict[int, list[str]] = defaultdict(list)
    for station in stations.values(
        "village_id", "operator_id", "overdue_parcels", "overdue_shipments", "operator_last_login"
    ):
        overdue = station["overdue_parcels"] + station["overdue_shipments"]
        if overdue:
            reasons[station["village_id"]].append(
                f"{overdue} parcel(s) at the station past their return date "
                f"({settings.PICKUP_RETURN_AFTER_DAYS} days)"
            )
        last = station["operator_last_login"]
        if station["operator_id"] is not None and (last is None or last < absent_since):
            reasons[station["village_id"]].append(
                f"station operator has not logged in for {settings.SUPERVISION_NO_LOGIN_DAYS} days"
            )
    return reasons


def _administrators() -> dict[int, dict[int, User]]:
    people: dict[int, dict[int, User]] = defaultdict(dict)
    for assignment in RoleAssignment.objects.filter(
        role=Role.SHOP_MANAGER, user__is_active=True, shop__status=ShopStatus.APPROVED
    ).select_related("user", "shop"):
        people[assignment.shop.village_id][assignment.user_id] = assignment.user  # type: ignore[union-attr]
    for term in AdministratorAppointment.objects.filter(
        effective_until__isnull=True, administrator__is_active=True
    ).select_related("administrator"):
        people[term.village_id][term.administrator_id] = term.administrator
    for assignment in RoleAssignment.objects.filter(
        role=Role.SUPERMARKET_OPERATOR, user__is_active=True, shop__status=ShopStatus.APPROVED
    ).select_related("user", "shop"):
        people[assignment.shop.village_id][assignment.user_id] = assignment.user  # type: ignore[union-attr]
    for station in VillageStation.objects.filter(
        is_active=True, operator__isnull=False, operator__is_active=True
    ).select_related("operator"):
        people[station.village_id][station.operator_id] = station.operator  # type: ignore[index,assignment]
    return people


def cadence_send(*, kind: str, today: datetime.date | None = None) -> int:
    """Record (and send after commit) this cadence's reminders; returns how many are new."""
    today = today or timezone.localdate()
    now = timezone.now()
    # The bulletin reports on the quarter just ended; the monthly ones on the month running.
    if kind == ReminderKind.QUARTERLY_BULLETIN:
        period = last_completed(PeriodKind.QUARTER, today)
    else:
        period = period_containing(PeriodKind.MONTH, today)
    behind = villages_behind(now=now)
    people = _administrators()
    absent_since = today - datetime.timedelta(days=settings.SUPERVISION_NO_LOGIN_DAYS)
    all_ids = {pk for users in people.values() for pk in users}
    last_login = dict(
        AdministratorActivityDay.objects.filter(user_id__in=all_ids, logins__gt=0)
        .values("user_id")
        .annotate(last=Max("day"))
        .values_list("user_id", "last")
    )
    recorded = 0
    for village_id, users in people.items():
        for user_id, user in users.items():
            reasons = list(behind.get(village_id, []))
            last = last_login.get(user_id)
            if last is None or last < absent_since:
                reasons.append(f"no login for {settings.SUPERVISION_NO_LOGIN_DAYS} days")
            if not reasons:
                continue
            heading = _HEADINGS[ReminderKind(kind)]
            reminder = reminder_record(
                kind=kind,
                business_key=period.label,
                recipient=user,
                subject=f"{heading} {period.label}",
                body="Please catch up:\n- " + "\n- ".join(reasons),
                reason="; ".join(reasons),
            )
            recorded += reminder is not None
    return recorded
