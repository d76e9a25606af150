"""Parcels at the station through the API (Ruralmart extension): the parcels logged in at
the counter (`LoggedParcel`), their log-in, hand-over, unlock and the dispatches out.

`stationParcelHandOver` serves both kinds: a `StationParcel` id (our shipment) or a
`LoggedParcel` id, against the same pickup-code rules. Who may: whoever works at the
station (its operator, or an operator of the Red Supermarket hosting it); township
officers and platform admins may read the list, with the recipient's phone masked unless
they work there. Everyone else is refused (PermissionDenied) before anything is looked up.
"""

from __future__ import annotations

import binascii
import uuid
from base64 import b64decode
from decimal import Decimal
from typing import Any

import graphene
from django.db.models import QuerySet

from logistics.parcels import services as parcel_services
from logistics.parcels.models import ParcelDispatch as ParcelDispatchModel
from logistics.parcels.models import StationParcel as StationParcelModel
from logistics.parcels.selectors import station_logged_parcels
from logistics.shipments.models import Shipment
from logistics.shipments.services import shipment_hand_over
from logistics.stations.models import VillageStation as VillageStationModel
from logistics.stations.pickup import works_at
from logistics.stations.selectors import station_get
from logistics.stations.services import is_station_operator
from marketplace.accounts.permissions import role_scopes
from marketplace.organisations.privacy import mask_name, mask_phone
from marketplace.red_supermarket.counter.parcels import (
    parcel_dispatch_at_counter,
    parcel_dispatch_receipt,
)
from storefront_api.core.connection import CountableConnection, connection_args, paginate
from storefront_api.core.dataloaders import get_loader
from storefront_api.core.errors import ApiError, PermissionDenied
from storefront_api.core.ids import decode_id
from storefront_api.core.types import Money, Weight, as_money
from storefront_api.logistics import dataloaders as loaders
from storefront_api.logistics.mutations import (
    LogisticsError,
    LogisticsMutation,
    _found,
    _refusals_as_permission_denied,
)
from storefront_api.logistics.types import StationParcel, VillageStation
from storefront_api.order.types import TrackingStatusEnum
from storefront_api.red_supermarket.types import Receipt


def _works_here(info: Any, station_id: int) -> bool:
    """Whether the caller works at this station (per request, one lookup per station)."""
    cache: dict[int, bool] = info.context.__dict__.setdefault("_works_at_station", {})
    if station_id not in cache:
        found = (
            VillageStationModel.objects.filter(pk=station_id)
            .select_related("red_supermarket")
            .first()
        )
        cache[station_id] = found is not None and works_at(user=info.context.user, station=found)
    return cache[station_id]


class LoggedParcel(graphene.ObjectType):
    """Ruralmart extension: a carrier's parcel logged in at the station's counter."""

    class Meta:
        interfaces = (graphene.relay.Node,)

    carrier = graphene.String(required=True)
    waybill = graphene.String(required=True)
    status = graphene.Field(TrackingStatusEnum, required=True)
    station = graphene.Field(VillageStation, required=True)
    recipient_phone = graphene.String(
        required=True, description="Masked unless the caller works at the station."
    )
    recipient_name = graphene.String(description="Masked unless the caller works at the station.")
    shelf_slot = graphene.String()
    arrived_at = graphene.DateTime(required=True)
    pickup_locked = graphene.Boolean(required=True)
    pickup_failed_attempts = graphene.Int(required=True)
    reminders_sent = graphene.Int(required=True)
    handed_over_at = graphene.DateTime()
    returned_at = graphene.DateTime()

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, StationParcelModel)

    @staticmethod
    def resolve_station(root: StationParcelModel, info: Any) -> Any:
        return get_loader(info.context, loaders.StationByIdLoader).load(root.station_id)

    @staticmethod
    def resolve_recipient_phone(root: StationParcelModel, info: Any) -> str:
        if _works_here(info, root.station_id):
            return root.recipient_phone
        return mask_phone(root.recipient_phone)

    @staticmethod
    def resolve_recipient_name(root: StationParcelModel, info: Any) -> str | None:
        if not root.recipient_name:
            return None
        return (
            root.recipient_name
            if _works_here(info, root.station_id)
            else mask_name(root.recipient_name)
        )

    @staticmethod
    def resolve_shelf_slot(root: StationParcelModel, info: Any) -> str | None:
        return root.shelf_slot or None


class ParcelDispatch(graphene.ObjectType):
    """Ruralmart extension: a parcel a villager sent from the station."""

    class Meta:
        interfaces = (graphene.relay.Node,)

    carrier = graphene.String(required=True)
    waybill = graphene.String(required=True)
    station = graphene.Field(VillageStation, required=True)
    weight = graphene.Field(Weight, required=True)
    fee = graphene.Field(Money, required=True)
    destination = graphene.String(required=True, description="Empty when none was given.")
    created_at = graphene.DateTime(required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, ParcelDispatchModel)

    @staticmethod
    def resolve_station(root: ParcelDispatchModel, info: Any) -> Any:
        return get_loader(info.context, loaders.StationByIdLoader).load(root.station_id)

    @staticmethod
    def resolve_weight(root: ParcelDispatchModel, info: Any) -> Any:
        return Weight.from_grams(root.weight_grams)

    @staticmethod
    def resolve_fee(root: ParcelDispatchModel, info: Any) -> Any:
        return as_money(root.fee_amount, root.currency)


class LoggedParcelCountableConnection(CountableConnection):
    class Meta:
        node = LoggedParcel
        strict_types = True


# --- who may -------------------------------------------------------------------------------


def _may_work_at_some_station(user: Any) -> bool:
    if not user.is_authenticated:
        return False
    return is_station_operator(user) or bool(role_scopes(user).operated_shop_ids)


def _require_counter_staff(info: Any) -> Any:
    user = info.context.user
    if not _may_work_at_some_station(user):
        hint = ": log in." if not user.is_authenticated else "."
        raise PermissionDenied(f"This is for village station and Red Supermarket operators{hint}")
    return user


def _station_for_reader(info: Any, station_id: str) -> VillageStationModel:
    user = info.context.user
    scopes = role_scopes(user)
    if (
        not _may_work_at_some_station(user)
        and not scopes.is_platform_admin
        and not scopes.overseen_township_ids
    ):
        raise PermissionDenied(
            "Station parcels are for the station's operators"
            + (": log in." if not user.is_authenticated else ".")
        )
    station = station_get(
        station_id=decode_id(station_id, expected_type="VillageStation", field="stationId")
    )
    allowed = station is not None and (
        scopes.is_platform_admin
        or works_at(user=user, station=station)
        or station.village.township_id in scopes.overseen_township_ids
    )
    if not allowed:
        if station is None and scopes.is_platform_admin:
            raise ApiError("No such station.", code="NOT_FOUND", field="stationId")
        raise PermissionDenied("You do not work at this station.")
    assert station is not None
    return station


# --- queries -------------------------------------------------------------------------------


class ParcelQueries(graphene.ObjectType):
    station_logged_parcels = graphene.Field(
        LoggedParcelCountableConnection,
        station_id=graphene.ID(required=True),
        status=graphene.Argument(TrackingStatusEnum),
        description=(
            "Ruralmart extension: parcels logged in at a station's counter, newest first. For "
            "those who work there, its township's officers and platform admins."
        ),
        **connection_args(),
    )

    @staticmethod
    def resolve_station_logged_parcels(
        root: Any, info: Any, station_id: str, status: Any = None, **page: Any
    ) -> Any:
        station = _station_for_reader(info, station_id)
        parcels: QuerySet[StationParcelModel] = station_logged_parcels(
            station=station, status=None if status is None else getattr(status, "value", status)
        )
        return paginate(
            parcels, LoggedParcelCountableConnection, connection_name="stationLoggedParcels", **page
        )


# --- mutations -----------------------------------------------------------------------------


def _station(global_id: str) -> VillageStationModel:
    station: VillageStationModel = _found(
        VillageStationModel.objects.select_related("village"),
        global_id,
        type_name="VillageStation",
        field="station_id",
    )
    return station


class StationParcelLogIn(LogisticsMutation):
    class Arguments:
        station_id = graphene.ID(required=True)
        carrier = graphene.String(required=True, description="Kuaidi100 carrier code.")
        waybill = graphene.String(required=True)
        recipient_phone = graphene.String(required=True, description="Mainland mobile number.")
        recipient_name = graphene.String()
        shelf_slot = graphene.String(description="Where on the shelf, e.g. A-03.")

    class Meta:
        description = (
            "Ruralmart extension: log a carrier's parcel in at the station; the recipient is "
            "texted a pickup code. For those who work at the station."
        )

    logged_parcel = graphene.Field(LoggedParcel)
    errors = graphene.List(graphene.NonNull(LogisticsError), required=True)

    @classmethod
    def perform(
        cls,
        info: Any,
        station_id: str,
        carrier: str,
        waybill: str,
        recipient_phone: str,
        recipient_name: str | None = None,
        shelf_slot: str | None = None,
    ) -> StationParcelLogIn:
        user = _require_counter_staff(info)
        station = _station(station_id)
        with _refusals_as_permission_denied():
            parcel = parcel_services.station_parcel_log_in(
                station=station,
                operator=user,
                carrier=carrier,
                waybill=waybill,
                recipient_phone=recipient_phone,
                recipient_name=recipient_name or "",
                shelf_slot=shelf_slot or "",
            )
        return cls(logged_parcel=parcel, errors=[])


def _global_type(global_id: str) -> str:
    try:
        return b64decode(global_id, validate=True).decode().partition(":")[0]
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        return ""


class StationParcelHandOver(LogisticsMutation):
    class Arguments:
        id = graphene.ID(required=True, description="A StationParcel or a LoggedParcel.")
        pickup_code = graphene.String(required=True, description="The recipient's 6-digit code.")

    class Meta:
        description = (
            "Ruralmart extension: give a parcel to its recipient against its pickup code: one "
            "of our shipments (StationParcel) or a parcel logged in at the counter "
            "(LoggedParcel). Wrong codes are counted; too many lock the parcel. For those who "
            "work at the parcel's station."
        )

    parcel = graphene.Field(StationParcel, description="Set when `id` is a StationParcel.")
    logged_parcel = graphene.Field(LoggedParcel, description="Set when `id` is a LoggedParcel.")
    errors = graphene.List(graphene.NonNull(LogisticsError), required=True)

    @classmethod
    def perform(cls, info: Any, id: str, pickup_code: str) -> StationParcelHandOver:
        user = _require_counter_staff(info)
        if _global_type(id) == "LoggedParcel":
            logged = _found(StationParcelModel.objects, id, type_name="LoggedParcel", field="id")
            with _refusals_as_permission_denied():
                handed = parcel_services.station_parcel_hand_over(
                    parcel=logged, operator=user, code=pickup_code
                )
            return cls(logged_parcel=handed, errors=[])
        shipment = _found(Shipment.objects, id, type_name="StationParcel", field="id")
        with _refusals_as_permission_denied():
            parcel = shipment_hand_over(shipment=shipment, operator=user, code=pickup_code)
        return cls(parcel=parcel, errors=[])


class StationParcelUnlock(LogisticsMutation):
    class Arguments:
        id = graphene.ID(required=True, description="A LoggedParcel locked by wrong codes.")

    class Meta:
        description = (
            "Ruralmart extension: after checking the recipient's ID, unlock a parcel logged in "
            "at the counter (the wrong-code count restarts)."
        )

    logged_parcel = graphene.Field(LoggedParcel)
    errors = graphene.List(graphene.NonNull(LogisticsError), required=True)

    @classmethod
    def perform(cls, info: Any, id: str) -> StationParcelUnlock:
        user = _require_counter_staff(info)
        logged = _found(StationParcelModel.objects, id, type_name="LoggedParcel", field="id")
        with _refusals_as_permission_denied():
            parcel = parcel_services.station_parcel_unlock(parcel=logged, operator=user)
        return cls(logged_parcel=parcel, errors=[])


class StationParcelDispatch(LogisticsMutation):
    class Arguments:
        station_id = graphene.ID(required=True)
        request_id = graphene.UUID(
            required=True, description="The counter's id for this submit; a retry repeats it."
        )
        carrier = graphene.String(required=True)
        waybill = graphene.String(required=True)
        sender_phone = graphene.String(required=True)
        weight_grams = graphene.Int(required=True)
        fee = graphene.Decimal(required=True, description="Yuan (CNY), 2 decimals.")
        destination = graphene.String(
            description="Where it goes, as the sender said it: one line, at most 128 characters."
        )

    class Meta:
        description = (
            "Ruralmart extension: log a parcel a villager sends from the station. Idempotent "
            "by requestId. For those who work at the station."
        )

    dispatch = graphene.Field(ParcelDispatch)
    receipt = graphene.Field(
        Receipt,
        description="The fee's receipt, when a Red Supermarket hosts the station and the "
        "fee is not zero; a retry answers the same one.",
    )
    errors = graphene.List(graphene.NonNull(LogisticsError), required=True)

    @classmethod
    def perform(
        cls,
        info: Any,
        station_id: str,
        request_id: uuid.UUID,
        carrier: str,
        waybill: str,
        sender_phone: str,
        weight_grams: int,
        fee: Decimal,
        destination: str | None = None,
    ) -> StationParcelDispatch:
        user = _require_counter_staff(info)
        station = _station(station_id)
        with _refusals_as_permission_denied():
            dispatch = parcel_dispatch_at_counter(
                station=station,
                operator=user,
                request_id=request_id,
                carrier=carrier,
                waybill=waybill,
                sender_phone=sender_phone,
                weight_grams=weight_grams,
                fee=fee,
                destination=destination or "",
            )
        return cls(dispatch=dispatch, receipt=parcel_dispatch_receipt(dispatch=dispatch), errors=[])


class ParcelMutations(graphene.ObjectType):
    station_parcel_log_in = StationParcelLogIn.Field()
    station_parcel_hand_over = StationParcelHandOver.Field()
    station_parcel_unlock = StationParcelUnlock.Field()
    station_parcel_dispatch = StationParcelDispatch.Field()
