"""Seed a bench catalog: divisions, approved village shops and realistic Chinese products.

Rows go in with `bulk_create`, a chunk of products (and everything hanging off them) per
transaction, because going through the per-object services would take most of an hour for
10,000 products. The result must still satisfy everything the services guarantee: the
cached min/max price on each product listing equals its variants' prices, tourism variants
do not track stock, consigned variants name a household of the shop's village, and every
product has a search document, built by the catalog's own
`products_refresh_search_document`.

Names are drawn from word lists ({village} + {modifier} + {product}) with a fixed random
seed, so the same counts always give the same catalog and a search such as 古树茶 finds a
realistic share of it (a few per cent).
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from marketplace.catalog.models import (
    BeneficiaryKind,
    Category,
    OfferingKind,
    Product,
    ProductChannelListing,
    ProductMedia,
    ProductType,
    ProductVariant,
    ProductVariantChannelListing,
    Storage,
    Thumbnail,
)
from marketplace.catalog.services import (
    category_create,
    editorjs_from_text,
    products_refresh_search_document,
)
from marketplace.channels.models import Channel
from marketplace.divisions.models import County, Township, Village
from marketplace.inventory.models import Stock, Warehouse
from marketplace.organisations.models import (
    Household,
    HouseholdCategory,
    PartyOrganisation,
    Shop,
    ShopStatus,
)

RANDOM_SEED = 20260101
PRODUCT_CHUNK = 1000
SEARCH_CHUNK = 500
CENT = Decimal("0.01")
URBAN_CHANNEL = "urban-retail"
COUNTER_CHANNEL = "village-counter"
IMAGE_NAME = "bench/product.jpg"


class ProgressBar(Protocol):
    def update(self, n: int) -> object: ...

    def close(self) -> None: ...


# Makes a progress bar from (total, description); tqdm's constructor fits.
ProgressFactory = Callable[[int, str], ProgressBar]


class SeedRefused(RuntimeError):
    """The seeder will not write into a database that already holds a catalog."""


# --- Word lists ---------------------------------------------------------------------------

# (county code, name, slug, province, prefecture, [(township code, name, slug), ...])
_COUNTIES = (
    (
        "530925",
        "双江拉祜族佤族布朗族傣族自治县",
        "shuangjiang",
        "云南省",
        "临沧市",
        (
            ("530925101", "勐勐镇", "mengmeng"),
            ("530925102", "勐库镇", "mengku"),
            ("530925200", "沙河乡", "shahe"),
            ("530925201", "大文乡", "dawen"),
            ("530925202", "忙糯乡", "mangnuo"),
            ("530925203", "邦丙乡", "bangbing"),
        ),
    ),
    (
        "370405",
        "台儿庄区",
        "taierzhuang",
        "山东省",
        "枣庄市",
        (
            ("370405101", "涧头集镇", "jiantouji"),
            ("370405102", "马兰屯镇", "malantun"),
            ("370405103", "张山子镇", "zhangshanzi"),
            ("370405104", "邳庄镇", "pizhuang"),
        ),
    ),
)

_VILLAGES = (
    "冰岛",
    "坝糯",
    "懂过",
    "公弄",
    "那焦",
    "大户赛",
    "小户赛",
    "东来",
    "忙那",
    "南美",
    "丙山",
    "帮骂",
    "邦改",
    "那赛",
    "那蚌",
    "亥公",
    "大南直",
    "户那",
    "允俸",
    "大曼糯",
    "景亢",
    "忙蚌",
    "坝卡",
    "邦协",
    "大平掌",
    "南协",
    "章外",
    "小黑山",
    "白岩",
    "营盘",
    "侯塘",
    "孟庄",
    "后楼",
    "兰城",
    "姚庄",
    "王场",
    "西湖",
    "柏山",
    "贾庄",
    "双庙",
    "顿庄",
    "徐楼",
    "胡庄",
    "黄林",
    "杨楼",
    "南洛",
    "邵庄",
    "古城",
    "泥沟",
    "薛庄",
)
_VILLAGE_ROUNDS = ("", "新", "上", "下", "东", "西")
_SHOP_SUFFIXES = ("村货铺", "特产馆", "党支部农品店", "山货铺", "乡味坊")
_SURNAMES = "李张王刘陈杨赵黄周吴徐孙马朱胡郭何罗高林"


@dataclass(frozen=True)
class Line:
    """A product line: what its products are called, cost and come in."""

    key: str
    share: int
    category: str
    product_type: str
    kind: str
    nouns: tuple[str, ...]
    modifiers: tuple[str, ...]
    base_price: tuple[int, int]
    # (variant name, price multiplier, weight in grams or None)
    variants: tuple[tuple[str, Decimal, int | None], ...]
    details: dict[str, Any]
    blurb: str


_PRODUCE_MODIFIERS = (
    "古树",
    "野生",
    "有机",
    "高山",
    "生态",
    "头春",
    "农家",
    "手工",
    "原生态",
    "特级",
)
_WEIGHTS = (
    ("250克", Decimal("1"), 250),
    ("500克", Decimal("1.9"), 500),
    ("1千克", Decimal("3.6"), 1000),
)
_PRODUCE = {"storage": Storage.AMBIENT, "shelf_life_days": 540, "harvest_season": "3月–5月"}

LINES: tuple[Line, ...] = (
    Line(
        "tea",
        30,
        "tea",
        "tea",
        OfferingKind.PRODUCE,
        ("普洱茶", "红茶", "白茶", "绿茶", "滇红", "生普饼茶", "熟普砖茶"),
        _PRODUCE_MODIFIERS,
        (68, 880),
        _WEIGHTS,
        _PRODUCE,
        "村里茶农按老规矩采摘、萎凋、揉捻，一芽两叶。",
    ),
    Line(
        "nuts",
        12,
        "nuts",
        "nuts",
        OfferingKind.PRODUCE,
        ("核桃", "板栗", "澳洲坚果", "花生", "松子"),
        _PRODUCE_MODIFIERS,
        (28, 160),
        _WEIGHTS,
        {**_PRODUCE, "harvest_season": "9月–10月"},
        "秋收后自然晾晒，颗粒饱满，不添加任何香精。",
    ),
    Line(
        "honey",
        8,
        "honey",
        "honey",
        OfferingKind.PRODUCE,
        ("蜂蜜", "土蜂蜜", "蜂巢蜜", "百花蜜"),
        _PRODUCE_MODIFIERS,
        (48, 260),
        _WEIGHTS,
        {**_PRODUCE, "shelf_life_days": 720, "harvest_season": "5月–11月"},
        "中华蜂在山林里自由采蜜，一年只取一次成熟蜜。",
    ),
    Line(
        "grain",
        12,
        "grain-oil",
        "grain",
        OfferingKind.PRODUCE,
        ("大米", "红米", "小米", "荞麦面", "菜籽油", "玉米糁"),
        _PRODUCE_MODIFIERS,
        (18, 98),
        _WEIGHTS,
        {**_PRODUCE, "shelf_life_days": 365, "harvest_season": "9月–11月"},
        "梯田里种出来的粮食，石碾加工，当季新粮。",
    ),
    Line(
        "fruit",
        14,
        "fresh-fruit",
        "fruit",
        OfferingKind.PRODUCE,
        ("石榴", "芒果", "冬桃", "沃柑", "冬枣", "猕猴桃"),
        ("高山", "生态", "农家", "有机", "软籽", "当季"),
        (25, 138),
        _WEIGHTS,
        {"storage": Storage.CHILLED, "shelf_life_days": 20, "harvest_season": "8月–12月"},
        "树上熟透才摘，村里当天打包发出，冷链到家。",
    ),
    Line(
        "goods",
        12,
        "local-goods",
        "local-goods",
        OfferingKind.GOODS,
        ("腊肉", "手工红糖", "竹编茶篮", "粗布围裙", "辣椒酱", "豆豉"),
        ("农家", "手工", "老字号", "土法", "古法"),
        (15, 120),
        _WEIGHTS,
        {},
        "村里老手艺人做的，按老方子，不赶工。",
    ),
    Line(
        "homestay",
        6,
        "homestays",
        "homestay",
        OfferingKind.HOMESTAY,
        ("民宿", "茶园民宿", "农家小院", "山景客栈"),
        ("山景", "茶园", "古寨", "云海", "竹林"),
        (168, 680),
        (
            ("标准间", Decimal("1"), None),
            ("大床房", Decimal("1.3"), None),
            ("家庭套房", Decimal("2"), None),
        ),
        {"rooms": 6, "nightly_capacity": 14},
        "由村集体闲置农房改造，收益按户分红，管家是本村村民。",
    ),
    Line(
        "experience",
        6,
        "farm-experiences",
        "experience",
        OfferingKind.EXPERIENCE,
        ("采茶体验", "制茶体验", "石榴采摘", "农耕体验", "蜂蜜采收体验"),
        ("古树", "生态", "亲子", "半日", "一日"),
        (38, 198),
        (
            ("单人", Decimal("1"), None),
            ("双人", Decimal("1.9"), None),
            ("亲子(2大1小)", Decimal("2.6"), None),
        ),
        {"seats_per_date": 20},
        "跟着村里的老师傅下地，午饭在农户家吃。",
    ),
)

# (slug, name, parent slug or None)
_CATEGORIES = (
    ("produce", "农特产品", None),
    ("tea", "茶叶", "produce"),
    ("nuts", "坚果炒货", "produce"),
    ("honey", "蜂产品", "produce"),
    ("grain-oil", "粮油米面", "produce"),
    ("fresh-fruit", "新鲜水果", "produce"),
    ("local-goods", "农家特产", "produce"),
    ("rural-tourism", "乡村旅游", None),
    ("homestays", "民宿", "rural-tourism"),
    ("farm-experiences", "农事体验", "rural-tourism"),
)
# (slug, name, shipping required)
_PRODUCT_TYPES = (
    ("tea", "茶叶", True),
    ("nuts", "坚果", True),
    ("honey", "蜂蜜", True),
    ("grain", "粮油", True),
    ("fruit", "水果", True),
    ("local-goods", "农家特产", True),
    ("homestay", "民宿", False),
    ("experience", "乡村体验", False),
)


@dataclass(frozen=True)
class SeedResult:
    shops: int
    products: int
    variants: int
    search_documents: int


@dataclass
class _Context:
    rng: random.Random
    now: Any
    shops: list[Shop]
    warehouses: dict[int, int]
    households: dict[int, list[int]]
    categories: dict[str, Category]
    product_types: dict[str, ProductType]
    urban: Channel
    counter: Channel
    image_name: str


class _Silent:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _silent(total: int, desc: str) -> ProgressBar:
    return _Silent()


def tqdm_progress(total: int, desc: str) -> ProgressBar:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=" products", dynamic_ncols=True)


def seed(
    *,
    products: int = 10_000,
    shops: int = 50,
    variants_per_product: int = 3,
    progress: ProgressFactory | None = None,
) -> SeedResult:
    """Seed `products` products × `variants_per_product` variants across `shops` shops.

    Refuses a database that already has products: the bench owns its database outright.
    """
    if products < 1 or shops < 1:
        raise ValueError("seed needs at least one shop and one product")
    if not 1 <= variants_per_product <= 3:
        raise ValueError("a bench product has one to three variants")
    if Product.objects.exists():
        raise SeedRefused("This database already has products; the bench seeds an empty one.")
    make_bar = progress or _silent
    rng = random.Random(RANDOM_SEED)
    with transaction.atomic():
        ctx = _Context(
            rng=rng,
            now=timezone.now(),
            shops=_seed_shops(count=shops, rng=rng),
            warehouses={},
            households={},
            categories=_seed_categories(),
            product_types=_seed_product_types(),
            urban=_channel(URBAN_CHANNEL, "城市零售"),
            counter=_channel(COUNTER_CHANNEL, "村级柜台"),
            image_name=_ensure_image_files(),
        )
        ctx.warehouses = {w.shop_id: w.pk for w in Warehouse.objects.filter(shop__in=ctx.shops)}
        for household in Household.objects.filter(village__shops__in=ctx.shops):
            ctx.households.setdefault(household.village_id, []).append(household.pk)

    product_ids: list[int] = []
    variant_count = 0
    bar = make_bar(products, "catalog rows")
    try:
        for start in range(0, products, PRODUCT_CHUNK):
            with transaction.atomic():
                ids, made = _seed_product_chunk(
                    ctx,
                    start=start,
                    stop=min(start + PRODUCT_CHUNK, products),
                    variants=variants_per_product,
                )
            product_ids += ids
            variant_count += made
            bar.update(len(ids))
    finally:
        bar.close()

    documents = 0
    bar = make_bar(len(product_ids), "search documents")
    try:
        for i in range(0, len(product_ids), SEARCH_CHUNK):
            with transaction.atomic():
                done = products_refresh_search_document(
                    product_ids=product_ids[i : i + SEARCH_CHUNK]
                )
            documents += done
            bar.update(done)
    finally:
        bar.close()
    with connection.cursor() as cursor:
        # Fresh statistics, or the planner guesses row counts of freshly loaded tables.
        cursor.execute("ANALYZE")
    return SeedResult(
        shops=len(ctx.shops),
        products=len(product_ids),
        variants=variant_count,
        search_documents=documents,
    )


def _channel(slug: str, name: str) -> Channel:
    channel, _ = Channel.objects.get_or_create(
        slug=slug, defaults={"name": name, "currency_code": "CNY", "default_country": "CN"}
    )
    return channel


def _village_name(index: int) -> str:
    base = _VILLAGES[index % len(_VILLAGES)]
    round_ = index // len(_VILLAGES)
    if round_ < len(_VILLAGE_ROUNDS):
        return f"{_VILLAGE_ROUNDS[round_]}{base}" if round_ else base
    return f"{base}{round_}"


def _seed_shops(*, count: int, rng: random.Random) -> list[Shop]:
    townships: list[Township] = []
    for code, name, slug, province, prefecture, township_rows in _COUNTIES:
        county, _ = County.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "slug": f"bench-{slug}",
                "province": province,
                "prefecture": prefecture,
            },
        )
        for t_code, t_name, t_slug in township_rows:
            township, _ = Township.objects.get_or_create(
                code=t_code, defaults={"county": county, "name": t_name, "slug": f"bench-{t_slug}"}
            )
            townships.append(township)
    per_township: dict[int, int] = {}
    villages = []
    for i in range(count):
        township = townships[i % len(townships)]
        seq = per_township[township.pk] = per_township.get(township.pk, 0) + 1
        villages.append(
            Village(
                township=township,
                code=f"{township.code}{200 + seq:03d}",
                name=f"{_village_name(i)}村",
                slug=f"bench-village-{i + 1:04d}",
            )
        )
    villages = Village.objects.bulk_create(villages)
    organisations = PartyOrganisation.objects.bulk_create(
        PartyOrganisation(village=v, name=f"{v.name}党支部", secretary_title="村党支部书记")
        for v in villages
    )
    now = timezone.now()
    shops = Shop.objects.bulk_create(
        Shop(
            party_organisation=org,
            village=village,
            name=f"{village.name.removesuffix('村')}{_SHOP_SUFFIXES[i % len(_SHOP_SUFFIXES)]}",
            slug=f"bench-shop-{i + 1:04d}",
            description=f"{village.name}党支部领办的网店，卖本村的特产和乡村旅游。",
            status=ShopStatus.APPROVED,
            approved_at=now,
        )
        for i, (org, village) in enumerate(zip(organisations, villages, strict=True))
    )
    Warehouse.objects.bulk_create(
        Warehouse(
            shop=shop,
            name=f"{shop.village.name}村级服务站",
            slug=f"bench-station-{i + 1:04d}",
            street_address=f"{shop.village.name}村委会旁",
        )
        for i, shop in enumerate(shops)
    )
    Household.objects.bulk_create(
        Household(
            village=village,
            reference=f"BH{i + 1:04d}{k}",
            category=(HouseholdCategory.FORMERLY_POOR, HouseholdCategory.MONITORED_AT_RISK)[k % 2],
            member_count=rng.randint(2, 6),
            head_name=f"{rng.choice(_SURNAMES)}某",
        )
        for i, village in enumerate(villages)
        for k in range(2)
    )
    return shops


def _seed_categories() -> dict[str, Category]:
    found: dict[str, Category] = {}
    for slug, name, parent in _CATEGORIES:
        existing = Category.objects.filter(slug=slug).first()
        found[slug] = existing or category_create(
            name=name, slug=slug, parent=found[parent] if parent else None
        )
    return found


def _seed_product_types() -> dict[str, ProductType]:
    return {
        slug: ProductType.objects.get_or_create(
            slug=slug, defaults={"name": name, "is_shipping_required": shipping}
        )[0]
        for slug, name, shipping in _PRODUCT_TYPES
    }


def _ensure_image_files() -> str:
    """One small product photo plus its thumbnails, shared by every bench product."""
    from PIL import Image, ImageDraw

    if not default_storage.exists(IMAGE_NAME):
        image = Image.new("RGB", (1024, 1024), (214, 232, 196))
        draw = ImageDraw.Draw(image)
        for ring in range(0, 512, 32):
            shade = 150 + ring // 8
            draw.ellipse((ring, ring, 1024 - ring, 1024 - ring), outline=(60, shade, 70), width=10)
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=80)
        default_storage.save(IMAGE_NAME, ContentFile(buffer.getvalue()))
    for size in settings.THUMBNAIL_SIZES:
        name = _thumbnail_name(size)
        if default_storage.exists(name):
            continue
        with default_storage.open(IMAGE_NAME, "rb") as source:
            thumbnail = Image.open(source).convert("RGB")
        thumbnail.thumbnail((size, size))
        buffer = io.BytesIO()
        thumbnail.save(buffer, format="WEBP", quality=82)
        default_storage.save(name, ContentFile(buffer.getvalue()))
    return IMAGE_NAME


def _thumbnail_name(size: int) -> str:
    return f"bench/thumbnail-{size}.webp"


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _pick_line(rng: random.Random) -> Line:
    return rng.choices(LINES, weights=[line.share for line in LINES])[0]


def _seed_product_chunk(
    ctx: _Context, *, start: int, stop: int, variants: int
) -> tuple[list[int], int]:
    rng = ctx.rng
    plans = []
    new_products = []
    for index in range(start, stop):
        shop = ctx.shops[index % len(ctx.shops)]
        line = _pick_line(rng)
        village = shop.village.name.removesuffix("村")
        name = f"{village}{rng.choice(line.modifiers)}{rng.choice(line.nouns)}"
        text = f"{shop.village.name}{line.blurb}{shop.name}直接发货，收益进村集体账。"
        base = Decimal(rng.randint(*line.base_price)) + Decimal(
            rng.choice(("0", "0.5", "0.8", "0.9"))
        )
        on_counter = line.kind in (OfferingKind.PRODUCE, OfferingKind.GOODS) and index % 3 == 0
        plans.append((shop, line, base, on_counter))
        new_products.append(
            Product(
                shop=shop,
                product_type=ctx.product_types[line.product_type],
                category=ctx.categories[line.category],
                name=name,
                slug=f"bench-{line.key}-{index + 1:06d}",
                description=editorjs_from_text(text),
                description_plaintext=text,
                seo_title=name[:128],
                offering_kind=line.kind,
                weight_grams=line.variants[0][2]
                if line.kind in (OfferingKind.PRODUCE, OfferingKind.GOODS)
                else None,
                rating=round(rng.uniform(3.6, 5.0), 1),
                **line.details,
            )
        )
    created = Product.objects.bulk_create(new_products, batch_size=PRODUCT_CHUNK)

    new_variants: list[ProductVariant] = []
    prices: list[tuple[Decimal, bool]] = []
    for product, (shop, line, base, on_counter) in zip(created, plans, strict=True):
        consign_to = ctx.households.get(shop.village_id, [])
        tourism = line.kind in (OfferingKind.HOMESTAY, OfferingKind.EXPERIENCE)
        for position, (variant_name, multiplier, grams) in enumerate(line.variants[:variants]):
            # About one produce variant in ten is a household's consignment (代卖).
            household = (
                rng.choice(consign_to)
                if consign_to and not tourism and rng.random() < 0.1
                else None
            )
            new_variants.append(
                ProductVariant(
                    product=product,
                    sku=f"BENCH-{product.slug.rsplit('-', 1)[-1]}-{position + 1}",
                    name=variant_name,
                    sort_order=position,
                    weight_grams=grams,
                    track_inventory=not tourism,
                    beneficiary_kind=BeneficiaryKind.HOUSEHOLD
                    if household
                    else BeneficiaryKind.COLLECTIVE,
                    beneficiary_household_id=household,
                )
            )
            prices.append((_money(base * multiplier), on_counter))
    made_variants = ProductVariant.objects.bulk_create(new_variants, batch_size=3000)

    variant_listings = []
    stocks = []
    ranges: dict[tuple[int, int], list[Decimal]] = {}
    for variant, (price, on_counter) in zip(made_variants, prices, strict=True):
        listed = [(ctx.urban, price)]
        if on_counter:
            listed.append((ctx.counter, _money(price * Decimal("0.92"))))
        for channel, amount in listed:
            variant_listings.append(
                ProductVariantChannelListing(
                    variant=variant,
                    channel=channel,
                    currency=channel.currency_code,
                    price_amount=amount,
                    cost_price_amount=_money(amount * Decimal("0.6")),
                )
            )
            ranges.setdefault((variant.product_id, channel.pk), []).append(amount)
        if variant.track_inventory:
            stocks.append(
                Stock(
                    warehouse_id=ctx.warehouses[variant.product.shop_id],
                    product_variant=variant,
                    quantity=rng.randint(20, 500),
                )
            )
    ProductVariantChannelListing.objects.bulk_create(variant_listings, batch_size=3000)
    Stock.objects.bulk_create(stocks, batch_size=3000)

    listings = []
    for (product_id, channel_id), amounts in ranges.items():
        published_at = ctx.now - timedelta(days=rng.randint(1, 365))
        listings.append(
            ProductChannelListing(
                product_id=product_id,
                channel_id=channel_id,
                is_published=True,
                published_at=published_at,
                visible_in_listings=True,
                available_for_purchase_at=published_at,
                min_price_amount=min(amounts),
                max_price_amount=max(amounts),
            )
        )
    ProductChannelListing.objects.bulk_create(listings, batch_size=3000)

    media = ProductMedia.objects.bulk_create(
        (ProductMedia(product=p, image=ctx.image_name, alt=p.name, sort_order=0) for p in created),
        batch_size=PRODUCT_CHUNK,
    )
    Thumbnail.objects.bulk_create(
        (
            Thumbnail(media=m, size=size, image=_thumbnail_name(size))
            for m in media
            for size in settings.THUMBNAIL_SIZES
        ),
        batch_size=4000,
    )
    return [p.pk for p in created], len(made_variants)
