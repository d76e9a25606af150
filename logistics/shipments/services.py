"""Writes for shipments: ship a shop order, apply a carrier's track or push, move a parcel
on, hand it over at the station against its pickup code, remind and return.

Every path that moves a parcel locks the shipment row first (`select_for_update`), so two
concurrent pushes or hand-overs run one after the other and the second finds the work done;
the carrier's push moves it with a conditional UPDATE instead (the same lock, taken by the
UPDATE itself, and a row another path moved on first matches nothing).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from logistics.carriers.base import CarrierAdapter, CarrierError, Party, Track, TrackPoint
from logistics.carriers.kuaidi100 import push_sign, signs_match, track_from_result
from logistics.error_codes_tracking import TrackingErrorCode
from logistics.shipment_status import STATUS_RANK, ShipmentStatus
from logistics.shipments.models import Shipment, ShipmentEvent, ShipmentEventSource, ShipmentKind
from logistics.shipments.tasks import notify_buyer, subscribe_tracking
from logistics.stations import pickup
from logistics.stations.models import VillageStation
from logistics.stations.services import check_operates
from marketplace.accounts.models import User
from marketplace.accounts.permissions import can_manage_shop
from marketplace.core.errors import PermissionRefused, refuse
from marketplace.orders.lifecycle import shop_order_fulfil
from marketplace.orders.models import OrderStatus, ShopOrder

# Statuses the buyer hears about.
NOTIFIED_STATUSES = frozenset(
    {
        ShipmentStatus.COLLECTED,
        ShipmentStatus.AT_STATION,
        ShipmentStatus.OUT_FOR_DELIVERY,
        ShipmentStatus.DELIVERED,
        ShipmentStatus.COLLECTED_BY_BUYER,
        ShipmentStatus.LOST,
        ShipmentStatus.DAMAGED,
        ShipmentStatus.RETURNED,
    }
)


def event_key(point: TrackPoint) -> str:
    """A carrier event's identity: its time and text (Kuaidi100 gives events no id)."""
    raw = f"{point.time.isoformat()}|{point.carrier_state}|{point.description}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _notify_after_commit(shipment_id: int, kind: str, code: str = "") -> None:
    transaction.on_commit(lambda: notify_buyer.delay(shipment_id, kind, code))


# --- shipping -----------------------------------------------------------------------------


def _recipient(shop_order: ShopOrder) -> Party:
    address: dict[str, Any] = shop_order.order.shipping_address or {}
    name = f"{address.get('last_name', '')}{address.get('first_name', '')}".strip()
    parts = [address.get(k, "") for k in ("country_area", "city", "city_area")]
    parts += [address.get("street_address_1", ""), address.get("street_address_2", "")]
    return Party(
        name=name or shop_order.order.user_email or "buyer",
        mobile=str(address.get("phone", "")),
        address="".join(str(p) for p in parts if p),
    )


def shop_order_ship(
    *,
    shop_order: ShopOrder,
    actor: User,
    carrier: str,
    adapter: CarrierAdapter,
    weight_grams: int,
    station: VillageStation | None = None,
) -> Shipment:
    """Fulfil the shop order into one more parcel: a waybill from the carrier, then (in one
    transaction) the order's fulfilment and the shipment row; the tracking subscription is
    asked for after commit. `station` is where the buyer collects it, if they do."""
    if not can_manage_shop(user=actor, shop=shop_order.shop):
        raise PermissionRefused(f"Only the managers of {shop_order.shop} may ship its orders.")
    if not 1 <= weight_grams <= 70_000:
        raise refuse(
            "weight_grams",
            "A parcel weighs between 1 g and 70 kg.",
            TrackingErrorCode.INVALID_WEIGHT,
        )
    if shop_order.status not in (OrderStatus.UNFULFILLED, OrderStatus.FULFILLED):
        # Refused before the carrier is asked, so no unused waybill is left behind.
        raise refuse(
            "shop_order",
            f"A shop order that is {shop_order.get_status_display().lower()} is not shipped.",
            TrackingErrorCode.INVALID,
        )
    if station is not None:
        # Its shelves must hold every parcel on its way there as well as those waiting,
        # including those logged in at the counter.
        pickup.check_station_has_room(
            station=station, what="send this one to the buyer's address or another station."
        )
    village = shop_order.shop.village
    sender = Party(name=shop_order.shop.name, mobile="", address=str(village))
    try:
        waybill = adapter.create_waybill(
            carrier=carrier,
            sender=sender,
            recipient=_recipient(shop_order),
            weight_grams=weight_grams,
            cargo=shop_order.shop.name,
        )
    except CarrierError as exc:
        code = (
            TrackingErrorCode.UNKNOWN_CARRIER
            if exc.code == "unknown_carrier"
            else TrackingErrorCode.CARRIER_ERROR
        )
        raise refuse("carrier", exc.message, code) from exc
    with transaction.atomic():
        shop_order_fulfil(
            shop_order=shop_order, actor=actor, tracking_number=waybill.tracking_number
        )
        shipment = Shipment.objects.create(
            kind=ShipmentKind.PARCEL,
            shop_order=shop_order,
            carrier=waybill.carrier,
            tracking_number=waybill.tracking_number,
            station=station,
        )
        subscribe_after_commit(shipment.pk)
    return shipment


def subscribe_after_commit(shipment_id: int) -> None:
    transaction.on_commit(lambda: subscribe_tracking.delay(shipment_id))


def shipment_subscribe(*, shipment_id: int, adapter: CarrierAdapter) -> bool:
    """Ask the carrier to push this waybill's events; once is enough (a repeat is a no-op)."""
    shipment = Shipment.objects.filter(pk=shipment_id).first()
    if shipment is None or shipment.subscribed_at is not None:
        return False
    adapter.subscribe(carrier=shipment.carrier, tracking_number=shipment.tracking_number)
    Shipment.objects.filter(pk=shipment_id, subscribed_at__isnull=True).update(
        subscribed_at=timezone.now()
    )
    return True


# --- moving a parcel on -------------------------------------------------------------------


@dataclass(frozen=True)
class TrackOutcome:
    shipment: Shipment
    events_added: int
    moved_to: str  # "" when the status stayed
    stale: bool  # the track's newest status was behind the shipment's: nothing moved


def _move_fields(shipment: Shipment, status: str, *, at: datetime) -> tuple[dict[str, Any], str]:
    """The columns a move to `status` writes, and the pickup code to send when arriving at
    a station issues one."""
    fields: dict[str, Any] = {"status": status}
    code = ""
    if status == ShipmentStatus.AT_STATION and shipment.station_id is not None:
        code = pickup.new_pickup_code()
        fields["pickup_code_hash"] = pickup.pickup_hash(str(shipment.pk), code)
        fields["arrived_at_station_at"] = at
        fields["pickup_failed_attempts"] = 0
    return fields, code


def _after_move(shipment: Shipment, status: str, code: str) -> None:
    if status in NOTIFIED_STATUSES and shipment.kind == ShipmentKind.PARCEL:
        _notify_after_commit(shipment.pk, status, code)


def _move(shipment: Shipment, status: str, *, at: datetime) -> str:
    """Set a forward status on a locked shipment and do what arriving there means. Returns
    a pickup code to send when one was issued."""
    fields, code = _move_fields(shipment, status, at=at)
    for name, value in fields.items():
        setattr(shipment, name, value)
    shipment.save(update_fields=[*fields, "updated_at"])
    _after_move(shipment, status, code)
    return code


def _move_if_behind(shipment: Shipment, status: str, *, at: datetime) -> bool:
    """Move to `status` only if the row is still at a lower rank, in one conditional UPDATE
    (which takes the row lock itself): a hand-over or a newer push that got there first
    makes it match nothing. Returns whether it moved."""
    behind = [s for s, rank in STATUS_RANK.items() if rank < STATUS_RANK[status]]
    fields, code = _move_fields(shipment, status, at=at)
    moved = Shipment.objects.filter(pk=shipment.pk, status__in=behind).update(
        **fields, updated_at=timezone.now()
    )
    if not moved:
        return False
    for name, value in fields.items():
        setattr(shipment, name, value)
    _after_move(shipment, status, code)
    return True


def _insert_new_events(
    shipment: Shipment, points: list[TrackPoint], keys: list[str], *, source: str
) -> int:
    """Insert the events whose key is new for this shipment; returns how many were new.

    One `INSERT ... ON CONFLICT DO NOTHING RETURNING` instead of a lookup and a
    `bulk_create`: the callback is hot (its benchmark target is 10 ms) and every statement
    costs a round trip. The unique (shipment, key) index decides, so a key repeated inside
    one push is stored once too. Rows keep the points' order, so same-second events stay
    in the order they happened."""
    if not points:
        return 0
    table = connection.ops.quote_name(ShipmentEvent._meta.db_table)
    now = timezone.now()
    row = "(%s, %s, %s, %s, %s, %s, %s, %s, %s)"
    params: list[Any] = []
    for key, point in zip(keys, points, strict=True):
        params += [
            shipment.pk,
            key,
            point.time,
            source,
            point.status,
            point.carrier_state,
            point.description,
            point.location,
            now,
        ]
    sql = (
        f"INSERT INTO {table} (shipment_id, key, occurred_at, source, status, carrier_state, "
        f"description, location, created_at) VALUES {', '.join([row] * len(points))} "
        "ON CONFLICT (shipment_id, key) DO NOTHING RETURNING 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return len(cursor.fetchall())


def _apply_points(
    shipment: Shipment, points: list[TrackPoint], *, source: str, keys: list[str] | None = None
) -> TrackOutcome:
    """Record the events not seen before and move to the newest mapped status if it is
    ahead. The caller holds the shipment's row lock."""
    keys = keys or [event_key(p) for p in points]
    added = _insert_new_events(shipment, points, keys, source=source)
    mapped = [p for p in points if p.status]
    # Points come oldest first; the last mapped one is the newest status.
    newest = mapped[-1].status if mapped else ""
    moved_to, stale = "", False
    if newest and newest != shipment.status:
        if STATUS_RANK[newest] > STATUS_RANK[shipment.status]:
            _move(shipment, newest, at=mapped[-1].time)
            moved_to = newest
        else:
            stale = True
    return TrackOutcome(shipment=shipment, events_added=added, moved_to=moved_to, stale=stale)


@transaction.atomic
def shipment_advance(
    *,
    shipment: Shipment,
    status: str,
    description: str,
    key: str,
    source: str = ShipmentEventSource.SYSTEM,
    at: datetime | None = None,
) -> Shipment:
    """Move a parcel to `status` with one event (`key` makes a repeat add nothing).
    Moving to where it already is changes nothing; a lower or sibling status is refused."""
    locked = Shipment.objects.select_for_update().get(pk=shipment.pk)
    if locked.status != status and STATUS_RANK[status] <= locked.rank:
        raise refuse(
            "status",
            f"Shipment {locked} is {locked.get_status_display().lower()}; it cannot move "
            f"to {ShipmentStatus(status).label.lower()}.",
            TrackingErrorCode.BACKWARDS_TRANSITION,
        )
    point = TrackPoint(
        time=at or timezone.now(), description=description, carrier_state="", status=status
    )
    _apply_points(locked, [point], source=source, keys=[key])
    return locked


# --- the carrier's push -------------------------------------------------------------------


class TrackingPushRefused(Exception):
    """A push we do not accept; `http_status` and `code` go into the answer."""

    def __init__(self, code: TrackingErrorCode, message: str, http_status: int) -> None:
        super().__init__(message)
        self.code, self.message, self.http_status = code, message, http_status


def tracking_push_apply(*, param: str, sign: str) -> TrackOutcome:
    """Verify and apply one Kuaidi100 push (form fields `param` and `sign`)."""
    if not param or not sign:
        raise TrackingPushRefused(
            TrackingErrorCode.MALFORMED_PUSH, "param and sign are required.", 400
        )
    if not signs_match(sign, push_sign(param, settings.KUAIDI100_CALLBACK_SALT)):
        raise TrackingPushRefused(TrackingErrorCode.INVALID_SIGNATURE, "Bad signature.", 403)
    try:
        body = json.loads(param)
        track = track_from_result(body["lastResult"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise TrackingPushRefused(
            TrackingErrorCode.MALFORMED_PUSH, "param is not a Kuaidi100 push.", 400
        ) from exc
    found = _record_push(track)
    if found is None:
        raise TrackingPushRefused(
            TrackingErrorCode.UNKNOWN_WAYBILL,
            f"No shipment {track.carrier} {track.tracking_number}.",
            404,
        )
    shipment, added = found
    mapped = [p for p in track.points if p.status]
    newest = mapped[-1].status if mapped else ""
    moved_to, stale = "", False
    if newest and newest != shipment.status:
        if STATUS_RANK[newest] > shipment.rank and _move_if_behind(
            shipment, newest, at=mapped[-1].time
        ):
            moved_to = newest
        else:
            stale = True
    return TrackOutcome(shipment=shipment, events_added=added, moved_to=moved_to, stale=stale)


# One row of a push's events: ordinal, key, time, status, carrier state, text, place.
_PUSH_ROW = "(%s, %s, %s::timestamptz, %s, %s, %s, %s)"


def _record_push(track: Track) -> tuple[Shipment, int] | None:
    """Find the waybill and store the track's events it has not seen, in one statement;
    None when there is no such waybill (and nothing is written).

    Pushes are the hot path (benchmark target 10 ms on two cores) and most move nothing: a
    track one event longer than the last. So the lookup and the `INSERT ... ON CONFLICT DO
    NOTHING` on the (shipment, key) index share one round trip and, outside a caller's
    transaction, are their own transaction: no BEGIN and COMMIT around them. Events are
    history whatever the status does; moving the status is a separate conditional UPDATE
    (`_move_if_behind`), so the forward-only rule never depends on this statement."""
    shipment_table = connection.ops.quote_name(Shipment._meta.db_table)
    event_table = connection.ops.quote_name(ShipmentEvent._meta.db_table)
    params: list[Any] = [track.carrier, track.tracking_number]
    target = (
        f"WITH target AS (SELECT id, kind, status, station_id FROM {shipment_table} "
        "WHERE carrier = %s AND tracking_number = %s)"
    )
    if track.points:
        params += [ShipmentEventSource.CARRIER, timezone.now()]
        for order, point in enumerate(track.points):
            params += [
                order,
                event_key(point),
                point.time,
                point.status,
                point.carrier_state,
                point.description,
                point.location,
            ]
        # ORDER BY keeps the points' order in the ids, so same-second events stay in the
        # order they happened.
        sql = (
            f"{target}, added AS (INSERT INTO {event_table} (shipment_id, key, occurred_at, "
            "source, status, carrier_state, description, location, created_at) "
            "SELECT target.id, v.key, v.occurred_at, %s, v.status, v.carrier_state, "
            "v.description, v.location, %s FROM target CROSS JOIN (VALUES "
            f"{', '.join([_PUSH_ROW] * len(track.points))}) AS v(ord, key, occurred_at, "
            "status, carrier_state, description, location) ORDER BY v.ord "
            "ON CONFLICT (shipment_id, key) DO NOTHING RETURNING 1) "
            "SELECT id, kind, status, station_id, (SELECT count(*) FROM added) FROM target"
        )
    else:
        sql = f"{target} SELECT id, kind, status, station_id, 0 FROM target"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    # from_db takes the values in the model's field order: id, kind, status, station.
    shipment = Shipment.from_db(connection.alias, ["id", "kind", "status", "station_id"], row[:4])
    return shipment, int(row[4])


def shipment_refresh(*, shipment: Shipment, adapter: CarrierAdapter) -> TrackOutcome:
    """Pull the track by query (when pushes are late) and apply it like a push."""
    track = adapter.query(carrier=shipment.carrier, tracking_number=shipment.tracking_number)
    with transaction.atomic():
        locked = Shipment.objects.select_for_update().get(pk=shipment.pk)
        return _apply_points(locked, track.points, source=ShipmentEventSource.CARRIER)


# --- pickup at the station ----------------------------------------------------------------


def shipment_hand_over(*, shipment: Shipment, operator: User, code: str) -> Shipment:
    """The station operator gives the parcel to the buyer against its 6-digit code.

    The code rules are the station's (`logistics.stations.pickup`): a wrong code is refused
    and counted (the count is committed even though the call raises);
    PICKUP_CODE_MAX_ATTEMPTS wrong tries lock the parcel. Handing over a parcel
    already collected returns it unchanged when the code is right."""
    refusal: ValidationError | None = None
    with transaction.atomic():
        locked = (
            Shipment.objects.select_for_update(of=("self",))
            .select_related("station")
            .get(pk=shipment.pk)
        )
        if locked.station is None:
            raise refuse(
                "shipment",
                "This parcel is not collected at a station.",
                TrackingErrorCode.NOT_AT_STATION,
            )
        check_operates(user=operator, station=locked.station)
        right = pickup.code_matches(
            stored_hash=locked.pickup_code_hash, subject=str(locked.pk), code=code
        )
        if locked.status == ShipmentStatus.COLLECTED_BY_BUYER:
            if right:
                return locked
            raise pickup.already_collected_refusal()
        if locked.status != ShipmentStatus.AT_STATION:
            raise refuse(
                "shipment",
                f"The parcel is {locked.get_status_display().lower()}, not at the station.",
                TrackingErrorCode.NOT_AT_STATION,
            )
        if locked.pickup_locked:
            raise pickup.locked_refusal()
        if not right:
            wrong = pickup.count_wrong_code(failed_attempts=locked.pickup_failed_attempts)
            locked.pickup_failed_attempts, locked.pickup_locked = wrong.attempts, wrong.locked
            locked.save(update_fields=["pickup_failed_attempts", "pickup_locked", "updated_at"])
            refusal = wrong.refusal
        else:
            point = TrackPoint(
                time=timezone.now(),
                description=f"已在{locked.station.name}取件 (collected at the station)",
                carrier_state="",
                status=ShipmentStatus.COLLECTED_BY_BUYER,
            )
            _apply_points(
                locked, [point], source=ShipmentEventSource.STATION, keys=["collected-by-buyer"]
            )
    if refusal is not None:
        # Raised after the block so the counted attempt is committed.
        raise refusal
    return locked


@transaction.atomic
def shipment_unlock_pickup(*, shipment: Shipment, operator: User) -> Shipment:
    """After checking the buyer's ID the operator unlocks the parcel (the count restarts)."""
    locked = (
        Shipment.objects.select_for_update(of=("self",))
        .select_related("station")
        .get(pk=shipment.pk)
    )
    if locked.station is None:
        raise refuse("shipment", "Not a station parcel.", TrackingErrorCode.NOT_AT_STATION)
    check_operates(user=operator, station=locked.station)
    locked.pickup_locked = False
    locked.pickup_failed_attempts = 0
    locked.save(update_fields=["pickup_locked", "pickup_failed_attempts", "updated_at"])
    return locked


def shipments_remind_or_return(*, now: datetime) -> tuple[int, int]:
    """Periodic: parcels waiting at a station past PICKUP_REMINDER_AFTER_DAYS get at most one
    reminder a day; past PICKUP_RETURN_AFTER_DAYS they go back. Returns (reminded,
    returned). Each parcel is re-checked under its lock, so overlapping runs do no harm."""
    remind_after, _ = pickup.reminder_window(now=now)
    reminded = returned = 0
    waiting = Shipment.objects.filter(
        status=ShipmentStatus.AT_STATION, arrived_at_station_at__lte=remind_after
    ).values_list("pk", flat=True)
    for pk in list(waiting):
        with transaction.atomic():
            locked = Shipment.objects.select_for_update().get(pk=pk)
            if locked.status != ShipmentStatus.AT_STATION or locked.arrived_at_station_at is None:
                continue
            due = pickup.reminder_action(
                arrived_at=locked.arrived_at_station_at,
                last_reminded_at=locked.last_reminded_at,
                now=now,
            )
            if due == "return":
                point = TrackPoint(
                    time=now,
                    description="超期未取，退回寄件人 (not collected in time: returned)",
                    carrier_state="",
                    status=ShipmentStatus.RETURNED,
                )
                _apply_points(
                    locked, [point], source=ShipmentEventSource.STATION, keys=["uncollected"]
                )
                returned += 1
            elif due == "remind":
                locked.pickup_reminders_sent += 1
                locked.last_reminded_at = now
                locked.save(update_fields=["pickup_reminders_sent", "last_reminded_at"])
                _notify_after_commit(locked.pk, f"REMINDER_{locked.pickup_reminders_sent}")
                reminded += 1
    return reminded, returned
