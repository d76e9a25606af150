"""The station's rules for parcels waiting on its shelves, shared by our own shipments
(`logistics.shipments`) and the parcels logged in at the counter (`logistics.parcels`):
who works the counter, the pickup code (generation, keyed hash, wrong-attempt limit and
lockout), when to remind and when to send back, and how full the shelves are.

It reads both kinds of parcel through the station's reverse relations (`shipments`,
`logged_parcels`), so it imports neither package and both can import it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.utils.crypto import constant_time_compare, salted_hmac

from logistics.error_codes_tracking import TrackingErrorCode
from logistics.shipment_status import TERMINAL_STATUSES, ShipmentStatus
from logistics.stations.models import VillageStation
from marketplace.accounts.permissions import role_scopes
from marketplace.core.errors import refuse

if TYPE_CHECKING:
    from marketplace.accounts.models import User

# The status of a parcel waiting on the shelf, for both kinds.
ON_SHELF = ShipmentStatus.AT_STATION


# --- who works the counter ----------------------------------------------------------------


def works_at(*, user: User | None, station: VillageStation) -> bool:
    """The station's own operator, or an operator of the Red Supermarket hosting it."""
    if user is None or not user.is_active or not user.is_authenticated:
        return False
    if station.operator_id == user.pk:
        return True
    try:
        hosting = station.red_supermarket  # type: ignore[attr-defined]
    except ObjectDoesNotExist:
        return False
    return bool(hosting.is_active and hosting.shop_id in role_scopes(user).operated_shop_ids)


def check_works_at(*, user: User | None, station: VillageStation) -> None:
    if not works_at(user=user, station=station):
        raise refuse(
            "operator",
            f"Only the operator of {station.name} (or of the Red Supermarket hosting it) may "
            "do this.",
            TrackingErrorCode.NOT_A_STATION_OPERATOR,
        )


# --- the pickup code ----------------------------------------------------------------------


def new_pickup_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def pickup_hash(subject: str, code: str) -> str:
    """Keyed by SECRET_KEY and the parcel (`subject`: a shipment's id, "parcel-<id>" for a
    logged-in parcel): a leaked table gives no codes away, and a code is only ever good for
    its own parcel."""
    return salted_hmac("logistics.pickup-code", f"{subject}:{code}", algorithm="sha256").hexdigest()


def code_matches(*, stored_hash: str, subject: str, code: str | None) -> bool:
    return bool(stored_hash) and constant_time_compare(
        stored_hash, pickup_hash(subject, (code or "").strip())
    )


@dataclass(frozen=True)
class WrongCode:
    attempts: int
    locked: bool
    refusal: ValidationError


def count_wrong_code(*, failed_attempts: int) -> WrongCode:
    """One more wrong code: the new count, whether the parcel now locks (at
    PICKUP_CODE_MAX_ATTEMPTS) and the refusal to raise once the count is saved."""
    attempts = failed_attempts + 1
    locked = attempts >= settings.PICKUP_CODE_MAX_ATTEMPTS
    left = settings.PICKUP_CODE_MAX_ATTEMPTS - attempts
    refusal = refuse(
        "code",
        "Wrong pickup code; the parcel is now locked."
        if locked
        else f"Wrong pickup code; {left} tries left.",
        TrackingErrorCode.PICKUP_LOCKED if locked else TrackingErrorCode.INVALID_PICKUP_CODE,
    )
    return WrongCode(attempts=attempts, locked=locked, refusal=refusal)


def locked_refusal() -> ValidationError:
    return refuse(
        "code",
        "Too many wrong codes: check the recipient's ID and unlock the parcel.",
        TrackingErrorCode.PICKUP_LOCKED,
    )


def already_collected_refusal() -> ValidationError:
    return refuse("code", "This parcel was already collected.", TrackingErrorCode.ALREADY_COLLECTED)


# --- reminders and returns ----------------------------------------------------------------


def reminder_window(*, now: datetime) -> tuple[datetime, datetime]:
    """(arrived before this: due a reminder, arrived before this: due to go back)."""
    return (
        now - timedelta(days=settings.PICKUP_REMINDER_AFTER_DAYS),
        now - timedelta(days=settings.PICKUP_RETURN_AFTER_DAYS),
    )


def reminder_action(
    *, arrived_at: datetime, last_reminded_at: datetime | None, now: datetime
) -> Literal["return", "remind"] | None:
    """What a parcel waiting since `arrived_at` is due now: at most one reminder a day once
    PICKUP_REMINDER_AFTER_DAYS have passed, back to the sender after
    PICKUP_RETURN_AFTER_DAYS."""
    remind_before, return_before = reminder_window(now=now)
    if arrived_at <= return_before:
        return "return"
    if arrived_at <= remind_before and (
        last_reminded_at is None or last_reminded_at <= now - timedelta(days=1)
    ):
        return "remind"
    return None


# --- capacity -----------------------------------------------------------------------------


def station_load(*, station: VillageStation) -> int:
    """Parcels the shelves must hold: our shipments waiting there or on their way (not yet
    ended), and parcels logged in at the counter and not yet collected or sent back."""
    shipments = station.shipments.exclude(status__in=TERMINAL_STATUSES).count()  # type: ignore[attr-defined]
    logged = station.logged_parcels.filter(status=ON_SHELF).count()  # type: ignore[attr-defined]
    return int(shipments) + int(logged)


def check_station_has_room(*, station: VillageStation, what: str) -> None:
    if station_load(station=station) >= station.capacity:
        raise refuse(
            "station",
            f"{station.name} already holds or expects {station.capacity} parcels, its "
            f"capacity; {what}",
            TrackingErrorCode.STATION_FULL,
        )
