"""The demo's logistics: zone rates for every approved shop (a cold chain that serves only
the near provinces), a station with its operator in every village, demo orders in every
shipment status with both sandbox carriers, and one consolidation batch."""

from __future__ import annotations

from decimal import Decimal

from logistics.consolidation.models import BatchStatus, ConsolidationBatch
from logistics.models import DeliveryMethod, DeliveryRate, ShippingZone
from logistics.selectors import ParcelItem, delivery_quotes
from logistics.shipment_status import ShipmentStatus
from logistics.shipments.models import Shipment, ShipmentKind
from logistics.stations.models import VillageStation
from marketplace.accounts.models import Role
from marketplace.divisions.models import Province, Village
from marketplace.organisations.models import Shop, ShopStatus
from tooling.demo import data
from tooling.demo.logistics import COLD_CHAIN_NAME, COLD_CHAIN_SHOPS

ZONE_NAMES = {"省内", "邻省", "其他", "偏远"}


def test_every_approved_shop_prices_by_zone_and_every_province_is_covered(demo):
    provinces = set(Province.objects.values_list("code", flat=True))
    assert len(provinces) == 31
    for shop in Shop.objects.filter(status=ShopStatus.APPROVED):
        zones = ShippingZone.objects.filter(shop=shop).prefetch_related("prefixes")
        assert {z.name for z in zones} == ZONE_NAMES, shop.slug
        covered = [p.prefix for z in zones for p in z.prefixes.all()]
        assert sorted(covered) == sorted(provinces), shop.slug  # each province once
        home = next(z for z in zones if z.name == "省内")
        assert [p.prefix for p in home.prefixes.all()] == [shop.village.code[:2]]
        remote = next(z for z in zones if z.name == "偏远")
        assert remote.remote_surcharge_amount > 0
        express = DeliveryMethod.objects.get(shop=shop, name="快递（全国包邮区外按首重计）")
        rates = DeliveryRate.objects.filter(method=express)
        assert rates.count() == 4 and all(r.serves and r.step_price_amount > 0 for r in rates)


def _quotes(shop: Shop, address: dict[str, str]):
    items = {shop.pk: [ParcelItem(quantity=1, weight_grams=2300)]}
    return delivery_quotes(
        shop_items=items, shop_subtotals={shop.pk: Decimal("50.00")}, address=address
    )


def test_the_cold_chain_reaches_near_provinces_only(demo):
    fruit = Shop.objects.filter(slug__in=COLD_CHAIN_SHOPS)
    assert fruit.count() == len(COLD_CHAIN_SHOPS) >= 2
    assert not DeliveryMethod.objects.filter(name=COLD_CHAIN_NAME).exclude(shop__in=fruit).exists()
    shop = Shop.objects.get(slug="banggai-produce")  # 云南
    cold = DeliveryMethod.objects.get(shop=shop, name=COLD_CHAIN_NAME)
    express = DeliveryMethod.objects.get(shop=shop, name="快递（全国包邮区外按首重计）")
    beijing = {"country_area": "北京市", "city": "北京市", "city_area": "朝阳区"}
    sichuan = {"country_area": "四川省", "city": "成都市", "city_area": "武侯区"}
    far, near = _quotes(shop, beijing), _quotes(shop, sichuan)
    assert not far.for_method(cold.pk).is_available
    assert far.for_method(express.pk).is_available
    assert near.for_method(cold.pk).is_available
    # 2.3 kg: first kilo then three started half-kilo steps to a neighbour (20 + 3 × 6).
    assert near.for_method(cold.pk).price == Decimal("38.00")
    assert far.for_method(express.pk).price == Decimal("12.00") + 2 * Decimal("6.00")


def test_every_village_has_a_station_run_by_its_operator(demo):
    stations = VillageStation.objects.select_related("operator", "village")
    assert {s.village.slug for s in stations} == {v.slug for v in data.VILLAGES}
    assert Village.objects.count() == stations.count()
    for station in stations:
        operator = station.operator
        assert operator is not None and operator.is_staff and station.is_active
        assert operator.role_assignments.filter(role=Role.STATION_OPERATOR).exists()
    bingdao = stations.get(village__slug="bingdao")
    assert bingdao.operator.email == "station.bingdao@ruralmart.example"
    assert len({s.operator_id for s in stations}) == stations.count()


def test_demo_orders_cover_every_shipment_status_with_both_carriers(demo):
    parcels = Shipment.objects.filter(kind=ShipmentKind.PARCEL).select_related(
        "shop_order__order__user"
    )
    statuses = {p.status for p in parcels}
    assert {
        ShipmentStatus.CREATED,
        ShipmentStatus.COLLECTED,
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.AT_STATION,
        ShipmentStatus.DELIVERED,
        ShipmentStatus.COLLECTED_BY_BUYER,
    } <= statuses
    exceptions = {ShipmentStatus.LOST, ShipmentStatus.DAMAGED, ShipmentStatus.RETURNED}
    assert statuses & exceptions
    assert {p.carrier for p in parcels} == {"zhongtong", "youzhengguonei"}
    # The dashboards' back-dated history has guest buyers of its own; the logistics orders
    # are the demo buyer's.
    for parcel in parcels.exclude(shop_order__order__user_email__startswith="history-"):
        assert parcel.shop_order.order.user.email == "buyer@ruralmart.example"
        assert parcel.shop_order.order.charge_status in ("FULL", "OVERCHARGED")
        assert parcel.subscribed_at is not None
        events = list(parcel.events.order_by("occurred_at", "pk"))
        if parcel.status != ShipmentStatus.CREATED:
            assert events and events[-1].status == parcel.status
        times = [e.occurred_at for e in events]
        assert times == sorted(times)
    waiting = parcels.get(status=ShipmentStatus.AT_STATION)
    assert waiting.station is not None and waiting.pickup_code_hash
    assert waiting.station.village_id == waiting.shop_order.shop.village_id


def test_one_batch_carried_village_parcels_to_the_county_hub(demo):
    batch = ConsolidationBatch.objects.select_related("consignment", "station").get()
    assert batch.status == BatchStatus.CLOSED and batch.total_weight_grams > 0
    assert batch.consignment.kind == ShipmentKind.CONSIGNMENT
    parcels = [item.shipment for item in batch.items.select_related("shipment")]
    assert len(parcels) >= 2
    for parcel in parcels:
        assert parcel.status == ShipmentStatus.COLLECTED
        assert parcel.events.filter(key=f"consolidated:{batch.pk}").exists()
        assert parcel.shop_order.shop.village_id == batch.station.village_id
