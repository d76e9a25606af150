"""Writes for parcels at the station: log one in (and text the recipient a pickup code),
hand it over against the code, unlock it, send it back when uncollected, and log a
parcel a villager sends out.

Every write locks the row it changes (the station row for a log-in, so two operators
logging in at once cannot both take the last shelf space) and checks the caller works at
that station (`pickup.check_works_at`).
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from logistics.carriers.kuaidi100 import CARRIERS
from logistics.error_codes_tracking import TrackingErrorCode
from logistics.parcels.models import (
    MOBILE_REGEX,
    WAYBILL_REGEX,
    ParcelDispatch,
    StationParcel,
    StationParcelStatus,
)
from logistics.stations import pickup
from logistics.stations.models import VillageStation
from marketplace.accounts.models import User
from marketplace.core.errors import refuse
from marketplace.notifications.addresses import mainland_mobile
from marketplace.notifications.models import Channel
from marketplace.notifications.services import notification_send


def _carrier(carrier: str) -> str:
    code = (carrier or "").strip().lower()
    if code not in CARRIERS:
        raise refuse(
            "carrier",
            f"Unknown carrier {carrier!r}; one of {', '.join(sorted(CARRIERS))}.",
            TrackingErrorCode.UNKNOWN_CARRIER,
        )
    return code


def _waybill(waybill: str) -> str:
    number = re.sub(r"\s", "", waybill or "").upper()
    if not re.fullmatch(WAYBILL_REGEX, number):
        raise refuse(
            "waybill",
            "A waybill number is 8 to 24 letters or digits.",
            TrackingErrorCode.INVALID_WAYBILL,
        )
    return number


def _mobile(phone: str, *, field: str) -> str:
    number = mainland_mobile(phone)
    if number is None or not re.fullmatch(MOBILE_REGEX, number):
        raise refuse(
            field,
            f"{phone!r} is not a mainland mobile number (11 digits starting with 1).",
            TrackingErrorCode.INVALID_PHONE,
        )
    return number


def _notify_code(parcel: StationParcel, code: str) -> None:
    notification_send(
        event_key=f"station-parcel:{parcel.pk}:code:{parcel.pickup_code_hash[:16]}",
        template="pickup_code",
        context={
            "station": parcel.station.name,
            "carrier": CARRIERS.get(parcel.carrier, parcel.carrier),
            "waybill": parcel.waybill,
            "code": code,
        },
        phone=parcel.recipient_phone,
        channels=[Channel.SMS],
    )


def station_parcel_log_in(
    *,
    station: VillageStation,
    operator: User,
    carrier: str,
    waybill: str,
    recipient_phone: str,
    recipient_name: str = "",
    shelf_slot: str = "",
    now: datetime | None = None,
) -> StationParcel:
    """Put a carrier's parcel on the station's shelf and text its recipient the pickup
    code (SMS template pickup_code, urgent: it goes out even in quiet hours)."""
    pickup.check_works_at(user=operator, station=station)
    carrier_code = _carrier(carrier)
    number = _waybill(waybill)
    phone = _mobile(recipient_phone, field="recipient_phone")
    name, slot = (recipient_name or "").strip(), (shelf_slot or "").strip()
    if len(name) > 64 or len(slot) > 16:
        raise refuse(
            "recipient_name" if len(name) > 64 else "shelf_slot",
            "Too long.",
            TrackingErrorCode.INVALID,
        )
    now = now or timezone.now()
    code = pickup.new_pickup_code()
    with transaction.atomic():
        locked_station = VillageStation.objects.select_for_update().get(pk=station.pk)
        if not locked_station.is_active:
            raise refuse("station", "This station is closed.", TrackingErrorCode.INVALID)
        pickup.check_station_has_room(
            station=locked_station, what="hand it back to the courier for another day."
        )
        parcel = StationParcel(
            station=locked_station,
            carrier=carrier_code,
            waybill=number,
            recipient_phone=phone,
            recipient_name=name,
            shelf_slot=slot,
            arrived_at=now,
            logged_in_by=operator,
            # Replaced below once the row has its id, which the hash is keyed to.
            pickup_code_hash="pending",
        )
        try:
            with transaction.atomic():
                parcel.save(force_insert=True)
        except IntegrityError:
            raise refuse(
                "waybill",
                f"{CARRIERS[carrier_code]} {number} is already on the shelf.",
                TrackingErrorCode.DUPLICATE_WAYBILL,
            ) from None
        parcel.pickup_code_hash = pickup.pickup_hash(parcel.code_subject, code)
        parcel.save(update_fields=["pickup_code_hash"])
        _notify_code(parcel, code)
    return parcel


def station_parcel_hand_over(*, parcel: StationParcel, operator: User, code: str) -> StationParcel:
    """Give the parcel to its recipient against the pickup code. Wrong codes are counted
    (committed even though the call raises) and lock the parcel at the station's limit.
    Handing over a parcel already collected answers it unchanged when the code is right."""
    refusal: ValidationError | None = None
    with transaction.atomic():
        locked = (
            StationParcel.objects.select_for_update(of=("self",))
            .select_related("station")
            .get(pk=parcel.pk)
        )
        pickup.check_works_at(user=operator, station=locked.station)
        right = pickup.code_matches(
            stored_hash=locked.pickup_code_hash, subject=locked.code_subject, code=code
        )
        if locked.status == StationParcelStatus.COLLECTED_BY_BUYER:
            if right:
                return locked
            raise pickup.already_collected_refusal()
        if locked.status != StationParcelStatus.AT_STATION:
            raise refuse(
                "id",
                f"The parcel is {locked.get_status_display().lower()}, not on the shelf.",
                TrackingErrorCode.NOT_AT_STATION,
            )
        if locked.pickup_locked:
            raise pickup.locked_refusal()
        if right:
            locked.status = StationParcelStatus.COLLECTED_BY_BUYER
            locked.handed_over_at = timezone.now()
            locked.handed_over_by = operator
            locked.save(update_fields=["status", "handed_over_at", "handed_over_by", "updated_at"])
        else:
            wrong = pickup.count_wrong_code(failed_attempts=locked.pickup_failed_attempts)
            locked.pickup_failed_attempts, locked.pickup_locked = wrong.attempts, wrong.locked
            locked.save(update_fields=["pickup_failed_attempts", "pickup_locked", "updated_at"])
            refusal = wrong.refusal
    if refusal is not None:
        # Raised after the block so the counted attempt is committed.
        raise refusal
    return locked


@transaction.atomic
def station_parcel_unlock(*, parcel: StationParcel, operator: User) -> StationParcel:
    """After checking the recipient's ID the operator unlocks the parcel (the count restarts)."""
    locked = (
        StationParcel.objects.select_for_update(of=("self",))
        .select_related("station")
        .get(pk=parcel.pk)
    )
    pickup.check_works_at(user=operator, station=locked.station)
    locked.pickup_locked, locked.pickup_failed_attempts = False, 0
    locked.save(update_fields=["pickup_locked", "pickup_failed_attempts", "updated_at"])
    return locked


def station_parcels_remind_or_return(*, now: datetime) -> tuple[int, int]:
    """Periodic, on the station's schedule (`pickup.reminder_action`, the same as our
    shipments'): remind the recipient by SMS at most once a day, send the parcel back to
    its carrier when overdue (and tell the recipient). Returns (reminded, returned). Each
    parcel is re-checked under its lock, so overlapping runs do no harm."""
    remind_before, _ = pickup.reminder_window(now=now)
    waiting = StationParcel.objects.filter(
        status=StationParcelStatus.AT_STATION, arrived_at__lte=remind_before
    ).values_list("pk", flat=True)
    reminded = returned = 0
    for pk in list(waiting):
        with transaction.atomic():
            locked = (
                StationParcel.objects.select_for_update(of=("self",))
                .select_related("station")
                .get(pk=pk)
            )
            if locked.status != StationParcelStatus.AT_STATION:
                continue
            due = pickup.reminder_action(
                arrived_at=locked.arrived_at, last_reminded_at=locked.last_reminded_at, now=now
            )
            context = {"waybill": locked.waybill, "station": locked.station.name}
            if due == "return":
                locked.status = StationParcelStatus.RETURNED
                locked.returned_at = now
                locked.save(update_fields=["status", "returned_at", "updated_at"])
                notification_send(
                    event_key=f"station-parcel:{locked.pk}:returned",
                    template="parcel_returned",
                    context=context,
                    phone=locked.recipient_phone,
                    channels=[Channel.SMS],
                )
                returned += 1
            elif due == "remind":
                locked.reminders_sent += 1
                locked.last_reminded_at = now
                locked.save(update_fields=["reminders_sent", "last_reminded_at", "updated_at"])
                notification_send(
                    event_key=f"station-parcel:{locked.pk}:reminder:{locked.reminders_sent}",
                    template="pickup_reminder",
                    context={**context, "count": locked.reminders_sent},
                    phone=locked.recipient_phone,
                    channels=[Channel.SMS],
                )
                reminded += 1
    return reminded, returned


def station_parcel_dispatch(
    *,
    station: VillageStation,
    operator: User,
    request_id: UUID,
    carrier: str,
    waybill: str,
    sender_phone: str,
    weight_grams: int,
    fee: Decimal | str,
    destination: str = "",
) -> ParcelDispatch:
    """Log a parcel a villager sends out. Idempotent by `request_id`: the counter's retried
    submit answers the dispatch logged the first time (and a different dispatch under the
    same id is refused)."""
    pickup.check_works_at(user=operator, station=station)
    carrier_code = _carrier(carrier)
    number = _waybill(waybill)
    phone = _mobile(sender_phone, field="sender_phone")
    if not 1 <= weight_grams <= 70_000:
        raise refuse(
            "weight_grams",
            "A parcel weighs between 1 g and 70 kg.",
            TrackingErrorCode.INVALID_WEIGHT,
        )
    place = _destination(destination)
    try:
        amount = Decimal(str(fee))
    except InvalidOperation:
        amount = Decimal("-1")
    if (
        not amount.is_finite()
        or amount < 0
        or amount > Decimal("9999.99")
        or amount != amount.quantize(Decimal("0.01"))
    ):
        raise refuse(
            "fee",
            "A fee in yuan, 0.00 to 9999.99, at most 2 decimals.",
            TrackingErrorCode.INVALID_FEE,
        )
    existing = ParcelDispatch.objects.filter(request_id=request_id).first()
    if existing is not None:
        return _same_dispatch(existing, carrier_code, number, station)
    try:
        with transaction.atomic():
            return ParcelDispatch.objects.create(
                station=station,
                request_id=request_id,
                carrier=carrier_code,
                waybill=number,
                sender_phone=phone,
                weight_grams=weight_grams,
                destination=place,
                fee_amount=amount.quantize(Decimal("0.01")),
                created_by=operator,
            )
    except IntegrityError:
        raced = ParcelDispatch.objects.filter(request_id=request_id).first()
        if raced is not None:
            return _same_dispatch(raced, carrier_code, number, station)
        raise refuse(
            "waybill",
            f"{CARRIERS[carrier_code]} {number} was already dispatched.",
            TrackingErrorCode.DUPLICATE_WAYBILL,
        ) from None


def _destination(text: str) -> str:
    """The sender's words for where the parcel goes: one line of at most 128 characters
    (it is printed on the receipt, so no control characters)."""
    place = " ".join((text or "").split())
    if len(place) > 128 or any(ord(ch) < 32 for ch in text or ""):
        raise refuse(
            "destination",
            "寄往地址最多 128 个字、一行 / a destination of at most 128 characters, one line.",
            TrackingErrorCode.INVALID_DESTINATION,
        )
    return place


def _same_dispatch(
    dispatch: ParcelDispatch, carrier: str, waybill: str, station: VillageStation
) -> ParcelDispatch:
    if (dispatch.carrier, dispatch.waybill, dispatch.station_id) != (carrier, waybill, station.pk):
        raise refuse(
            "request_id",
            "This request id was used for another dispatch.",
            TrackingErrorCode.INVALID,
        )
    return dispatch
