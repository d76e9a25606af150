"""Logistics mutations, each thin: refuse callers with no fitting role before any lookup,
resolve the IDs, call one logistics service, and answer its refusals as `errors` with
`LogisticsErrorCode` (the domain's `TrackingErrorCode`, unchanged).

"You may not" is a GraphQL PermissionDenied error, never an `errors` entry: a service's
NOT_A_STATION_OPERATOR refusal (another station's operator) and PermissionRefused (another
shop's manager) both become one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import graphene
from django.core.exceptions import ValidationError

from logistics.carriers.kuaidi100 import default_adapter
from logistics.consolidation import services as consolidation
from logistics.consolidation.models import ConsolidationBatch
from logistics.error_codes_tracking import TrackingErrorCode
from logistics.shipments.models import Shipment
from logistics.shipments.services import shop_order_ship
from logistics.stations.models import VillageStation
from logistics.stations.services import is_station_operator
from marketplace.core.errors import PermissionRefused, refuse
from marketplace.orders.models import ShopOrder as ShopOrderModel
from storefront_api.core.enums import domain_enum
from storefront_api.core.errors import ApiError, PermissionDenied
from storefront_api.core.ids import decode_id
from storefront_api.core.mutations import (
    ErrorsMutation,
    error_message,
    validation_entries,
)
from storefront_api.logistics.types import ConsolidationBatch_
from storefront_api.order.staff import require_shop_staff
from storefront_api.order.types import Fulfillment, ShopOrder

LogisticsErrorCode = domain_enum(TrackingErrorCode, name="LogisticsErrorCode")


class LogisticsError(graphene.ObjectType):
    field = graphene.String(description="The argument at fault; null for the whole input.")
    message = graphene.String()
    code = graphene.Field(LogisticsErrorCode, required=True)


class LogisticsMutation(ErrorsMutation):
    class Meta:
        abstract = True

    error_type = LogisticsError
    error_codes = TrackingErrorCode


@contextmanager
def _refusals_as_permission_denied() -> Iterator[None]:
    """The services' "not yours" refusals, as the GraphQL error every caller expects."""
    try:
        yield
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from None
    except ValidationError as exc:
        for _, error in validation_entries(exc):
            if error.code == TrackingErrorCode.NOT_A_STATION_OPERATOR.value:
                raise PermissionDenied(error_message(error)) from None
        raise


def _require_station_operator(info: Any) -> Any:
    user = info.context.user
    if not user.is_authenticated or not is_station_operator(user):
        hint = ": log in." if not user.is_authenticated else "."
        raise PermissionDenied(f"This is for village station operators{hint}")
    return user


def _pk(global_id: str, *, type_name: str, field: str) -> int:
    try:
        return decode_id(global_id, expected_type=type_name, field=field)
    except ApiError as exc:
        raise refuse(field, exc.message, TrackingErrorCode.INVALID) from None


def _found(rows: Any, global_id: str, *, type_name: str, field: str) -> Any:
    """The row of `rows` (a manager or queryset) that `global_id` names, or a coded refusal
    on `field` (INVALID for a malformed ID, NOT_FOUND for an unknown one)."""
    pk = _pk(global_id, type_name=type_name, field=field)
    row = rows.filter(pk=pk).first()
    if row is None:
        raise refuse(field, f"No such {type_name}.", TrackingErrorCode.NOT_FOUND)
    return row


class ShopOrderShip(LogisticsMutation):
    class Arguments:
        id = graphene.ID(required=True, description="The ShopOrder to ship.")
        carrier = graphene.String(required=True, description="Kuaidi100 carrier code.")
        weight_grams = graphene.Int(required=True, description="The packed parcel's weight.")
        station_id = graphene.ID(description="The village station the buyer collects at.")

    class Meta:
        description = (
            "Ruralmart extension (Saleor: orderFulfill): the shop ships its part of an order "
            "in one more parcel with a waybill from the carrier. For the shop's managers."
        )

    shop_order = graphene.Field(ShopOrder)
    fulfillment = graphene.Field(Fulfillment)
    errors = graphene.List(graphene.NonNull(LogisticsError), required=True)

    @classmethod
    def perform(
        cls,
        info: Any,
        id: str,
        carrier: str,
        weight_grams: int,
        station_id: str | None = None,
    ) -> ShopOrderShip:
        # Before the lookup: NOT_FOUND is only ever told to those who may ship.
        user = require_shop_staff(info, who="Shipping orders is for shop managers")
        shop_order = _found(
            ShopOrderModel.objects.select_related("shop__village", "order"),
            id,
            type_name="ShopOrder",
            field="id",
        )
        station = None
        if station_id is not None:
            station = _found(
                VillageStation.objects.filter(is_active=True),
                station_id,
                type_name="VillageStation",
                field="station_id",
            )
        with _refusals_as_permission_denied():
            shipment = shop_order_ship(
                shop_order=shop_order,
                actor=user,
                carrier=carrier.strip().lower(),
                adapter=default_adapter(),
                weight_grams=weight_grams,
                station=station,
            )
        shop_order.refresh_from_db(fields=["status"])
        return cls(shop_order=shop_order, fulfillment=shipment, errors=[])


class ConsolidationBatchOpen(LogisticsMutation):
    class Arguments:
        station_id = graphene.ID(required=True)

    class Meta:
        description = (
            "Ruralmart extension: open a consolidation batch (集货) at the station. For the "
            "station's operator."
        )

    batch = graphene.Field(ConsolidationBatch_)
    errors = graphene.List(graphene.NonNull(LogisticsError), required=True)

    @classmethod
    def perform(cls, info: Any, station_id: str) -> ConsolidationBatchOpen:
        user = _require_station_operator(info)
        station = _found(
            VillageStation.objects, station_id, type_name="VillageStation", field="station_id"
        )
        with _refusals_as_permission_denied():
            batch = consolidation.batch_open(station=station, operator=user)
        return cls(batch=batch, errors=[])


class ConsolidationBatchAddParcel(LogisticsMutation):
    class Arguments:
        batch_id = graphene.ID(required=True)
        parcel_id = graphene.ID(required=True, description="A StationParcel (shop-order parcel).")

    class Meta:
        description = (
            "Ruralmart extension: scan a parcel into an open batch (again into the same batch "
            "changes nothing). For the station's operator."
        )

    batch = graphene.Field(ConsolidationBatch_)
    errors = graphene.List(graphene.NonNull(LogisticsError), required=True)

    @classmethod
    def perform(cls, info: Any, batch_id: str, parcel_id: str) -> ConsolidationBatchAddParcel:
        user = _require_station_operator(info)
        batch = _found(
            ConsolidationBatch.objects, batch_id, type_name="ConsolidationBatch", field="batch_id"
        )
        shipment = _found(Shipment.objects, parcel_id, type_name="StationParcel", field="parcel_id")
        with _refusals_as_permission_denied():
            item = consolidation.batch_add_parcel(batch=batch, shipment=shipment, operator=user)
        return cls(batch=item.batch, errors=[])


class ConsolidationBatchClose(LogisticsMutation):
    class Arguments:
        batch_id = graphene.ID(required=True)
        total_weight_grams = graphene.Int(required=True, description="The weighed batch.")
        carrier = graphene.String(
            required=True, description="Kuaidi100 carrier code of the consignment."
        )

    class Meta:
        description = (
            "Ruralmart extension: close the batch into one consignment to the county hub with "
            "its own waybill. Closing a closed batch answers it unchanged. For the station's "
            "operator."
        )

    batch = graphene.Field(ConsolidationBatch_)
    errors = graphene.List(graphene.NonNull(LogisticsError), required=True)

    @classmethod
    def perform(
        cls, info: Any, batch_id: str, total_weight_grams: int, carrier: str
    ) -> ConsolidationBatchClose:
        user = _require_station_operator(info)
        batch = _found(
            ConsolidationBatch.objects, batch_id, type_name="ConsolidationBatch", field="batch_id"
        )
        with _refusals_as_permission_denied():
            closed = consolidation.batch_close(
                batch=batch,
                operator=user,
                total_weight_grams=total_weight_grams,
                carrier=carrier.strip().lower(),
                adapter=default_adapter(),
            )
        return cls(batch=closed, errors=[])
