"""Logistics root fields: Saleor's `shippingZones` / `shippingZone`, and the Ruralmart
extensions `villageStations`, `stationParcels` and the shipping, hand-over and
consolidation mutations; the counter's parcels (`stationLoggedParcels`, log-in, hand-over,
unlock, dispatch) come from `parcels.py`."""

from __future__ import annotations

from typing import Any

import graphene

from storefront_api.core.connection import connection_args, paginate
from storefront_api.logistics import mutations, resolvers
from storefront_api.logistics.parcels import ParcelMutations, ParcelQueries
from storefront_api.logistics.types import (
    ShippingZone,
    ShippingZoneCountableConnection,
    StationParcelCountableConnection,
    VillageStationCountableConnection,
)
from storefront_api.order.types import TrackingStatusEnum


class ShippingZoneFilterInput(graphene.InputObjectType):
    search = graphene.String()
    # Ruralmart extension.
    shops = graphene.List(
        graphene.NonNull(graphene.ID), description="Only these shops' zones (within scope)."
    )


class VillageStationFilterInput(graphene.InputObjectType):
    village = graphene.List(graphene.NonNull(graphene.ID), description="Global IDs of villages.")
    township = graphene.List(graphene.NonNull(graphene.ID), description="Global IDs of townships.")


class LogisticsQueries(ParcelQueries, graphene.ObjectType):
    shipping_zone = graphene.Field(
        ShippingZone,
        id=graphene.ID(required=True),
        channel=graphene.String(description="Accepted for Saleor clients; zones are per shop."),
        description="A shipping zone of a shop the caller manages (platform admins: any).",
    )
    shipping_zones = graphene.Field(
        ShippingZoneCountableConnection,
        filter=graphene.Argument(ShippingZoneFilterInput),
        channel=graphene.String(description="Accepted for Saleor clients; zones are per shop."),
        description="The shipping zones of the shops the caller manages (platform admins: all).",
        **connection_args(),
    )
    # Ruralmart extensions.
    village_stations = graphene.Field(
        VillageStationCountableConnection,
        filter=graphene.Argument(VillageStationFilterInput),
        description="Active village stations (public; operators shown to entitled callers).",
        **connection_args(),
    )
    station_parcels = graphene.Field(
        StationParcelCountableConnection,
        station_id=graphene.ID(required=True),
        status=graphene.Argument(TrackingStatusEnum),
        description="Parcels of one station, newest first: its operator's, or any for admins.",
        **connection_args(),
    )

    @staticmethod
    def resolve_shipping_zone(root: Any, info: Any, id: str, **_: Any) -> Any:
        return resolvers.shipping_zone_get(info, id=id)

    @staticmethod
    def resolve_shipping_zones(root: Any, info: Any, filter: Any = None, **page: Any) -> Any:
        page.pop("channel", None)
        zones = resolvers.shipping_zone_list(info, filter=filter)
        return paginate(
            zones, ShippingZoneCountableConnection, connection_name="shippingZones", **page
        )

    @staticmethod
    def resolve_village_stations(root: Any, info: Any, filter: Any = None, **page: Any) -> Any:
        stations = resolvers.village_station_list(filter=filter)
        return paginate(
            stations, VillageStationCountableConnection, connection_name="villageStations", **page
        )

    @staticmethod
    def resolve_station_parcels(
        root: Any, info: Any, station_id: str, status: Any = None, **page: Any
    ) -> Any:
        parcels = resolvers.station_parcel_list(info, station_id=station_id, status=status)
        return paginate(
            parcels, StationParcelCountableConnection, connection_name="stationParcels", **page
        )


class LogisticsMutations(ParcelMutations, graphene.ObjectType):
    shop_order_ship = mutations.ShopOrderShip.Field()
    consolidation_batch_open = mutations.ConsolidationBatchOpen.Field()
    consolidation_batch_add_parcel = mutations.ConsolidationBatchAddParcel.Field()
    consolidation_batch_close = mutations.ConsolidationBatchClose.Field()
