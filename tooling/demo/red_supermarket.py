"""The Red Supermarket part of the demo: a supermarket in two villages (坝卡, 冰岛), each
with its own warehouse stocked with daily goods (soy sauce, rice, cooking oil, salt,
detergent…) carrying valid EAN-13 barcodes, priced in the `village-counter` channel, a
quick-key grid, and an operator login. Everything is looked up by natural key first (the
supermarket by shop, goods by slug, stock by warehouse and variant, keys by position), so
a rerun adds nothing."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile

from logistics.stations.models import VillageStation
from marketplace.accounts.models import Role, RoleAssignment
from marketplace.catalog import services as catalog
from marketplace.catalog.models import OfferingKind, Product
from marketplace.inventory.models import Stock, Warehouse
from marketplace.red_supermarket.barcodes import ean13_check_digit
from marketplace.red_supermarket.models import QuickKey, RedSupermarket
from marketplace.red_supermarket.services import red_supermarket_create
from tooling.demo.images import product_image

# (shop slug, numbering prefix of its fictional barcodes, operator e-mail or None when the
# shared demo logins already hold it).
SUPERMARKETS = (
    ("baka-mountain", "6923001", "operator.baka@ruralmart.example"),
    ("bingdao-tea", "6923002", "operator.bingdao@ruralmart.example"),
)
# (key, name, variant name, counter price, units in stock, quick key position or None)
DAILY_GOODS = (
    ("soy-sauce", "生抽酱油", "500毫升", "8.50", 60, 1),
    ("rice", "滇南香米", "5千克", "39.90", 40, 2),
    ("rapeseed-oil", "压榨菜籽油", "5升", "79.00", 24, 3),
    ("salt", "加碘精制食盐", "400克", "2.50", 100, 4),
    ("detergent", "洗衣粉", "1.5千克", "16.80", 30, 5),
    ("dish-soap", "洗洁精", "1.29千克", "12.90", 30, 6),
    ("noodles", "鸡蛋挂面", "1千克", "9.90", 50, 7),
    ("vinegar", "陈醋", "420毫升", "6.50", 40, None),
    ("toilet-paper", "卫生纸", "10卷", "22.00", 30, None),
    ("soap", "香皂", "125克", "4.50", 60, None),
)

URBAN_MARKUP = Decimal("1.10")
CENT = Decimal("0.01")


def barcode(prefix: str, item: int) -> str:
    body = f"{prefix}{item:05d}"
    return body + str(ean13_check_digit(body))


def load_red_supermarkets(
    loader: Any, *, login: Callable[..., Any], password: str, known_emails: set[str]
) -> list[Any]:
    """Create what is missing; returns the logins (built with `login`) of the operators the
    shared demo logins do not already list."""
    logins = []
    for shop_slug, prefix, operator_email in SUPERMARKETS:
        shop = loader.shops[shop_slug]
        supermarket = RedSupermarket.objects.filter(shop=shop).first()
        if supermarket is None:
            warehouse, _ = Warehouse.objects.get_or_create(
                slug=f"red-supermarket-{shop_slug}",
                defaults={
                    "shop": shop,
                    "name": f"{shop.village.name}红色超市库房",
                    "is_village_station": False,
                },
            )
            station = VillageStation.objects.filter(
                village=shop.village, red_supermarket__isnull=True
            ).first()
            supermarket = red_supermarket_create(
                shop=shop,
                warehouse=warehouse,
                station=station,
                name=f"{shop.village.name}红色超市",
                address=f"{shop.village.name}村委会一楼",
                opening_hours="07:30–21:00",
            )
        _load_goods(loader, supermarket, prefix)
        operator = loader.person(
            operator_email,
            first_name=f"{shop.village.name}红色超市",
            last_name="店员",
            is_staff=True,
        )
        RoleAssignment.objects.get_or_create(
            user=operator, role=Role.SUPERMARKET_OPERATOR, shop=shop
        )
        if operator_email in known_emails:
            continue
        logins.append(
            login(
                email=operator_email,
                password=password,
                role=Role.SUPERMARKET_OPERATOR,
                role_label=f"{Role.SUPERMARKET_OPERATOR.label} · 收银台 /counter/",
                scope=supermarket.name,
            )
        )
    return logins


def _load_goods(loader: Any, supermarket: RedSupermarket, prefix: str) -> None:
    shop = supermarket.shop
    counter = loader.channels["village-counter"]
    urban = loader.channels["urban-retail"]
    for index, (key, name, size, price, units, position) in enumerate(DAILY_GOODS, start=1):
        slug = f"{shop.slug}-rs-{key}"
        product = Product.objects.filter(slug=slug).first()
        if product is None:
            product = catalog.product_create(
                actor=loader.admin,
                shop=shop,
                product_type=loader.product_type_rows["goods"],
                name=name,
                slug=slug,
                offering_kind=OfferingKind.GOODS,
                category=loader.categories["daily-goods"],
                description=f"{supermarket.name}在售的日用品。",
                details={"weight_grams": 500},
            )
            variant = catalog.variant_create(
                actor=loader.admin,
                product=product,
                sku=f"RS-{shop.slug}-{key}",
                name=size,
                # The shop may sell them online too, a little dearer, as every demo good.
                prices={
                    counter: Decimal(price),
                    urban: (Decimal(price) * URBAN_MARKUP).quantize(CENT),
                },
            )
            variant.barcode = barcode(prefix, index)
            variant.save(update_fields=["barcode"])
            for channel in (counter, urban):
                catalog.product_channel_listing_update(
                    actor=loader.admin, product=product, channel=channel, is_published=True
                )
            catalog.product_media_add(
                actor=loader.admin,
                product=product,
                image=ContentFile(
                    product_image(key=slug, palette="daily-goods", motif="goods"),
                    name=f"{slug}.jpg",
                ),
                alt=name,
            )
        sold = product.variants.order_by("pk").first()
        assert sold is not None
        Stock.objects.get_or_create(
            warehouse=supermarket.warehouse, product_variant=sold, defaults={"quantity": units}
        )
        if position is not None:
            QuickKey.objects.get_or_create(
                supermarket=supermarket,
                position=position,
                defaults={"variant": sold, "label": name[-4:]},
            )
