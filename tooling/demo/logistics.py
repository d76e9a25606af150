"""The logistics part of the demo: zone rates for every approved shop, a cold-chain method
for the fresh-fruit shops, a station with its operator in every demo village, and demo
orders shipped with the two sandbox carriers, one in every shipment status, plus one
consolidation batch closed into a consignment to the county hub.

Everything goes through the logistics services and is looked up by natural key first:
zones by (shop, name), rates by (method, zone), stations by village, operators by e-mail,
demo orders by the demo buyer and the street they ship to. A rerun adds nothing.

Waybills are created in a Kuaidi100 sandbox started in this process for the load (on an
ephemeral port) and the parcels moved on with `shipment_advance`; the sandbox keeps its
waybills in memory, so the one `ruralmart demo` runs afterwards answers for new ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from logistics import services as logistics_services
from logistics.carriers.kuaidi100 import Kuaidi100Client
from logistics.carriers.sandbox.from_settings import sandbox_from_settings
from logistics.consolidation import services as consolidation
from logistics.consolidation.models import BatchStatus, ConsolidationBatch
from logistics.models import DeliveryMethod, DeliveryMethodKind, DeliveryRate, ShippingZone
from logistics.shipment_status import STATUS_RANK, ShipmentStatus
from logistics.shipments.models import Shipment, ShipmentEventSource
from logistics.shipments.services import shipment_advance, shipment_subscribe, shop_order_ship
from logistics.stations.models import VillageStation
from logistics.stations.services import station_create
from marketplace.accounts.models import Role, RoleAssignment, User
from marketplace.catalog.models import ProductVariant
from marketplace.checkout import services as checkout
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.checkout.selectors import checkout_totals
from marketplace.checkout.services import CheckoutLineInput
from marketplace.divisions.models import Province, Village
from marketplace.orders.models import Order, ShopOrder
from marketplace.organisations.models import Shop, ShopStatus
from tooling.demo import data

S = ShipmentStatus


@dataclass(frozen=True)
class ZoneSpec:
    name: str
    surcharge: Decimal
    # (first grams, first price, step grams, step price) for the standard express method.
    express: tuple[int, str, int, str]
    # The cold-chain method's rate here, or None where it does not go.
    cold_chain: tuple[int, str, int, str] | None


ZONES = (
    ZoneSpec("省内", Decimal("0.00"), (1000, "8.00", 1000, "2.00"), (1000, "15.00", 500, "4.00")),
    ZoneSpec("邻省", Decimal("0.00"), (1000, "10.00", 1000, "4.00"), (1000, "20.00", 500, "6.00")),
    ZoneSpec("其他", Decimal("0.00"), (1000, "12.00", 1000, "6.00"), None),
    ZoneSpec("偏远", Decimal("10.00"), (1000, "18.00", 1000, "10.00"), None),
)
NEIGHBOURS = {"53": ("45", "51", "52"), "37": ("13", "32", "34", "41")}
REMOTE = ("15", "54", "63", "65")
COLD_CHAIN_NAME = "冷链鲜果专递"
COLD_CHAIN_SHOPS = ("banggai-produce", "lancheng-canal", "houhu-farm")
CARRIERS = ("zhongtong", "youzhengguonei")


def _zone_prefixes(home: str, all_codes: list[str]) -> dict[str, list[str]]:
    near = list(NEIGHBOURS[home])
    rest = [c for c in all_codes if c not in {home, *near, *REMOTE}]
    return {"省内": [home], "邻省": near, "其他": rest, "偏远": list(REMOTE)}


def _rate(
    method: DeliveryMethod, zone: ShippingZone, terms: tuple[int, str, int, str] | None
) -> None:
    if DeliveryRate.objects.filter(method=method, zone=zone).exists():
        return
    logistics_services.check_delivery_rate(method=method, zone=zone)
    first_grams, first_price, step_grams, step_price = terms or (1000, "0.00", 1000, "0.00")
    DeliveryRate.objects.create(
        method=method,
        zone=zone,
        serves=terms is not None,
        first_weight_grams=first_grams,
        first_price_amount=Decimal(first_price),
        step_grams=step_grams,
        step_price_amount=Decimal(step_price),
    )


def load_rates(shops: dict[str, Shop]) -> None:
    """Four zones per approved shop, from its own province outwards, priced by first weight
    and extra steps on its express method; the fruit shops' cold chain serves the near two.
    """
    all_codes = list(Province.objects.order_by("code").values_list("code", flat=True))
    for slug, shop in shops.items():
        if shop.status != ShopStatus.APPROVED:
            continue
        home = shop.village.code[:2]
        prefixes = _zone_prefixes(home, all_codes)
        express = (
            DeliveryMethod.objects.filter(shop=shop, kind=DeliveryMethodKind.EXPRESS_FLAT)
            .order_by("pk")
            .first()
        )
        cold = None
        if slug in COLD_CHAIN_SHOPS:
            cold, _ = DeliveryMethod.objects.get_or_create(
                shop=shop,
                kind=DeliveryMethodKind.EXPRESS_FLAT,
                name=COLD_CHAIN_NAME,
                defaults={
                    "price_amount": Decimal("25.00"),
                    "volumetric_divisor": 8000,
                    "minimum_delivery_days": 1,
                    "maximum_delivery_days": 2,
                },
            )
        for spec in ZONES:
            zone, created = ShippingZone.objects.get_or_create(
                shop=shop, name=spec.name, defaults={"remote_surcharge_amount": spec.surcharge}
            )
            if created:
                logistics_services.shipping_zone_set_prefixes(
                    zone=zone, prefixes=prefixes[spec.name]
                )
            if express is not None:
                _rate(express, zone, spec.express)
            if cold is not None:
                _rate(cold, zone, spec.cold_chain)


def station_operator_email(village_slug: str) -> str:
    return f"station.{village_slug}@ruralmart.example"


def load_stations(
    villages: dict[str, Village], person: Callable[..., User]
) -> dict[str, VillageStation]:
    """A station in every demo village, run by its own operator login."""
    stations: dict[str, VillageStation] = {}
    for spec in data.VILLAGES:
        village = villages[spec.slug]
        operator = person(
            station_operator_email(spec.slug),
            first_name=f"{village.name}服务站",
            last_name="站长",
            is_staff=True,
        )
        RoleAssignment.objects.get_or_create(user=operator, role=Role.STATION_OPERATOR)
        station = VillageStation.objects.filter(village=village).first()
        if station is None:
            station = station_create(
                village=village,
                name=f"{village.name}村级服务站",
                address=f"{village.name}村委会一楼",
                opening_hours="每天 08:00–20:00",
                capacity=150,
                operator=operator,
                red_supermarket_name=f"{village.name}红色超市",
            )
        stations[spec.slug] = station
    return stations


@dataclass(frozen=True)
class DemoShipment:
    """A demo order: where it ships (its natural key), whose goods, and how far it got."""

    street: str
    shop: str  # shop slug
    carrier: str
    path: tuple[str, ...]  # statuses after CREATED, in order
    at_station: bool = False  # collected by the buyer at the shop's village station


BEIJING = {
    "country_area": "北京市",
    "city": "北京市",
    "city_area": "朝阳区",
    "postal_code": "100102",
}
KUNMING = {
    "country_area": "云南省",
    "city": "昆明市",
    "city_area": "五华区",
    "postal_code": "650031",
}
SHUANGJIANG = {
    "country_area": "云南省",
    "city": "临沧市",
    "city_area": "双江拉祜族佤族布朗族傣族自治县",
    "postal_code": "677300",
}

DEMO_SHIPMENTS = (
    DemoShipment("阜通东大街 6 号", "bingdao-tea", "zhongtong", ()),
    # These two leave the village in the consolidated batch, which counts them collected.
    DemoShipment("望京西路 48 号", "bingdao-tea", "zhongtong", ()),
    DemoShipment("东四十条 22 号", "bingdao-tea", "youzhengguonei", ()),
    DemoShipment("酒仙桥路 10 号", "baka-mountain", "youzhengguonei", (S.COLLECTED,)),
    DemoShipment("建国路 93 号", "baka-mountain", "zhongtong", (S.COLLECTED, S.IN_TRANSIT)),
    DemoShipment(
        "勐库镇冰岛村 3 组 12 号",
        "bingdao-tea",
        "youzhengguonei",
        (S.COLLECTED, S.IN_TRANSIT, S.AT_STATION),
        at_station=True,
    ),
    DemoShipment(
        "五一路 210 号",
        "banggai-produce",
        "zhongtong",
        (S.COLLECTED, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.DELIVERED),
    ),
    DemoShipment(
        "勐库镇冰岛村 1 组 5 号",
        "bingdao-tea",
        "zhongtong",
        (S.COLLECTED, S.IN_TRANSIT, S.AT_STATION, S.COLLECTED_BY_BUYER),
        at_station=True,
    ),
    DemoShipment(
        "三里屯路 19 号", "nandeng-goods", "youzhengguonei", (S.COLLECTED, S.IN_TRANSIT, S.LOST)
    ),
)  # fmt: skip
BATCH_STREETS = ("望京西路 48 号", "东四十条 22 号")
BATCH_WEIGHT_GRAMS = 3_200

_EVENT_TEXT: dict[str, str] = {
    S.COLLECTED: "快件已由{village}村级服务站揽收",
    S.IN_TRANSIT: "快件已到达临沧转运中心，正发往下一站",
    S.AT_STATION: "快件已到达{village}村级服务站，请凭取件码领取",
    S.OUT_FOR_DELIVERY: "快递员正在派件",
    S.DELIVERED: "快件已签收，签收人：本人",
    S.COLLECTED_BY_BUYER: "买家已凭取件码在{village}村级服务站取件",
    S.LOST: "快件在转运途中遗失，已登记理赔",
}


def _address(spec: DemoShipment) -> dict[str, str]:
    if spec.at_station:
        region = SHUANGJIANG
    elif spec.street in ("五一路 210 号",):
        region = KUNMING
    else:
        region = BEIJING
    return {
        "first_name": "小明",
        "last_name": "王",
        "street_address_1": spec.street,
        "country": "CN",
        "phone": "+8613800000000",
        **region,
    }


@contextmanager
def running_sandbox() -> Iterator[Kuaidi100Client]:
    """An in-process carrier sandbox for the load, and a client pointed at it."""
    # The sandbox as configured, on a free port: its waybills land in the state file that
    # the sandbox `ruralmart demo` runs afterwards reads, so the demo's parcels can be tracked.
    sandbox = sandbox_from_settings(port=0).start()
    try:
        yield Kuaidi100Client(base_url=sandbox.url, label_base_url=sandbox.url)
    finally:
        sandbox.stop()


class DemoOrders:
    """Places, pays, ships and moves on the demo orders (see DEMO_SHIPMENTS)."""

    def __init__(
        self,
        *,
        buyer: User,
        admin: User,
        shops: dict[str, Shop],
        stations: dict[str, VillageStation],
        channel: Any,
    ) -> None:
        self.buyer, self.admin, self.shops = buyer, admin, shops
        self.stations, self.channel = stations, channel

    def _order(self, spec: DemoShipment) -> ShopOrder:
        existing = (
            ShopOrder.objects.filter(
                order__user=self.buyer,
                order__shipping_address__street_address_1=spec.street,
            )
            .select_related("shop__village", "order")
            .first()
        )
        if existing is not None:
            return existing
        shop = self.shops[spec.shop]
        variant = (
            ProductVariant.objects.filter(
                product__shop=shop, product__offering_kind__in=["PRODUCE", "GOODS"]
            )
            .order_by("product_id", "pk")
            .first()
        )
        if variant is None:
            raise ValueError(f"Demo shop {spec.shop} has no goods to order.")
        address = _address(spec)
        draft = checkout.checkout_create(
            channel=self.channel,
            user=self.buyer,
            shipping_address=address,
            billing_address=address,
            lines=[CheckoutLineInput(variant_id=variant.pk, quantity=1)],
        )
        kind = DeliveryMethodKind.VILLAGE_PICKUP if spec.at_station else None
        methods = DeliveryMethod.objects.filter(shop=shop, is_active=True).order_by("pk")
        method = methods.filter(kind=kind).first() if kind else methods.first()
        draft = checkout.checkout_delivery_method_update(checkout=draft, shop=shop, method=method)
        total = checkout_totals(checkout=draft).total
        draft = checkout.checkout_mark_charged(checkout_id=draft.pk, amount=total)
        order: Order = checkout_complete(checkout=draft, user=self.buyer)
        return ShopOrder.objects.select_related("shop__village", "order").get(order=order)

    def _shipment(self, spec: DemoShipment, adapter: Kuaidi100Client) -> Shipment:
        shop_order = self._order(spec)
        shipment = shop_order.shipments.order_by("pk").first()
        if shipment is not None:
            return shipment
        manager_email = next(s.manager_email for s in data.SHOPS if s.slug == spec.shop)
        shipment = shop_order_ship(
            shop_order=shop_order,
            actor=User.objects.get(email=manager_email),
            carrier=spec.carrier,
            adapter=adapter,
            weight_grams=1600,
            station=self.stations[shop_order.shop.village.slug] if spec.at_station else None,
        )
        # Subscribed now, while the load's sandbox runs: the after-commit subscription then
        # finds it done and never calls a carrier that is not there.
        shipment_subscribe(shipment_id=shipment.pk, adapter=adapter)
        return shipment

    def _move_on(self, spec: DemoShipment, shipment: Shipment) -> None:
        village = shipment.shop_order.shop.village.name if shipment.shop_order else ""
        start = timezone.now() - timedelta(hours=6 * (len(spec.path) + 1))
        for i, status in enumerate(spec.path):
            if STATUS_RANK[status] <= shipment.rank:
                continue  # moved there on an earlier run
            by_station = status == S.COLLECTED_BY_BUYER
            shipment = shipment_advance(
                shipment=shipment,
                status=status,
                description=_EVENT_TEXT[status].format(village=village),
                key=f"demo:{status}",
                source=ShipmentEventSource.STATION if by_station else ShipmentEventSource.CARRIER,
                at=start + timedelta(hours=6 * (i + 1)),
            )

    def load(self) -> None:
        with running_sandbox() as adapter:
            shipped = {}
            for spec in DEMO_SHIPMENTS:
                shipment = self._shipment(spec, adapter)
                self._move_on(spec, shipment)
                shipped[spec.street] = shipment
            self._consolidate([shipped[street] for street in BATCH_STREETS], adapter)

    def _consolidate(self, parcels: list[Shipment], adapter: Kuaidi100Client) -> None:
        station = self.stations["bingdao"]
        if ConsolidationBatch.objects.filter(station=station, status=BatchStatus.CLOSED).exists():
            return
        assert station.operator is not None
        batch = ConsolidationBatch.objects.filter(station=station, status=BatchStatus.OPEN).first()
        batch = batch or consolidation.batch_open(station=station, operator=station.operator)
        for parcel in parcels:
            consolidation.batch_add_parcel(batch=batch, shipment=parcel, operator=station.operator)
        closed = consolidation.batch_close(
            batch=batch,
            operator=station.operator,
            total_weight_grams=BATCH_WEIGHT_GRAMS,
            carrier="youzhengguonei",
            adapter=adapter,
        )
        assert closed.consignment_id is not None
        shipment_subscribe(shipment_id=closed.consignment_id, adapter=adapter)
