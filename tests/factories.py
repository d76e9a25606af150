"""Plain builder functions for tests: each makes one valid object with sensible defaults.

They write through the domain services where a service exists, so tests exercise the same
paths as the product.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from marketplace.accounts.models import Role, RoleAssignment, User
from marketplace.catalog import services as catalog
from marketplace.catalog.models import Category, OfferingKind, Product, ProductType, ProductVariant
from marketplace.channels.models import Channel
from marketplace.divisions.models import County, Township, Village
from marketplace.inventory.models import Stock, Warehouse
from marketplace.organisations.models import Household, PartyOrganisation, Shop, ShopStatus
from marketplace.red_supermarket.models import RedSupermarket
from marketplace.red_supermarket.services import red_supermarket_create

_seq = itertools.count(1)


def n() -> int:
    return next(_seq)


def county(**kw: Any) -> County:
    i = n()
    defaults = {
        "code": f"{530900 + i:06d}"[-6:],
        "name": f"测试县{i}",
        "slug": f"county-{i}",
        "province": "云南省",
        "prefecture": "临沧市",
    }
    return County.objects.create(**{**defaults, **kw})


def township(*, county_obj: County | None = None, **kw: Any) -> Township:
    county_obj = county_obj or county()
    i = n()
    defaults = {
        "county": county_obj,
        "code": f"{county_obj.code}{i % 1000:03d}",
        "name": f"测试镇{i}",
        "slug": f"township-{i}",
    }
    return Township.objects.create(**{**defaults, **kw})


def village(*, township_obj: Township | None = None, **kw: Any) -> Village:
    township_obj = township_obj or township()
    i = n()
    defaults = {
        "township": township_obj,
        "code": f"{township_obj.code}{i % 1000:03d}",
        "name": f"测试村{i}",
        "slug": f"village-{i}",
    }
    return Village.objects.create(**{**defaults, **kw})


def shop(
    *, village_obj: Village | None = None, status: str = ShopStatus.APPROVED, **kw: Any
) -> Shop:
    from django.utils import timezone

    village_obj = village_obj or village()
    org = PartyOrganisation.objects.create(village=village_obj, name=f"{village_obj.name}党支部")
    i = n()
    defaults = {
        "party_organisation": org,
        "village": village_obj,
        "name": f"{village_obj.name}村货铺",
        "slug": f"shop-{i}",
        "status": status,
        "approved_at": timezone.now() if status == ShopStatus.APPROVED else None,
    }
    created = Shop.objects.create(**{**defaults, **kw})
    Warehouse.objects.create(shop=created, name=f"{created.name}仓", slug=f"wh-{created.slug}")
    return created


def household(*, village_obj: Village, **kw: Any) -> Household:
    i = n()
    defaults = {
        "village": village_obj,
        "reference": f"HT{i:08d}",
        "category": "FORMERLY_POOR",
        "member_count": 4,
        "head_name": "李小梅",
        "id_number": "53352519800101123X",
        "phone": "13812345678",
    }
    return Household.objects.create(**{**defaults, **kw})


def user(
    *,
    role: str | None = None,
    shop_obj: Shop | None = None,
    township_obj: Township | None = None,
    household_obj: Household | None = None,
    county_obj: County | None = None,
    password: str = "Village-pass-2026",
    **kw: Any,
) -> User:
    i = n()
    created = User.objects.create_user(
        email=kw.pop("email", f"user{i}@example.cn"), password=password, **kw
    )
    if role:
        RoleAssignment.objects.create(
            user=created,
            role=role,
            shop=shop_obj,
            township=township_obj,
            household=household_obj,
            county=county_obj,
        )
    return created


def platform_admin() -> User:
    return user(role=Role.PLATFORM_ADMIN, is_staff=True)


def channel(slug: str = "urban-retail", **kw: Any) -> Channel:
    obj, _ = Channel.objects.get_or_create(
        slug=slug, defaults={"name": slug.replace("-", " ").title(), **kw}
    )
    return obj


def product_type(**kw: Any) -> ProductType:
    i = n()
    return ProductType.objects.create(**{"name": f"类型{i}", "slug": f"type-{i}", **kw})


def category(**kw: Any) -> Category:
    i = n()
    return catalog.category_create(**{"name": f"分类{i}", "slug": f"category-{i}", **kw})


def product(
    *,
    shop_obj: Shop | None = None,
    channel_obj: Channel | None = None,
    name: str | None = None,
    price: Decimal | str = "25.00",
    stock: int = 10,
    variants: int = 1,
    offering_kind: str = OfferingKind.PRODUCE,
    category_obj: Category | None = None,
    published: bool = True,
    beneficiary: Household | None = None,
    **kw: Any,
) -> Product:
    """A product with `variants` priced variants, stocked in the shop's warehouse."""
    shop_obj = shop_obj or shop()
    channel_obj = channel_obj or channel()
    admin = platform_admin()
    i = n()
    details = {
        OfferingKind.PRODUCE: {"shelf_life_days": 365, "storage": "AMBIENT", "weight_grams": 500},
        OfferingKind.GOODS: {"weight_grams": 500},
        OfferingKind.HOMESTAY: {"rooms": 3, "nightly_capacity": 6},
        OfferingKind.EXPERIENCE: {"seats_per_date": 12},
    }[offering_kind]
    created = catalog.product_create(
        actor=admin,
        shop=shop_obj,
        product_type=kw.pop("product_type_obj", None) or product_type(),
        name=name or f"测试商品{i}",
        slug=kw.pop("slug", f"product-{i}"),
        offering_kind=offering_kind,
        category=category_obj,
        description=kw.pop("description", "山里来的好东西。"),
        details=details,
        **kw,
    )
    warehouse = shop_obj.warehouses.first()
    for v in range(variants):
        variant = catalog.variant_create(
            actor=admin,
            product=created,
            sku=f"SKU-{i}-{v}",
            name=f"规格{v}",
            prices={channel_obj: Decimal(price) + v},
            beneficiary_household=beneficiary,
        )
        if warehouse is not None and variant.track_inventory:
            Stock.objects.create(warehouse=warehouse, product_variant=variant, quantity=stock)
    catalog.product_channel_listing_update(
        actor=admin, product=created, channel=channel_obj, is_published=published
    )
    return created


def first_variant(product_obj: Product) -> ProductVariant:
    return product_obj.variants.order_by("pk").first()  # type: ignore[return-value]


def red_supermarket(*, shop_obj: Shop, **kw: Any) -> RedSupermarket:
    """The shop's supermarket, selling from a warehouse of its own (not the shop's online
    one), as the counter does."""
    i = n()
    warehouse = Warehouse.objects.create(
        shop=shop_obj, name=f"{shop_obj.name}红色超市仓", slug=f"wh-rs-{shop_obj.slug}-{i}"
    )
    return red_supermarket_create(
        shop=shop_obj,
        warehouse=warehouse,
        name=kw.pop("name", f"{shop_obj.village.name}红色超市"),
        address=kw.pop("address", f"{shop_obj.village.name}村委会旁"),
        **kw,
    )
