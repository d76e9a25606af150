"""A logged-in parcel and a dispatch for the back office's world fixture."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from logistics.parcels.models import ParcelDispatch, StationParcel
from tests.logistics.conftest import station_in


def add_parcels(built: Any) -> None:
    station = station_in(built.shop_c.village)
    StationParcel.objects.create(
        station=station,
        carrier="zhongtong",
        waybill="73100012345678",
        recipient_phone="13800138000",
        pickup_code_hash="0" * 64,
        arrived_at=built.platform_admin.date_joined,
        logged_in_by=station.operator,
    )
    ParcelDispatch.objects.create(
        station=station,
        request_id=uuid.UUID(int=1),
        carrier="zhongtong",
        waybill="73100012345679",
        sender_phone="13800138000",
        weight_grams=800,
        fee_amount=Decimal("8.00"),
        created_by=station.operator,
    )
