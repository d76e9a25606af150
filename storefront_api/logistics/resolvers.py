"""Who sees which logistics rows: shipping zones are staff data (Saleor asks MANAGE_SHIPPING),
stations are public, a station's parcels are for its operator and platform admins.

Callers without any fitting role are refused before anything is looked up, so a refusal
never tells whether an ID exists.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from logistics import selectors as zone_selectors
from logistics.models import ShippingZone
from logistics.shipments.models import Shipment
from logistics.shipments.selectors import station_parcels
from logistics.stations.models import VillageStation
from logistics.stations.selectors import active_stations, station_get
from logistics.stations.services import is_station_operator
from marketplace.accounts.permissions import role_scopes
from storefront_api.core.errors import ApiError, PermissionDenied
from storefront_api.core.ids import decode_id, decode_ids


def _hint(user: Any) -> str:
    return ": log in." if not user.is_authenticated else "."


def _zone_shop_ids(info: Any) -> list[int] | None:
    """The shops whose zones the caller sees (None: all, for a platform admin)."""
    user = info.context.user
    scopes = role_scopes(user)
    if not scopes.is_platform_admin and not scopes.managed_shop_ids:
        raise PermissionDenied(
            "Shipping zones are for shop managers and platform admins" + _hint(user)
        )
    return None if scopes.is_platform_admin else list(scopes.managed_shop_ids)


def shipping_zones_visible_to(info: Any) -> QuerySet[ShippingZone]:
    """A shop manager's own shops' zones, every zone for a platform admin."""
    return zone_selectors.shipping_zone_list(shop_ids=_zone_shop_ids(info))


def shipping_zone_list(info: Any, *, filter: Any) -> QuerySet[ShippingZone]:
    shop_ids = _zone_shop_ids(info)
    filter = filter or {}
    return zone_selectors.shipping_zone_list(
        shop_ids=shop_ids,
        search=filter.get("search"),
        only_shop_ids=decode_ids(filter.get("shops"), expected_type="Shop", field="shops"),
    )


def shipping_zone_get(info: Any, *, id: str) -> ShippingZone | None:
    """Another shop's zone answers null, as an unknown one does."""
    zones = shipping_zones_visible_to(info)
    return zones.filter(pk=decode_id(id, expected_type="ShippingZone")).first()


def village_station_list(*, filter: Any) -> QuerySet[VillageStation]:
    filter = filter or {}
    return active_stations(
        village_ids=decode_ids(filter.get("village"), expected_type="Village", field="village"),
        township_ids=decode_ids(filter.get("township"), expected_type="Township", field="township"),
    )


def station_for_operator(info: Any, *, station_id: str) -> VillageStation:
    """The station `station_id` names, for its own operator or a platform admin; anyone
    else is refused (an unknown station too, once the caller may look at all)."""
    user = info.context.user
    is_admin = role_scopes(user).is_platform_admin
    if not is_admin and not is_station_operator(user if user.is_authenticated else None):
        raise PermissionDenied("Station parcels are for station operators" + _hint(user))
    pk = decode_id(station_id, expected_type="VillageStation", field="stationId")
    station = station_get(station_id=pk)
    if not is_admin and (station is None or station.operator_id != user.pk):
        raise PermissionDenied("You do not operate this station.")
    if station is None:
        raise ApiError("No such station.", code="NOT_FOUND", field="stationId")
    return station


def station_parcel_list(info: Any, *, station_id: str, status: Any) -> QuerySet[Shipment]:
    station = station_for_operator(info, station_id=station_id)
    return station_parcels(
        station=station, status=None if status is None else getattr(status, "value", status)
    )
