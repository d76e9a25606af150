"""Writes for Red Supermarkets."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from logistics.stations.models import VillageStation
from marketplace.core.errors import refuse
from marketplace.inventory.models import Warehouse
from marketplace.organisations.models import Shop
from marketplace.red_supermarket.error_codes import RedSupermarketErrorCode
from marketplace.red_supermarket.models import RedSupermarket


@transaction.atomic
def red_supermarket_create(
    *,
    shop: Shop,
    warehouse: Warehouse,
    name: str,
    address: str,
    station: VillageStation | None = None,
    opening_hours: str = "",
) -> RedSupermarket:
    """Open the supermarket of `shop`, selling from `warehouse` and hosting `station`."""
    if warehouse.shop_id != shop.pk:
        raise refuse(
            "warehouse",
            f"Warehouse {warehouse.name} belongs to another shop.",
            RedSupermarketErrorCode.WRONG_SHOP,
        )
    if station is not None and station.village_id != shop.village_id:
        raise refuse(
            "station",
            f"Station {station.name} is in another village.",
            RedSupermarketErrorCode.WRONG_SHOP,
        )
    if not name.strip() or not address.strip():
        raise refuse(
            "name" if not name.strip() else "address",
            "A Red Supermarket needs a name and an address.",
            RedSupermarketErrorCode.REQUIRED,
        )
    try:
        with transaction.atomic():
            return RedSupermarket.objects.create(
                shop=shop,
                warehouse=warehouse,
                station=station,
                name=name.strip(),
                address=address.strip(),
                opening_hours=opening_hours,
            )
    except IntegrityError as exc:
        raise refuse(
            "shop",
            f"{shop.name} already has a Red Supermarket, or its warehouse or station is taken.",
            RedSupermarketErrorCode.ALREADY_EXISTS,
        ) from exc
