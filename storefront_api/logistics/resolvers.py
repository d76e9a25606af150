"""Who sees which logistics rows: shipping zones are staff data (Saleor asks MANAGE_SHIPPING),
stations are public, a station's parcels are for its operator and platform admins.

Callers without any fitting role are refused before anything is looked up, so a refusal
never tells whether an ID exists.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from logistics.models import ShippingZone
from logistics.shipments.models import Shipment
from logistics.stations.models import VillageStation
from logistics.stations.services import is_station_operator
from marketplace.accounts.permissions import role_scopes
from storefront_api.core.errors import ApiError, PermissionDenied
from storefront_api.core.ids import decode_id, decode_ids


def _hint(user: Any) -> str:
    return ": log in." if not user.is_authenticated else "."


def shipping_zones_visible_to(info: Any) -> QuerySet[ShippingZone]:
    """A shop manager's own shops' zones, every zone for a platform admin."""
    user = info.context.user
    scopes = role_scopes(user)
    if not scopes.is_platform_admin and not scopes.managed_shop_ids:
        raise PermissionDenied(
            "Shipping zones are for shop managers and platform admins" + _hint(user)
        )
    zones = ShippingZone.objects.order_by("shop_id", "name", "pk")
    if scopes.is_platform_admin:
        return zones
    return zones.filter(shop_id__in=scopes.managed_shop_ids)


def shipping_zone_list(info: Any, *, filter: Any) -> QuerySet[ShippingZone]:
    zones = shipping_zones_visible_to(info)
    filter = filter or {}
    if filter.get("search"):
        zones = zones.filter(name__icontains=filter["search"].strip())
    shops = decode_ids(filter.get("shops"), expected_type="Shop", field="shops")
    if shops is not None:
        zones = zones.filter(shop_id__in=shops)
    return zones


def shipping_zone_get(info: Any, *, id: str) -> ShippingZone | None:
    """Another shop's zone answers null, as an unknown one does."""
    zones = shipping_zones_visible_to(info)
    return zones.filter(pk=decode_id(id, expected_type="ShippingZone")).first()


def village_station_list(*, filter: Any) -> QuerySet[VillageStation]:
    stations = VillageStation.objects.filter(is_active=True).order_by("village__code", "pk")
    filter = filter or {}
    villages = decode_ids(filter.get("village"), expected_type="Village", field="village")
    if villages is not None:
        stations = stations.filter(village_id__in=villages)
    townships = decode_ids(filter.get("township"), expected_type="Township", field="township")
    if townships is not None:
        stations = stations.filter(village__township_id__in=townships)
    return stations


def station_for_operator(info: Any, *, station_id: str) -> VillageStation:
    """The station `station_id` names, for its own operator or a platform admin; anyone
    else is refused (an unknown station too, once the caller may look at all)."""
    user = info.context.user
    is_admin = role_scopes(user).is_platform_admin
    if not is_admin and not is_station_operator(user if user.is_authenticated else None):
        raise PermissionDenied("Station parcels are for station operators" + _hint(user))
    pk = decode_id(station_id, expected_type="VillageStation", field="stationId")
    station = VillageStation.objects.filter(pk=pk).first()
    if not is_admin and (station is None or station.operator_id != user.pk):
        raise PermissionDenied("You do not operate this station.")
    if station is None:
        raise ApiError("No such station.", code="NOT_FOUND", field="stationId")
    return station


def station_parcel_list(info: Any, *, station_id: str, status: Any) -> QuerySet[Shipment]:
    station = station_for_operator(info, station_id=station_id)
    parcels = Shipment.objects.filter(station=station).order_by("-created_at", "-pk")
    if status is not None:
        parcels = parcels.filter(status=getattr(status, "value", status))
    return parcels
