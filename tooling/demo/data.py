"""The demo content, as plain data.

The two counties, their codes and their township names are real; the township codes follow
the national statistical list as far as we know it, and the village codes are plausible
but made up. Every shop, person, household, ID number, phone number, certificate number,
trace code and inspection agency is fictional.

Natural keys tie the pieces together: division codes, shop and product slugs, SKUs,
e-mail addresses, and the household keys below (which map to fictional ID numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# --- Administrative divisions -------------------------------------------------------------


@dataclass(frozen=True)
class CountySpec:
    code: str
    name: str
    slug: str
    province: str
    prefecture: str


@dataclass(frozen=True)
class TownshipSpec:
    county: str  # county code
    code: str
    name: str
    slug: str


@dataclass(frozen=True)
class VillageSpec:
    township: str  # township code
    code: str
    name: str
    slug: str


COUNTIES = (
    CountySpec("530925", "双江拉祜族佤族布朗族傣族自治县", "shuangjiang", "云南省", "临沧市"),
    CountySpec("370405", "台儿庄区", "taierzhuang", "山东省", "枣庄市"),
)

TOWNSHIPS = (
    TownshipSpec("530925", "530925101", "勐库镇", "mengku"),
    TownshipSpec("530925", "530925200", "沙河乡", "shahe"),
    TownshipSpec("370405", "370405103", "涧头集镇", "jiantouji"),
    TownshipSpec("370405", "370405104", "马兰屯镇", "malantun"),
)

VILLAGES = (
    VillageSpec("530925101", "530925101201", "冰岛村", "bingdao"),
    VillageSpec("530925101", "530925101202", "坝卡村", "baka"),
    VillageSpec("530925101", "530925101205", "懂过村", "dongguo"),
    VillageSpec("530925200", "530925200203", "邦改村", "banggai"),
    VillageSpec("530925200", "530925200206", "南等村", "nandeng"),
    VillageSpec("370405103", "370405103211", "兰城村", "lancheng"),
    VillageSpec("370405103", "370405103214", "后湖村", "houhu"),
    VillageSpec("370405104", "370405104203", "马兰村", "malan"),
    VillageSpec("370405104", "370405104218", "前王庄村", "qianwangzhuang"),
)

# --- Shops --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShopSpec:
    village: str  # village slug
    slug: str
    name: str
    description: str
    manager_email: str
    approve: bool = True
    apply_reason: str = "村党支部申请开设村级网店，销售本村特色农产品。"
    recommend_reason: str = "经乡镇商务部门实地核查，货源、场地和人员符合开店条件，同意推荐。"
    approve_reason: str = "材料齐全，乡镇已推荐，平台审核通过。"


SHOPS = (
    ShopSpec(
        "bingdao",
        "bingdao-tea",
        "冰岛村集体茶坊",
        "冰岛老寨脚下的村集体茶坊，收村民古树鲜叶统一初制，也替村里的脱贫户代卖茶叶和蜂蜜。",
        "manager.bingdao@ruralmart.example",
        apply_reason="冰岛村党支部申请开设村集体茶坊网店，统一收购、初制和销售本村古树茶。",
    ),
    ShopSpec(
        "baka",
        "baka-mountain",
        "坝卡村集体山货铺",
        "坝卡村的大叶种茶、山地核桃和高山土蜂蜜，村党支部牵头统一品控。",
        "manager.baka@ruralmart.example",
    ),
    ShopSpec(
        "banggai",
        "banggai-produce",
        "邦改村集体农特产铺",
        "沙河乡邦改村的澳洲坚果、晚熟芒果和百花蜜，合作社统一分级包装。",
        "manager.banggai@ruralmart.example",
    ),
    ShopSpec(
        "nandeng",
        "nandeng-goods",
        "南等村集体好物铺",
        "南等村的古树滇红、软香米和冬蜜，还有傣家小院可以住上几晚。",
        "manager.nandeng@ruralmart.example",
    ),
    ShopSpec(
        "lancheng",
        "lancheng-canal",
        "兰城村集体运河好物铺",
        "运河边的兰城村：软籽石榴、冬枣和石磨面粉，村里老人手工摊的杂粮煎饼。",
        "manager.lancheng@ruralmart.example",
    ),
    ShopSpec(
        "houhu",
        "houhu-farm",
        "后湖村集体农家铺",
        "后湖村的石榴园和冬枣园，古法压榨花生油和老粗布，秋天可以来园里采摘。",
        "manager.houhu@ruralmart.example",
    ),
    ShopSpec(
        "malan",
        "malan-specialty",
        "马兰村集体特产铺",
        "马兰屯的小麦煎饼和石磨面粉，洋槐蜂蜜和农家小院。",
        "manager.malan@ruralmart.example",
    ),
    ShopSpec(
        "qianwangzhuang",
        "qianwangzhuang-canal",
        "前王庄村集体运河铺",
        "离台儿庄古城不远的前王庄村：运河大米、石榴礼盒、黑陶茶具和古城运河民宿。",
        "manager.qianwangzhuang@ruralmart.example",
    ),
    # Still waiting for the township's recommendation: shows the workflow's first step.
    ShopSpec(
        "dongguo",
        "dongguo-tea",
        "懂过村集体茶叶铺",
        "懂过村党支部正在申请开店，准备销售本村大叶种晒青毛茶。",
        "manager.dongguo@ruralmart.example",
        approve=False,
        apply_reason="懂过村党支部申请开设网店，现有茶园四百亩，已成立茶叶专业合作社。",
    ),
)

# --- Households ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HouseholdSpec:
    key: str
    village: str  # village slug
    category: str
    member_count: int
    head_name: str
    id_number: str
    phone: str


def _fictional_id(county_code: str, birth: str) -> str:
    """An 18-character ID with a valid check digit and sequence number 000.

    Real numbers start their sequence at 001, so these can never belong to anyone.
    """
    body = f"{county_code}{birth}000"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


HOUSEHOLDS = (
    HouseholdSpec("bd-li", "bingdao", "FORMERLY_POOR", 4, "李春华",
                  _fictional_id("530925", "19780312"), "13800001001"),
    HouseholdSpec("bd-zhang", "bingdao", "MONITORED_UNSTABLE", 3, "张玉兰",
                  _fictional_id("530925", "19820907"), "13800001002"),
    HouseholdSpec("bd-luo", "bingdao", "REGISTERED_POOR", 5, "罗国荣",
                  _fictional_id("530925", "19650121"), "13800001003"),
    HouseholdSpec("bk-wang", "baka", "FORMERLY_POOR", 5, "王建国",
                  _fictional_id("530925", "19710605"), "13800001004"),
    HouseholdSpec("bk-yang", "baka", "MONITORED_AT_RISK", 2, "杨秀英",
                  _fictional_id("530925", "19590430"), "13800001005"),
    HouseholdSpec("bg-liu", "banggai", "FORMERLY_POOR", 4, "刘文斌",
                  _fictional_id("530925", "19800817"), "13800001006"),
    HouseholdSpec("bg-chen", "banggai", "MONITORED_HARDSHIP", 3, "陈桂芳",
                  _fictional_id("530925", "19750223"), "13800001007"),
    HouseholdSpec("nd-zhao", "nandeng", "FORMERLY_POOR", 6, "赵志强",
                  _fictional_id("530925", "19690710"), "13800001008"),
    HouseholdSpec("nd-huang", "nandeng", "ORDINARY", 3, "黄丽华",
                  _fictional_id("530925", "19881102"), "13800001009"),
    HouseholdSpec("lc-sun", "lancheng", "FORMERLY_POOR", 4, "孙德明",
                  _fictional_id("370405", "19660915"), "13800002001"),
    HouseholdSpec("lc-zhou", "lancheng", "MONITORED_UNSTABLE", 2, "周淑珍",
                  _fictional_id("370405", "19550308"), "13800002002"),
    HouseholdSpec("hh-wu", "houhu", "FORMERLY_POOR", 5, "吴长青",
                  _fictional_id("370405", "19720126"), "13800002003"),
    HouseholdSpec("hh-zheng", "houhu", "ORDINARY", 4, "郑海燕",
                  _fictional_id("370405", "19850619"), "13800002004"),
    HouseholdSpec("ml-ma", "malan", "REGISTERED_POOR", 3, "马金山",
                  _fictional_id("370405", "19630804"), "13800002005"),
    HouseholdSpec("ml-gao", "malan", "FORMERLY_POOR", 2, "高秀兰",
                  _fictional_id("370405", "19580214"), "13800002006"),
    HouseholdSpec("qw-xu", "qianwangzhuang", "MONITORED_AT_RISK", 4, "徐立新",
                  _fictional_id("370405", "19791128"), "13800002007"),
)  # fmt: skip

# --- People -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginSpec:
    """A demo login. `scope` names the shop slug, township slug or household key."""

    email: str
    role: str
    first_name: str
    last_name: str
    is_staff: bool = False
    scope: str = ""


ADMIN_EMAIL = "admin@ruralmart.example"

LOGINS = (
    LoginSpec(ADMIN_EMAIL, "PLATFORM_ADMIN", "县", "平台管理员", is_staff=True),
    LoginSpec("manager.bingdao@ruralmart.example", "SHOP_MANAGER", "冰岛茶坊", "店长",
              is_staff=True, scope="bingdao-tea"),
    LoginSpec("household.li@ruralmart.example", "HOUSEHOLD_SELLER", "春华", "李", scope="bd-li"),
    LoginSpec("operator.baka@ruralmart.example", "SUPERMARKET_OPERATOR", "坝卡红色超市", "店员",
              is_staff=True, scope="baka-mountain"),
    LoginSpec("officer.mengku@ruralmart.example", "TOWNSHIP_OFFICER", "勐库镇商务", "专干",
              is_staff=True, scope="mengku"),
    # The station itself (and the stations of every demo village) arrives with the logistics
    # demo data; the login exists so every role can be tried.
    LoginSpec("station.bingdao@ruralmart.example", "STATION_OPERATOR", "冰岛服务站", "站长",
              is_staff=True),
    LoginSpec("buyer@ruralmart.example", "BUYER", "城市", "买家"),
)  # fmt: skip

# Officers who recommend applications in the other townships (not in the banner).
TOWNSHIP_OFFICERS = {
    "mengku": "officer.mengku@ruralmart.example",
    "shahe": "officer.shahe@ruralmart.example",
    "jiantouji": "officer.jiantouji@ruralmart.example",
    "malantun": "officer.malantun@ruralmart.example",
}

# --- Channels and catalog structure -------------------------------------------------------

CHANNELS = (("urban-retail", "城市零售"), ("village-counter", "村级柜台"))
# The village counter sells at this share of the city price (no parcel, no platform fee).
VILLAGE_COUNTER_FACTOR = Decimal("0.92")

# (slug, name, parent slug or None)
CATEGORIES = (
    ("tea", "茶叶", None),
    ("puer-tea", "普洱茶", "tea"),
    ("black-tea", "红茶", "tea"),
    ("green-tea", "绿茶", "tea"),
    ("nuts", "坚果", None),
    ("walnut", "核桃", "nuts"),
    ("macadamia", "澳洲坚果", "nuts"),
    ("honey", "蜂蜜", None),
    ("grain-oil", "粮油", None),
    ("rice", "大米", "grain-oil"),
    ("coarse-grain", "杂粮", "grain-oil"),
    ("flour-pancake", "石磨面粉·煎饼", "grain-oil"),
    ("fresh-fruit", "新鲜水果", None),
    ("pomegranate", "石榴", "fresh-fruit"),
    ("mango", "芒果", "fresh-fruit"),
    ("winter-jujube", "冬枣", "fresh-fruit"),
    ("daily-goods", "日用百货", None),
    ("rural-tourism", "乡村旅游", None),
    ("homestay", "民宿", "rural-tourism"),
    ("farm-experience", "农事体验", "rural-tourism"),
)

# (slug, name)
ATTRIBUTES = (("origin", "产地"), ("vintage", "年份"), ("net-weight", "净含量"))


@dataclass(frozen=True)
class ProductTypeSpec:
    slug: str
    name: str
    offering_kind: str
    attributes: tuple[str, ...]
    is_shipping_required: bool = True
    # Defaults for produce: shelf life in days, storage, harvest season.
    shelf_life_days: int | None = None
    storage: str = ""
    harvest_season: str = ""


PRODUCT_TYPES = (
    ProductTypeSpec("tea", "茶叶", "PRODUCE", ("origin", "vintage", "net-weight"),
                    shelf_life_days=1095, storage="AMBIENT", harvest_season="3月–5月（春茶）"),
    ProductTypeSpec("nuts", "坚果", "PRODUCE", ("origin", "net-weight"),
                    shelf_life_days=270, storage="AMBIENT", harvest_season="9月–10月"),
    ProductTypeSpec("honey", "蜂蜜", "PRODUCE", ("origin", "net-weight"),
                    shelf_life_days=730, storage="AMBIENT", harvest_season="4月–11月"),
    ProductTypeSpec("grain", "粮油", "PRODUCE", ("origin", "net-weight"),
                    shelf_life_days=365, storage="AMBIENT", harvest_season="6月、10月"),
    ProductTypeSpec("fruit", "新鲜水果", "PRODUCE", ("origin", "net-weight"),
                    shelf_life_days=20, storage="CHILLED", harvest_season="9月–10月"),
    ProductTypeSpec("goods", "日用百货", "GOODS", ("origin",)),
    ProductTypeSpec("homestay", "民宿", "HOMESTAY", ("origin",), is_shipping_required=False),
    ProductTypeSpec("experience", "农事体验", "EXPERIENCE", ("origin",),
                    is_shipping_required=False),
)  # fmt: skip

# --- Products -----------------------------------------------------------------------------


@dataclass(frozen=True)
class VariantSpec:
    sku: str
    name: str
    price: str  # urban-retail price in yuan; the village counter derives its own
    grams: int | None = None
    household: str | None = None  # household key: makes the variant a consignment
    stock: int | None = None


@dataclass(frozen=True)
class ProductSpec:
    slug: str
    name: str
    shop: str  # shop slug
    category: str  # category slug
    product_type: str  # product type slug
    description: str
    variants: tuple[VariantSpec, ...]
    net_weight: str = ""
    vintage: str = ""
    details: dict[str, object] = field(default_factory=dict)


P = ProductSpec
V = VariantSpec

PRODUCTS: tuple[ProductSpec, ...] = (
    # 冰岛村集体茶坊 ---------------------------------------------------------------------
    P("bingdao-ancient-puer-cake", "冰岛古树普洱茶（生茶饼）", "bingdao-tea", "puer-tea", "tea",
      "冰岛老寨百年以上古茶树春季头采鲜叶，日光干燥，石磨压饼。\n"
      "汤色金黄透亮，入口冰糖甜，回甘持久，适合收藏慢慢转化。",
      (V("BD-PUER-357", "357克饼", "1280.00", 357),
       V("BD-PUER-100", "100克小饼", "398.00", 100, household="bd-li")),
      net_weight="357克", vintage="2026"),
    P("bingdao-ancient-loose-tea", "冰岛古树散茶（春茶）", "bingdao-tea", "puer-tea", "tea",
      "未压制的古树晒青毛茶，条索肥壮，冲泡方便。\n每一批都能扫码查到采摘地块和农户。",
      (V("BD-LOOSE-050", "50克罐装", "268.00", 50),
       V("BD-LOOSE-250", "250克袋装", "1180.00", 250, household="bd-zhang")),
      net_weight="250克", vintage="2026"),
    P("bingdao-ripe-puer-brick", "冰岛熟普洱茶砖", "bingdao-tea", "puer-tea", "tea",
      "勐库大叶种晒青毛茶渥堆发酵，汤色红浓，口感醇厚顺滑，适合日常口粮。",
      (V("BD-RIPE-250", "250克砖", "168.00", 250),),
      net_weight="250克", vintage="2024"),
    P("bingdao-ancient-black-tea", "冰岛古树红茶", "bingdao-tea", "black-tea", "tea",
      "古树鲜叶萎凋揉捻后发酵烘干，蜜香明显，汤色红亮，冷了也不涩。",
      (V("BD-BLACK-100", "100克罐装", "158.00", 100),
       V("BD-BLACK-250", "250克礼盒", "368.00", 250)),
      net_weight="100克", vintage="2026"),
    P("bingdao-sun-dried-green-tea", "冰岛古树晒青绿茶", "bingdao-tea", "green-tea", "tea",
      "清明前后采摘，杀青后日光晒干，保留山野花香，清爽回甘。",
      (V("BD-GREEN-100", "100克袋装", "128.00", 100),),
      net_weight="100克", vintage="2026"),
    P("bingdao-wild-honey", "冰岛山野蜂蜜", "bingdao-tea", "honey", "honey",
      "茶山林下中华蜂一年只取一次的土蜂蜜，带淡淡茶花香，天然结晶。",
      (V("BD-HONEY-500", "500克瓶装", "98.00", 500, household="bd-luo"),),
      net_weight="500克"),
    P("bingdao-bamboo-tea-basket", "竹编茶叶收纳篮", "bingdao-tea", "daily-goods", "goods",
      "村里老篾匠用本地金竹手工编织，可装茶饼、茶具，也能当果篮。",
      (V("BD-BASKET-1", "中号", "45.00", 300),)),
    P("bingdao-clay-tea-cups", "土陶品茗杯（四只装）", "bingdao-tea", "daily-goods", "goods",
      "本地红土烧制的小茶杯，杯壁厚实不烫手，四只一盒。",
      (V("BD-CUPS-4", "四只装", "68.00", 400),)),
    P("bingdao-tea-mountain-homestay", "冰岛茶山民宿", "bingdao-tea", "homestay", "homestay",
      "住在冰岛老寨的茶山上，推窗就是古茶园。\n含早餐，店长可以带你认古茶树、学泡茶。",
      (V("BD-STAY-VIEW", "茶山景观大床房", "388.00"),
       V("BD-STAY-TWIN", "标准双床房", "298.00")),
      details={"rooms": 6, "nightly_capacity": 14}),
    P("bingdao-spring-tea-picking", "春茶采摘体验", "bingdao-tea", "farm-experience",
      "experience",
      "跟着茶农上山采一芽二叶，再在初制所里学杀青、揉捻和晒青，采的茶可以带走。",
      (V("BD-PICK-ADULT", "成人", "168.00"), V("BD-PICK-CHILD", "儿童（6–14岁）", "88.00")),
      details={"seats_per_date": 20}),
    # 坝卡村集体山货铺 -------------------------------------------------------------------
    P("baka-big-leaf-puer", "勐库大叶种普洱生茶", "baka-mountain", "puer-tea", "tea",
      "坝卡茶园的勐库大叶种，茶气足、耐冲泡，性价比高的口粮生茶。",
      (V("BK-PUER-357", "357克饼", "228.00", 357),
       V("BK-PUER-TONG", "七子饼一提（2.5千克）", "1480.00", 2500)),
      net_weight="357克", vintage="2025"),
    P("baka-dianhong-black-tea", "坝卡滇红工夫红茶", "baka-mountain", "black-tea", "tea",
      "大叶种滇红，金毫显露，汤色红艳，带焦糖香。",
      (V("BK-DIANHONG-250", "250克袋装", "98.00", 250, household="bk-wang"),),
      net_weight="250克", vintage="2026"),
    P("baka-golden-bud-black-tea", "勐库金芽红茶", "baka-mountain", "black-tea", "tea",
      "只取单芽制作，满披金毫，甜香浓郁，适合送礼。",
      (V("BK-GOLDBUD-100", "100克罐装", "138.00", 100),),
      net_weight="100克", vintage="2026"),
    P("baka-mountain-walnut", "坝卡山地核桃（带壳）", "baka-mountain", "walnut", "nuts",
      "海拔一千八百米山地核桃，自然晾晒，壳薄仁满，生吃香脆。",
      (V("BK-WALNUT-1K", "1千克", "39.90", 1000),
       V("BK-WALNUT-2K5", "2.5千克", "89.00", 2500, household="bk-yang")),
      net_weight="1千克"),
    P("baka-walnut-kernel", "手剥核桃仁", "baka-mountain", "walnut", "nuts",
      "村里老人手工剥出的整瓣核桃仁，无漂白，适合打豆浆、做点心。",
      (V("BK-KERNEL-500", "500克", "58.00", 500),),
      net_weight="500克"),
    P("baka-highland-honey", "勐库高山土蜂蜜", "baka-mountain", "honey", "honey",
      "高山野花蜜，浓度高，秋冬会自然结晶。",
      (V("BK-HONEY-500", "500克", "88.00", 500), V("BK-HONEY-1K", "1千克", "158.00", 1000)),
      net_weight="500克"),
    P("baka-highland-red-rice", "坝卡高山红米", "baka-mountain", "rice", "grain",
      "梯田里种的老品种红米，一年一季，煮粥软糯。",
      (V("BK-REDRICE-2K5", "2.5千克", "49.00", 2500),
       V("BK-REDRICE-5K", "5千克", "92.00", 5000)),
      net_weight="2.5千克", details={"harvest_season": "10月"}),
    P("baka-tea-seed-dish-soap", "茶籽洗洁精", "baka-mountain", "daily-goods", "goods",
      "用茶籽粉调配的洗洁精，去油不伤手，红色超市的常销品。",
      (V("BK-SOAP-1K", "1千克瓶装", "18.80", 1000),)),
    P("baka-cotton-tea-towel", "纯棉茶巾", "baka-mountain", "daily-goods", "goods",
      "吸水不掉毛的纯棉茶巾，两条装。",
      (V("BK-TOWEL-2", "两条装", "15.00", 80),)),
    P("baka-tea-craft-experience", "古法制茶体验", "baka-mountain", "farm-experience",
      "experience",
      "在坝卡村初制所跟老师傅学手工杀青、揉捻，做一饼属于自己的普洱茶。",
      (V("BK-CRAFT-SEAT", "每人", "198.00"),),
      details={"seats_per_date": 12}),
    # 邦改村集体农特产铺 -----------------------------------------------------------------
    P("banggai-cream-macadamia", "邦改澳洲坚果（奶油味）", "banggai-produce", "macadamia",
      "nuts",
      "临沧是澳洲坚果主产区，邦改村的果子个大饱满，开口烘烤，附开果器。",
      (V("BG-MACA-500", "500克", "49.90", 500), V("BG-MACA-1K", "1千克", "92.00", 1000)),
      net_weight="500克"),
    P("banggai-plain-macadamia", "原味澳洲坚果", "banggai-produce", "macadamia", "nuts",
      "不加香精的原味烘烤，吃得出坚果本身的奶香。",
      (V("BG-MACAPLAIN-1K", "1千克", "79.00", 1000, household="bg-liu"),),
      net_weight="1千克"),
    P("banggai-thin-shell-walnut", "沙河薄壳核桃", "banggai-produce", "walnut", "nuts",
      "手一捏就开的薄壳核桃，出仁率高。",
      (V("BG-WALNUT-1K", "1千克", "36.00", 1000),),
      net_weight="1千克"),
    P("banggai-late-mango", "沙河晚熟芒果", "banggai-produce", "mango", "fruit",
      "沙河河谷的晚熟芒果，树上自然挂到八成熟再摘，香甜少纤维。",
      (V("BG-MANGO-2K5", "2.5千克", "59.00", 2500), V("BG-MANGO-5K", "5千克", "108.00", 5000)),
      net_weight="2.5千克", details={"shelf_life_days": 12, "harvest_season": "8月–10月"}),
    P("banggai-wildflower-honey", "邦改百花蜜", "banggai-produce", "honey", "honey",
      "咖啡花、芒果花、野花混采的百花蜜，口感清甜。",
      (V("BG-HONEY-500", "500克", "68.00", 500, household="bg-chen"),),
      net_weight="500克"),
    P("banggai-highland-green-tea", "沙河高山绿茶", "banggai-produce", "green-tea", "tea",
      "高山云雾里的烘青绿茶，栗香明显。",
      (V("BG-GREEN-100", "100克", "58.00", 100), V("BG-GREEN-250", "250克", "128.00", 250)),
      net_weight="100克", vintage="2026"),
    P("banggai-corn-grits", "邦改玉米糁", "banggai-produce", "coarse-grain", "grain",
      "本地老品种白玉米石磨碾碎，熬粥香浓。",
      (V("BG-CORN-2K", "2千克", "26.00", 2000),),
      net_weight="2千克"),
    P("banggai-handmade-broom", "手工芒草扫帚", "banggai-produce", "daily-goods", "goods",
      "山上采的芒草扎成的扫帚，结实耐用，扫地不起灰。",
      (V("BG-BROOM-1", "一把", "25.00", 60),)),
    # 南等村集体好物铺 -------------------------------------------------------------------
    P("nandeng-ancient-dianhong", "南等古树滇红", "nandeng-goods", "black-tea", "tea",
      "南等村古树茶做的红茶，花果香，汤感饱满。",
      (V("ND-DIANHONG-100", "100克", "128.00", 100), V("ND-DIANHONG-250", "250克", "298.00", 250)),
      net_weight="100克", vintage="2026"),
    P("nandeng-ripe-puer-tuo", "南等普洱熟茶沱", "nandeng-goods", "puer-tea", "tea",
      "小沱茶一次一颗，出差带着方便。",
      (V("ND-TUO-5", "100克×5", "88.00", 500),),
      net_weight="500克", vintage="2025"),
    P("nandeng-fragrant-rice", "南等软香米", "nandeng-goods", "rice", "grain",
      "山泉水灌溉的一季稻，米粒细长，煮饭软糯有香味。",
      (V("ND-RICE-5K", "5千克", "68.00", 5000, household="nd-zhao"),
       V("ND-RICE-10K", "10千克", "128.00", 10000)),
      net_weight="5千克", details={"harvest_season": "10月"}),
    P("nandeng-purple-rice", "南等紫米", "nandeng-goods", "rice", "grain",
      "傣家人做紫米饭、紫米粑粑用的糯性紫米。",
      (V("ND-PURPLE-2K", "2千克", "42.00", 2000),),
      net_weight="2千克"),
    P("nandeng-tartary-buckwheat", "南等苦荞", "nandeng-goods", "coarse-grain", "grain",
      "高山苦荞，可以煮饭，也可以炒香了泡苦荞茶。",
      (V("ND-BUCKWHEAT-1K", "1千克", "29.00", 1000),),
      net_weight="1千克"),
    P("nandeng-winter-honey", "南等冬蜜", "nandeng-goods", "honey", "honey",
      "冬季鸭脚木花期采的冬蜜，微苦回甘，产量少。",
      (V("ND-HONEY-500", "500克", "118.00", 500, household="nd-huang"),),
      net_weight="500克", details={"harvest_season": "11月–次年1月"}),
    P("nandeng-ivory-mango", "南等象牙芒", "nandeng-goods", "mango", "fruit",
      "果形细长如象牙，果肉细腻，核薄。",
      (V("ND-MANGO-5K", "5千克", "98.00", 5000),),
      net_weight="5千克", details={"shelf_life_days": 12, "harvest_season": "7月–9月"}),
    P("nandeng-dai-brocade-bag", "傣锦手工挎包", "nandeng-goods", "daily-goods", "goods",
      "村里妇女用傣锦织布缝制的挎包，每只花纹都略有不同。",
      (V("ND-BAG-1", "一只", "128.00", 300),)),
    P("nandeng-dai-courtyard-homestay", "南等傣家小院民宿", "nandeng-goods", "homestay",
      "homestay",
      "竹楼小院，院里有芒果树；晚饭可以吃到傣味手抓饭。",
      (V("ND-STAY-ROOM", "竹楼客房", "238.00"),),
      details={"rooms": 4, "nightly_capacity": 8}),
    # 兰城村集体运河好物铺 ---------------------------------------------------------------
    P("lancheng-soft-seed-pomegranate", "台儿庄软籽石榴", "lancheng-canal", "pomegranate",
      "fruit",
      "籽软可嚼，汁多味甜，中秋前后上市。\n每箱都有溯源码，能查到是哪户人家的石榴园。",
      (V("LC-POME-2K5", "5斤装", "69.00", 2500, household="lc-sun"),
       V("LC-POME-5K", "10斤装", "128.00", 5000)),
      net_weight="2.5千克", details={"shelf_life_days": 30}),
    P("lancheng-sweet-pomegranate", "大红袍甜石榴", "lancheng-canal", "pomegranate", "fruit",
      "果皮红亮的老品种甜石榴，适合摆盘送礼。",
      (V("LC-REDPOME-2K5", "5斤装", "59.00", 2500),),
      net_weight="2.5千克", details={"shelf_life_days": 30}),
    P("lancheng-canal-winter-jujube", "运河冬枣", "lancheng-canal", "winter-jujube", "fruit",
      "运河边沙土地里长的冬枣，皮薄脆甜。",
      (V("LC-JUJUBE-2K5", "5斤装", "58.00", 2500),),
      net_weight="2.5千克", details={"shelf_life_days": 15, "harvest_season": "9月–10月"}),
    P("lancheng-stone-mill-flour", "石磨全麦面粉", "lancheng-canal", "flour-pancake", "grain",
      "本村小麦石磨慢磨，保留麦麸麦胚，蒸馒头有麦香。",
      (V("LC-FLOUR-2K5", "2.5千克", "32.00", 2500), V("LC-FLOUR-5K", "5千克", "58.00", 5000)),
      net_weight="2.5千克", details={"shelf_life_days": 180}),
    P("lancheng-coarse-grain-pancake", "台儿庄手工杂粮煎饼", "lancheng-canal",
      "flour-pancake", "grain",
      "小米、玉米、黄豆磨糊，鏊子上手工摊成，薄脆耐放。",
      (V("LC-PANCAKE-1K", "1千克", "36.00", 1000, household="lc-zhou"),),
      net_weight="1千克", details={"shelf_life_days": 90}),
    P("lancheng-acacia-honey", "运河槐花蜜", "lancheng-canal", "honey", "honey",
      "五月运河两岸洋槐花开时采的单花蜜，清澈不易结晶。",
      (V("LC-HONEY-500", "500克", "78.00", 500),),
      net_weight="500克", details={"harvest_season": "5月"}),
    P("lancheng-millet", "鲁南小米", "lancheng-canal", "coarse-grain", "grain",
      "黄土岗上的谷子碾的小米，熬粥有米油。",
      (V("LC-MILLET-2K5", "2.5千克", "39.00", 2500),),
      net_weight="2.5千克"),
    P("lancheng-willow-fruit-basket", "柳编果篮", "lancheng-canal", "daily-goods", "goods",
      "运河滩上的杞柳手工编成，轻便结实。",
      (V("LC-BASKET-1", "一只", "48.00", 400),)),
    # 后湖村集体农家铺 -------------------------------------------------------------------
    P("houhu-tunisian-pomegranate", "后湖突尼斯软籽石榴", "houhu-farm", "pomegranate",
      "fruit",
      "后湖村石榴园的突尼斯软籽品种，籽粒紫红，甜度高。",
      (V("HH-POME-2K5", "5斤装", "79.00", 2500),),
      net_weight="2.5千克", details={"shelf_life_days": 30}),
    P("houhu-crisp-winter-jujube", "后湖脆冬枣", "houhu-farm", "winter-jujube", "fruit",
      "冷棚种植，提早上市，咬一口咔嚓脆。",
      (V("HH-JUJUBE-2K5", "5斤装", "52.00", 2500, household="hh-wu"),
       V("HH-JUJUBE-5K", "10斤装", "96.00", 5000)),
      net_weight="2.5千克", details={"shelf_life_days": 15}),
    P("houhu-canal-rice", "运河稻花香大米", "houhu-farm", "rice", "grain",
      "运河水灌溉的稻花香，当季新米，现碾现发。",
      (V("HH-RICE-5K", "5千克", "59.00", 5000),),
      net_weight="5千克", details={"harvest_season": "10月"}),
    P("houhu-sorghum-pancake", "高粱煎饼", "houhu-farm", "flour-pancake", "grain",
      "红高粱面摊的煎饼，卷大葱是老吃法。",
      (V("HH-PANCAKE-1K", "1千克", "30.00", 1000),),
      net_weight="1千克", details={"shelf_life_days": 90}),
    P("houhu-pressed-peanut-oil", "古法压榨花生油", "houhu-farm", "grain-oil", "grain",
      "本地花生炒香后物理压榨，自然沉淀，不勾兑。",
      (V("HH-OIL-5L", "5升", "138.00", 4600),),
      net_weight="5升", details={"shelf_life_days": 540}),
    P("houhu-thin-skin-walnut", "鲁南薄皮核桃", "houhu-farm", "walnut", "nuts",
      "皮薄易剥，仁色浅黄，香而不涩。",
      (V("HH-WALNUT-1K", "1千克", "42.00", 1000),),
      net_weight="1千克"),
    P("houhu-jujube-flower-honey", "枣花蜜", "houhu-farm", "honey", "honey",
      "枣园花期蜂农放蜂采的枣花蜜，颜色深、味浓。",
      (V("HH-HONEY-500", "500克", "72.00", 500, household="hh-zheng"),),
      net_weight="500克", details={"harvest_season": "6月"}),
    P("houhu-coarse-cloth-towel", "鲁南老粗布毛巾", "houhu-farm", "daily-goods", "goods",
      "手工织布机织的纯棉老粗布，越洗越软。",
      (V("HH-TOWEL-2", "两条装", "22.00", 300),)),
    P("houhu-coarse-cloth-sheet", "老粗布床单", "houhu-farm", "daily-goods", "goods",
      "双人床单，蓝白格子，透气吸汗。",
      (V("HH-SHEET-1", "200×230厘米", "168.00", 1500),)),
    P("houhu-pomegranate-picking", "石榴园采摘体验", "houhu-farm", "farm-experience",
      "experience",
      "秋天到后湖村石榴园自己动手摘石榴，门票含两斤石榴带走。",
      (V("HH-PICK-ADULT", "成人", "60.00"), V("HH-PICK-FAMILY", "亲子（一大一小）", "98.00")),
      details={"seats_per_date": 30}),
    # 马兰村集体特产铺 -------------------------------------------------------------------
    P("malan-stone-mill-flour", "马兰屯石磨面粉", "malan-specialty", "flour-pancake", "grain",
      "马兰屯的小麦，石磨低温慢磨，适合做面条和饺子皮。",
      (V("ML-FLOUR-5K", "5千克", "56.00", 5000),),
      net_weight="5千克", details={"shelf_life_days": 180}),
    P("malan-wheat-pancake", "马兰屯小麦煎饼", "malan-specialty", "flour-pancake", "grain",
      "纯小麦面糊手工摊成，原味微甜。",
      (V("ML-PANCAKE-1K", "1千克", "28.00", 1000, household="ml-ma"),
       V("ML-PANCAKE-2K5", "2.5千克", "62.00", 2500)),
      net_weight="1千克", details={"shelf_life_days": 90}),
    P("malan-millet", "马兰小米", "malan-specialty", "coarse-grain", "grain",
      "旱地谷子，一年一季，粒小色黄。",
      (V("ML-MILLET-2K5", "2.5千克", "36.00", 2500),),
      net_weight="2.5千克"),
    P("malan-mung-bean", "马兰绿豆", "malan-specialty", "coarse-grain", "grain",
      "小粒明绿豆，好煮易开花，夏天熬绿豆汤。",
      (V("ML-MUNG-1K", "1千克", "18.00", 1000),),
      net_weight="1千克"),
    P("malan-pomegranate", "马兰石榴", "malan-specialty", "pomegranate", "fruit",
      "坡地石榴，个头中等，酸甜适口。",
      (V("ML-POME-2K5", "5斤装", "49.00", 2500),),
      net_weight="2.5千克", details={"shelf_life_days": 30}),
    P("malan-winter-jujube", "马兰冬枣", "malan-specialty", "winter-jujube", "fruit",
      "露地冬枣，自然成熟，甜度高。",
      (V("ML-JUJUBE-2K5", "5斤装", "48.00", 2500),),
      net_weight="2.5千克", details={"shelf_life_days": 15}),
    P("malan-locust-honey", "马兰洋槐蜂蜜", "malan-specialty", "honey", "honey",
      "洋槐花期采的成熟蜜，浓度四十二波美度以上。",
      (V("ML-HONEY-1K", "1千克", "108.00", 1000, household="ml-gao"),),
      net_weight="1千克", details={"harvest_season": "5月"}),
    P("malan-straw-seat-cushion", "手编草席坐垫", "malan-specialty", "daily-goods", "goods",
      "蒲草手工编织的坐垫，夏天坐着凉快。",
      (V("ML-CUSHION-2", "两只装", "32.00", 600),)),
    P("malan-farmyard-homestay", "马兰屯农家小院", "malan-specialty", "homestay", "homestay",
      "鲁南四合院改的农家小院，土灶大锅菜，院里能摊煎饼。",
      (V("ML-STAY-ROOM", "农家客房", "168.00"),),
      details={"rooms": 5, "nightly_capacity": 10}),
    # 前王庄村集体运河铺 -----------------------------------------------------------------
    P("qianwangzhuang-canal-rice", "前王庄运河大米", "qianwangzhuang-canal", "rice", "grain",
      "运河灌区的粳米，米粒圆润，口感有嚼劲。",
      (V("QW-RICE-10K", "10千克", "99.00", 10000),),
      net_weight="10千克", details={"harvest_season": "10月"}),
    P("qianwangzhuang-black-bean", "前王庄黑豆", "qianwangzhuang-canal", "coarse-grain",
      "grain",
      "绿芯黑豆，打豆浆、煮粥都好。",
      (V("QW-BLACKBEAN-1K", "1千克", "22.00", 1000),),
      net_weight="1千克"),
    P("qianwangzhuang-stone-mill-noodles", "手工石磨挂面", "qianwangzhuang-canal",
      "flour-pancake", "grain",
      "石磨面粉手工拉制、自然晾干的挂面，煮不浑汤。",
      (V("QW-NOODLE-1K", "1千克", "19.90", 1000),),
      net_weight="1千克", details={"shelf_life_days": 365}),
    P("qianwangzhuang-pomegranate-gift", "运河石榴礼盒", "qianwangzhuang-canal",
      "pomegranate", "fruit",
      "精选八个大果装成礼盒，中秋走亲戚体面。",
      (V("QW-POMEGIFT-8", "8个装", "88.00", 3000, household="qw-xu"),),
      net_weight="3千克", details={"shelf_life_days": 30}),
    P("qianwangzhuang-winter-jujube", "前王庄冬枣", "qianwangzhuang-canal", "winter-jujube",
      "fruit",
      "沙土地冬枣，个大核小。",
      (V("QW-JUJUBE-2K5", "5斤装", "55.00", 2500),),
      net_weight="2.5千克", details={"shelf_life_days": 15}),
    P("qianwangzhuang-vitex-honey", "荆条蜜", "qianwangzhuang-canal", "honey", "honey",
      "鲁南山区荆条花期的蜂蜜，色浅味清香。",
      (V("QW-HONEY-500", "500克", "66.00", 500),),
      net_weight="500克", details={"harvest_season": "7月"}),
    P("qianwangzhuang-walnut-kernel", "核桃仁", "qianwangzhuang-canal", "walnut", "nuts",
      "去壳核桃仁，真空包装，开袋即食。",
      (V("QW-KERNEL-500", "500克", "52.00", 500),),
      net_weight="500克"),
    P("qianwangzhuang-black-pottery-cup", "黑陶茶杯", "qianwangzhuang-canal", "daily-goods",
      "goods",
      "鲁南黑陶工艺烧制的茶杯，黑亮如漆，两只一盒。",
      (V("QW-CUP-2", "两只装", "58.00", 500),)),
    P("taierzhuang-canal-homestay", "台儿庄古城运河民宿", "qianwangzhuang-canal", "homestay",
      "homestay",
      "古城边的运河人家，步行十分钟到台儿庄古城，夜里可以看运河灯景。",
      (V("QW-STAY-CANAL", "运河景观房", "458.00"), V("QW-STAY-STD", "标准间", "328.00")),
      details={"rooms": 8, "nightly_capacity": 16}),
    P("qianwangzhuang-canal-fishing", "运河渔家体验", "qianwangzhuang-canal",
      "farm-experience", "experience",
      "上渔船撒网、收地笼，中午吃一顿运河鱼宴。",
      (V("QW-FISH-SEAT", "每人", "128.00"),),
      details={"seats_per_date": 16}),
)  # fmt: skip

# --- Certification, traceability and collections -----------------------------------------


@dataclass(frozen=True)
class CertificationSpec:
    product: str  # product slug
    kind: str
    number: str
    issuer: str


_RELIEF_YN = "双江县消费帮扶工作领导小组（演示数据）"
_RELIEF_SD = "台儿庄区消费帮扶工作领导小组（演示数据）"
_GI = "地理标志登记机构（演示数据）"
_GREEN = "绿色食品认证机构（演示数据）"
_ORGANIC = "有机产品认证机构（演示数据）"

C = CertificationSpec

CERTIFICATIONS = (
    C("bingdao-ancient-puer-cake", "POVERTY_RELIEF", "XFBF-DEMO-530925-0001", _RELIEF_YN),
    C("bingdao-ancient-puer-cake", "GEOGRAPHIC_INDICATION", "AGI-DEMO-2026-0117", _GI),
    C("bingdao-ancient-loose-tea", "ORGANIC", "ORG-DEMO-2026-0321", _ORGANIC),
    C("bingdao-ancient-loose-tea", "POVERTY_RELIEF", "XFBF-DEMO-530925-0002", _RELIEF_YN),
    C("bingdao-wild-honey", "POVERTY_RELIEF", "XFBF-DEMO-530925-0003", _RELIEF_YN),
    C("baka-dianhong-black-tea", "POVERTY_RELIEF", "XFBF-DEMO-530925-0004", _RELIEF_YN),
    C("baka-big-leaf-puer", "GREEN", "LB-DEMO-53-2026-0088", _GREEN),
    C("baka-mountain-walnut", "POVERTY_RELIEF", "XFBF-DEMO-530925-0005", _RELIEF_YN),
    C("banggai-plain-macadamia", "POVERTY_RELIEF", "XFBF-DEMO-530925-0006", _RELIEF_YN),
    C("banggai-cream-macadamia", "GREEN", "LB-DEMO-53-2026-0102", _GREEN),
    C("nandeng-fragrant-rice", "GREEN", "LB-DEMO-53-2026-0131", _GREEN),
    C("nandeng-fragrant-rice", "POVERTY_RELIEF", "XFBF-DEMO-530925-0007", _RELIEF_YN),
    C("lancheng-soft-seed-pomegranate", "POVERTY_RELIEF", "XFBF-DEMO-370405-0001", _RELIEF_SD),
    C("lancheng-soft-seed-pomegranate", "GEOGRAPHIC_INDICATION", "AGI-DEMO-2026-0245", _GI),
    C("lancheng-coarse-grain-pancake", "POVERTY_RELIEF", "XFBF-DEMO-370405-0002", _RELIEF_SD),
    C("houhu-crisp-winter-jujube", "POVERTY_RELIEF", "XFBF-DEMO-370405-0003", _RELIEF_SD),
    C("houhu-canal-rice", "GREEN", "LB-DEMO-37-2026-0056", _GREEN),
    C("malan-wheat-pancake", "POVERTY_RELIEF", "XFBF-DEMO-370405-0004", _RELIEF_SD),
    C("malan-locust-honey", "ORGANIC", "ORG-DEMO-2026-0412", _ORGANIC),
    C("qianwangzhuang-pomegranate-gift", "POVERTY_RELIEF", "XFBF-DEMO-370405-0005", _RELIEF_SD),
)


@dataclass(frozen=True)
class TraceBatchSpec:
    code: str
    product: str  # product slug
    harvest_date: str  # ISO date
    plot: str
    household: str | None
    quantity_kg: str
    inspections: tuple[tuple[str, str, bool], ...]  # (item, result, passed)
    agency: str


_LAB_YN = "临沧市农产品检测站（演示数据）"
_LAB_SD = "枣庄市农产品检测站（演示数据）"
_TEA_CHECKS = (
    ("农药残留（54项）", "未检出", True),
    ("重金属（铅）", "0.21 mg/kg，限量 5.0", True),
    ("水分", "6.8%", True),
)
_FRUIT_CHECKS = (("农药残留（32项）", "未检出", True), ("可溶性固形物", "16.5%", True))
_GRAIN_CHECKS = (("农药残留", "未检出", True), ("黄曲霉毒素B1", "未检出", True))

TRACE_BATCHES = (
    TraceBatchSpec("TR-BD2026SPRING01", "bingdao-ancient-puer-cake", "2026-04-02",
                   "冰岛老寨 3号地", "bd-li", "86.50", _TEA_CHECKS, _LAB_YN),
    TraceBatchSpec("TR-BD2026SPRING02", "bingdao-ancient-loose-tea", "2026-03-28",
                   "冰岛老寨 7号地", "bd-zhang", "42.00", _TEA_CHECKS, _LAB_YN),
    TraceBatchSpec("TR-BK2026SPRING01", "baka-big-leaf-puer", "2026-04-10",
                   "坝卡后山茶园 2号地", "bk-wang", "310.00", _TEA_CHECKS, _LAB_YN),
    TraceBatchSpec("TR-BK2026WALNUT01", "baka-mountain-walnut", "2026-09-15",
                   "坝卡核桃林 5号地", "bk-yang", "520.00", _GRAIN_CHECKS, _LAB_YN),
    TraceBatchSpec("TR-BG2026MACA01", "banggai-plain-macadamia", "2026-09-20",
                   "邦改坚果基地 1号地", "bg-liu", "680.00", _GRAIN_CHECKS, _LAB_YN),
    TraceBatchSpec("TR-ND2026RICE01", "nandeng-fragrant-rice", "2026-10-08",
                   "南等坝子 4号田", "nd-zhao", "2400.00", _GRAIN_CHECKS, _LAB_YN),
    TraceBatchSpec("TR-LC2026POME01", "lancheng-soft-seed-pomegranate", "2026-09-25",
                   "兰城石榴园 东区", "lc-sun", "1500.00", _FRUIT_CHECKS, _LAB_SD),
    TraceBatchSpec("TR-HH2026JUJUBE01", "houhu-crisp-winter-jujube", "2026-09-05",
                   "后湖冷棚 6号棚", "hh-wu", "900.00", _FRUIT_CHECKS, _LAB_SD),
    TraceBatchSpec("TR-ML2026WHEAT01", "malan-stone-mill-flour", "2026-06-08",
                   "马兰屯北洼 2号地", "ml-ma", "3200.00", _GRAIN_CHECKS, _LAB_SD),
)  # fmt: skip


@dataclass(frozen=True)
class CollectionSpec:
    slug: str
    name: str
    description: str
    products: tuple[str, ...]  # product slugs, in display order


COLLECTIONS = (
    CollectionSpec(
        "poverty-relief-selection",
        "消费帮扶精选",
        "经认定的消费帮扶产品，每一笔销售都有一部分直接进入脱贫户和监测户的收入。",
        tuple(dict.fromkeys(c.product for c in CERTIFICATIONS if c.kind == "POVERTY_RELIEF")),
    ),
    CollectionSpec(
        "spring-tea-2026",
        "春茶上新",
        "2026年春茶：冰岛、坝卡、南等的古树茶和大叶种新茶。",
        (
            "bingdao-ancient-puer-cake",
            "bingdao-ancient-loose-tea",
            "bingdao-ancient-black-tea",
            "bingdao-sun-dried-green-tea",
            "baka-dianhong-black-tea",
            "baka-golden-bud-black-tea",
            "banggai-highland-green-tea",
            "nandeng-ancient-dianhong",
        ),
    ),
    # Saleor's storefront shows the collection `featured-products` on its home page.
    CollectionSpec(
        "featured-products",
        "村货精选",
        "各村当季的好东西：古树茶、山核桃、夏威夷果、野生蜂蜜、香米和芒果，产地直发。",
        (
            "bingdao-ancient-puer-cake",
            "baka-mountain-walnut",
            "banggai-cream-macadamia",
            "bingdao-wild-honey",
            "nandeng-fragrant-rice",
            "banggai-late-mango",
            "baka-highland-honey",
            "nandeng-ivory-mango",
            "baka-dianhong-black-tea",
        ),
    ),
    CollectionSpec(
        "rural-getaways",
        "乡村游好去处",
        "住进茶山和运河人家，采茶、摘石榴、上渔船。",
        tuple(p.slug for p in PRODUCTS if p.product_type in ("homestay", "experience")),
    ),
)


@dataclass(frozen=True)
class PageSpec:
    slug: str
    title: str
    seo_description: str
    paragraphs: tuple[str, ...]


PAGES = (
    PageSpec(
        "about",
        "关于乡村集市",
        "乡村集市：村党组织经营的网店，把各村的茶、坚果、蜂蜜、粮油和水果直接卖到城里。",
        (
            "乡村集市是县里的“互联网+党建+X”平台：每个村的党组织开一家网店，卖本村的"
            "特色农产品和乡村旅游。",
            "脱贫户和监测户的货由村里的店代卖，每一笔收入都记到户，集体收益按章程分配。",
            "扫一扫包装上的溯源码，就能看到这批货来自哪块地、哪一户。",
        ),
    ),
    PageSpec(
        "rural-tourism",
        "乡村旅游",
        "住进茶山和运河人家：民宿、采茶、摘石榴、上渔船，村里人带您过一天乡下日子。",
        (
            "冰岛茶山的民宿推窗见茶园，春天可以跟着茶农上山采茶、学做晒青。",
            "运河边的农家院和渔船体验，秋天还能进果园摘石榴。",
            "每个住宿和体验都写明了退订规则：提前越早，退得越多。",
        ),
    ),
)


@dataclass(frozen=True)
class MenuItemSpec:
    name: str
    category: str = ""  # category slug
    collection: str = ""  # collection slug
    page: str = ""  # page slug
    children: tuple[MenuItemSpec, ...] = ()


# The two menus Saleor's storefront reads: `navbar` (header) and `footer` (link groups).
MENUS = (
    (
        "navbar",
        (
            MenuItemSpec("村货精选", collection="featured-products"),
            MenuItemSpec("茶叶", category="tea"),
            MenuItemSpec("坚果", category="nuts"),
            MenuItemSpec("蜂蜜", category="honey"),
            MenuItemSpec("乡村旅游", page="rural-tourism"),
            MenuItemSpec("关于我们", page="about"),
        ),
    ),
    (
        "footer",
        (
            MenuItemSpec(
                "乡村集市",
                children=(
                    MenuItemSpec("关于我们", page="about"),
                    MenuItemSpec("乡村旅游", page="rural-tourism"),
                ),
            ),
            MenuItemSpec(
                "专题",
                children=(
                    MenuItemSpec("消费帮扶精选", collection="poverty-relief-selection"),
                    MenuItemSpec("春茶上新", collection="spring-tea-2026"),
                    MenuItemSpec("乡村游好去处", collection="rural-getaways"),
                ),
            ),
        ),
    ),
)
