"""Logistics types: Saleor's `ShippingZone` over a shop's zones (with our prefixes, shop and
rates beside Saleor's fields), and the Ruralmart extensions for village stations, the
parcels on their shelves and consolidation batches. Relations load through DataLoaders.

A station's operator is personal data: shown to that operator and to platform admins only.
"""

from __future__ import annotations

from typing import Any

import graphene

from logistics.consolidation.models import BatchStatus, ConsolidationBatch
from logistics.models import DeliveryRate
from logistics.models import ShippingZone as ShippingZoneModel
from logistics.shipments.models import Shipment
from logistics.stations.models import VillageStation as VillageStationModel
from marketplace.accounts.permissions import role_scopes
from storefront_api.account.dataloaders import UserByIdLoader
from storefront_api.account.types import User
from storefront_api.core.connection import CountableConnection
from storefront_api.core.dataloaders import get_loader, then
from storefront_api.core.enums import domain_enum
from storefront_api.core.types import CountryDisplay, Money, ObjectWithMetadata, Weight, as_money
from storefront_api.logistics import dataloaders as loaders
from storefront_api.order.types import TrackingStatusEnum
from storefront_api.organisations.dataloaders import ShopByIdLoader, VillageByIdLoader
from storefront_api.shipping.dataloaders import DeliveryMethodByIdLoader
from storefront_api.shipping.types import ShippingMethod
from storefront_api.shops.types import Shop, Village_

ConsolidationBatchStatusEnum = domain_enum(BatchStatus, name="ConsolidationBatchStatusEnum")

# Every shop ships inside mainland China; Saleor's zones list countries.
_CHINA = CountryDisplay(code="CN", country="China")


class ShippingZoneRate(graphene.ObjectType):
    """Ruralmart extension: what one express method charges into the zone (首重 + 续重), or
    that it does not deliver there."""

    method = graphene.Field(ShippingMethod, required=True)
    serves = graphene.Boolean(required=True, description="False: the method skips this zone.")
    first_weight = graphene.Field(Weight, required=True)
    first_price = graphene.Field(Money, required=True)
    step_weight = graphene.Field(Weight, required=True, description="Each started extra step.")
    step_price = graphene.Field(Money, required=True)

    @staticmethod
    def resolve_method(root: DeliveryRate, info: Any) -> Any:
        return get_loader(info.context, DeliveryMethodByIdLoader).load(root.method_id)

    @staticmethod
    def resolve_first_weight(root: DeliveryRate, info: Any) -> Any:
        return Weight.from_grams(root.first_weight_grams)

    @staticmethod
    def resolve_first_price(root: DeliveryRate, info: Any) -> Any:
        return as_money(root.first_price_amount, "CNY")

    @staticmethod
    def resolve_step_weight(root: DeliveryRate, info: Any) -> Any:
        return Weight.from_grams(root.step_grams)

    @staticmethod
    def resolve_step_price(root: DeliveryRate, info: Any) -> Any:
        return as_money(root.step_price_amount, "CNY")


class ShippingZone(graphene.ObjectType):
    """Saleor's shipping zone: here one shop's group of destinations by division code."""

    class Meta:
        interfaces = (graphene.relay.Node, ObjectWithMetadata)

    name = graphene.String(required=True)
    default = graphene.Boolean(required=True)
    countries = graphene.List(graphene.NonNull(CountryDisplay), required=True)
    description = graphene.String()
    # Ruralmart extensions.
    shop = graphene.Field(Shop, required=True)
    prefixes = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description="Division-code prefixes (2 province … 12 village); the longest match wins.",
    )
    remote_surcharge = graphene.Field(Money, required=True)
    rates = graphene.List(graphene.NonNull(ShippingZoneRate), required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, ShippingZoneModel)

    @staticmethod
    def resolve_default(root: ShippingZoneModel, info: Any) -> bool:
        # No catch-all zone: an unmatched destination is refused, never priced by default.
        return False

    @staticmethod
    def resolve_countries(root: ShippingZoneModel, info: Any) -> list[CountryDisplay]:
        return [_CHINA]

    @staticmethod
    def resolve_description(root: ShippingZoneModel, info: Any) -> None:
        return None

    @staticmethod
    def resolve_shop(root: ShippingZoneModel, info: Any) -> Any:
        return get_loader(info.context, ShopByIdLoader).load(root.shop_id)

    @staticmethod
    def resolve_prefixes(root: ShippingZoneModel, info: Any) -> Any:
        return get_loader(info.context, loaders.PrefixesByZoneIdLoader).load(root.pk)

    @staticmethod
    def resolve_remote_surcharge(root: ShippingZoneModel, info: Any) -> Any:
        return as_money(root.remote_surcharge_amount, "CNY")

    @staticmethod
    def resolve_rates(root: ShippingZoneModel, info: Any) -> Any:
        rates = get_loader(info.context, loaders.RatesByZoneIdLoader).load(root.pk)
        methods = get_loader(info.context, DeliveryMethodByIdLoader)

        def prime(rows: list[DeliveryRate]) -> list[DeliveryRate]:
            for rate in rows:
                methods.prime(rate.method_id, rate.method)
            return rows

        return then(rates, prime)


def may_see_operator(info: Any, station: VillageStationModel) -> bool:
    user = info.context.user
    if not user.is_authenticated:
        return False
    return station.operator_id == user.pk or role_scopes(user).is_platform_admin


class VillageStation(graphene.ObjectType):
    """Ruralmart extension: a village's pickup and drop-off point (村级服务站)."""

    class Meta:
        interfaces = (graphene.relay.Node,)

    name = graphene.String(required=True)
    village = graphene.Field(Village_, required=True)
    address = graphene.String(required=True)
    opening_hours = graphene.String(required=True)
    capacity = graphene.Int(required=True)
    red_supermarket_name = graphene.String(description="The Red Supermarket hosting it.")
    operator = graphene.Field(
        User, description="The operator; only for that operator and platform admins."
    )

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, VillageStationModel)

    @staticmethod
    def resolve_village(root: VillageStationModel, info: Any) -> Any:
        return get_loader(info.context, VillageByIdLoader).load(root.village_id)

    @staticmethod
    def resolve_red_supermarket_name(root: VillageStationModel, info: Any) -> str | None:
        return root.red_supermarket_name or None

    @staticmethod
    def resolve_operator(root: VillageStationModel, info: Any) -> Any:
        if root.operator_id is None or not may_see_operator(info, root):
            return None
        return get_loader(info.context, UserByIdLoader).load(root.operator_id)


class StationParcel(graphene.ObjectType):
    """Ruralmart extension: a parcel as the station operator handles it. The buyer's name
    and address stay off it: the pickup code is what identifies the buyer."""

    class Meta:
        interfaces = (graphene.relay.Node,)

    carrier = graphene.String(required=True)
    tracking_number = graphene.String(required=True)
    status = graphene.Field(TrackingStatusEnum, required=True)
    station = graphene.Field(VillageStation)
    arrived_at_station = graphene.DateTime()
    pickup_locked = graphene.Boolean(
        required=True, description="Too many wrong codes: check the buyer's ID first."
    )
    pickup_failed_attempts = graphene.Int(required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, Shipment)

    @staticmethod
    def resolve_station(root: Shipment, info: Any) -> Any:
        if root.station_id is None:
            return None
        return get_loader(info.context, loaders.StationByIdLoader).load(root.station_id)

    @staticmethod
    def resolve_arrived_at_station(root: Shipment, info: Any) -> Any:
        return root.arrived_at_station_at


class ConsolidationBatch_(graphene.ObjectType):
    """Ruralmart extension: a village's parcels leaving together (集货) in one consignment."""

    class Meta:
        name = "ConsolidationBatch"
        interfaces = (graphene.relay.Node,)

    station = graphene.Field(VillageStation, required=True)
    status = graphene.Field(ConsolidationBatchStatusEnum, required=True)
    total_weight = graphene.Field(Weight)
    consignment_tracking_number = graphene.String(description="Set once the batch is closed.")
    opened_at = graphene.DateTime(required=True)
    closed_at = graphene.DateTime()
    parcels = graphene.List(graphene.NonNull(StationParcel), required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, ConsolidationBatch)

    @staticmethod
    def resolve_station(root: ConsolidationBatch, info: Any) -> Any:
        return get_loader(info.context, loaders.StationByIdLoader).load(root.station_id)

    @staticmethod
    def resolve_total_weight(root: ConsolidationBatch, info: Any) -> Any:
        return Weight.from_grams(root.total_weight_grams)

    @staticmethod
    def resolve_consignment_tracking_number(root: ConsolidationBatch, info: Any) -> Any:
        if root.consignment_id is None:
            return None
        consignment = get_loader(info.context, loaders.ShipmentByIdLoader).load(root.consignment_id)
        return then(consignment, lambda shipment: shipment.tracking_number if shipment else None)

    @staticmethod
    def resolve_parcels(root: ConsolidationBatch, info: Any) -> Any:
        return get_loader(info.context, loaders.ParcelsByBatchIdLoader).load(root.pk)


class ShippingZoneCountableConnection(CountableConnection):
    class Meta:
        node = ShippingZone
        strict_types = True


class VillageStationCountableConnection(CountableConnection):
    class Meta:
        node = VillageStation
        strict_types = True


class StationParcelCountableConnection(CountableConnection):
    class Meta:
        node = StationParcel
        strict_types = True
