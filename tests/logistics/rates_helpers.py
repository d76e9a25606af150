"""Builders for the zone and rate tests: shops in the real 双江 county (so the checkout
helpers' address resolves), zones, and express methods priced by zone."""

from __future__ import annotations

from decimal import Decimal

from logistics import services
from logistics.models import (
    DeliveryMethod,
    DeliveryMethodKind,
    DeliveryRate,
    ShippingZone,
    ShopShippingPolicy,
)
from marketplace.divisions.models import County, Township, Village
from marketplace.organisations.models import Shop
from tests import factories

SHUANGJIANG = "530925"
MENGKU = "530925101"
BINGDAO = "530925101201"


def shuangjiang() -> County:
    """The demo county with its real name, and 勐库镇 冰岛村 in it (the helpers' ADDRESS)."""
    county, _ = County.objects.get_or_create(
        code=SHUANGJIANG,
        defaults={
            "name": "双江拉祜族佤族布朗族傣族自治县",
            "slug": "shuangjiang",
            "province": "云南省",
            "prefecture": "临沧市",
        },
    )
    township, _ = Township.objects.get_or_create(
        code=MENGKU, defaults={"county": county, "name": "勐库镇", "slug": "mengku"}
    )
    Village.objects.get_or_create(
        code=BINGDAO, defaults={"township": township, "name": "冰岛村", "slug": "bingdao"}
    )
    return county


def rated_shop(*, flat: str = "12.00") -> Shop:
    """A shop in a village of 勐库镇 (双江) with flat express and pickup at its station,
    like the checkout helpers' shops. Its village code is drawn apart from the real ones
    and the factories' (which number within a county the same way)."""
    shuangjiang()
    township = Township.objects.get(code=MENGKU)
    village = factories.village(
        township_obj=township, code=f"{MENGKU}{factories.n() % 600 + 400:03d}"
    )
    shop = factories.shop(village_obj=village)
    DeliveryMethod.objects.create(
        shop=shop, kind=DeliveryMethodKind.EXPRESS_FLAT, name="快递", price_amount=Decimal(flat)
    )
    DeliveryMethod.objects.create(
        shop=shop,
        kind=DeliveryMethodKind.VILLAGE_PICKUP,
        name="村服务站自提",
        pickup_warehouse=shop.warehouses.first(),
    )
    return shop


def express_of(shop: Shop) -> DeliveryMethod:
    return DeliveryMethod.objects.get(shop=shop, kind=DeliveryMethodKind.EXPRESS_FLAT)


def zone(shop: Shop, name: str, *prefixes: str, surcharge: str = "0.00") -> ShippingZone:
    created = ShippingZone.objects.create(
        shop=shop, name=name, remote_surcharge_amount=Decimal(surcharge)
    )
    services.shipping_zone_set_prefixes(zone=created, prefixes=prefixes)
    return created


def rate(
    method: DeliveryMethod,
    zone_obj: ShippingZone,
    *,
    first_grams: int = 1000,
    first: str = "10.00",
    step_grams: int = 1000,
    step: str = "5.00",
    serves: bool = True,
) -> DeliveryRate:
    return DeliveryRate.objects.create(
        method=method,
        zone=zone_obj,
        serves=serves,
        first_weight_grams=first_grams,
        first_price_amount=Decimal(first),
        step_grams=step_grams,
        step_price_amount=Decimal(step),
    )


def free_above(shop: Shop, amount: str) -> ShopShippingPolicy:
    return ShopShippingPolicy.objects.create(shop=shop, free_above_amount=Decimal(amount))
