"""Writes for village stations."""

from __future__ import annotations

from django.db import transaction

from logistics.error_codes_tracking import TrackingErrorCode
from logistics.stations.models import VillageStation
from marketplace.accounts.models import Role, User
from marketplace.core.errors import refuse
from marketplace.divisions.models import Village


def is_station_operator(user: User | None) -> bool:
    return bool(
        user is not None
        and user.is_active
        and user.role_assignments.filter(role=Role.STATION_OPERATOR).exists()
    )


def check_operates(*, user: User | None, station: VillageStation) -> None:
    """Only the station's own operator hands parcels over and consolidates there."""
    if user is None or station.operator_id != user.pk or not user.is_active:
        raise refuse(
            "operator",
            f"Only the operator of {station.name} may do this.",
            TrackingErrorCode.NOT_A_STATION_OPERATOR,
        )


@transaction.atomic
def station_create(
    *,
    village: Village,
    name: str,
    address: str,
    opening_hours: str,
    capacity: int,
    operator: User | None = None,
    red_supermarket_name: str = "",
) -> VillageStation:
    if operator is not None and not is_station_operator(operator):
        raise refuse(
            "operator",
            f"{operator} does not hold the station-operator role.",
            TrackingErrorCode.NOT_A_STATION_OPERATOR,
        )
    if not address.strip():
        raise refuse("address", "A station needs an address.", TrackingErrorCode.REQUIRED)
    if capacity < 1:
        raise refuse("capacity", "Capacity is at least one parcel.", TrackingErrorCode.INVALID)
    return VillageStation.objects.create(
        village=village,
        name=name,
        address=address.strip(),
        opening_hours=opening_hours,
        capacity=capacity,
        operator=operator,
        red_supermarket_name=red_supermarket_name,
    )
