"""Delivery pricing: the carrier arithmetic (首重/续重, started steps, volumetric weight) and
the quotes a checkout gets (longest-prefix zone, surcharge, free above, refusals)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from logistics.error_codes import DeliveryErrorCode
from logistics.pricing import ParcelItem, chargeable_grams, rate_price, volumetric_grams
from logistics.selectors import address_division_code, delivery_quotes, parcel_items
from marketplace.checkout import selectors as checkout_selectors
from marketplace.checkout import services as checkout_services
from marketplace.checkout.models import Checkout
from tests.checkout import helpers
from tests.checkout.helpers import ADDRESS
from tests.logistics.rates_helpers import (
    BINGDAO,
    MENGKU,
    SHUANGJIANG,
    express_of,
    free_above,
    rate,
    rated_shop,
    shuangjiang,
    zone,
)


def _price(grams: int) -> Decimal:
    return rate_price(
        grams=grams,
        first_weight_grams=1000,
        first_price=Decimal("10.00"),
        step_grams=500,
        step_price=Decimal("3.00"),
    )


@pytest.mark.parametrize(
    ("grams", "expected"),
    [
        (0, "10.00"),  # an empty parcel still pays the first weight
        (1000, "10.00"),
        (1001, "13.00"),  # one gram over starts a step
        (1500, "13.00"),
        (1501, "16.00"),
        (3200, "25.00"),  # 2200 g extra = 5 started steps of 500 g
    ],
)
def test_first_weight_then_started_steps(grams, expected):
    assert _price(grams) == Decimal(expected)


def test_surcharge_is_added_on_top():
    price = rate_price(
        grams=1200,
        first_weight_grams=1000,
        first_price=Decimal("8.00"),
        step_grams=1000,
        step_price=Decimal("4.50"),
        surcharge=Decimal("6.00"),
    )
    assert price == Decimal("18.50")


def test_volumetric_weight_uses_the_method_divisor_and_rounds_up():
    box = ParcelItem(quantity=1, weight_grams=500, length_cm=Decimal("30"),
                     width_cm=Decimal("20"), height_cm=Decimal("10"))  # fmt: skip
    assert volumetric_grams([box], divisor=6000) == 1000  # 6000 cm³ / 6000 = 1 kg
    assert volumetric_grams([box], divisor=8000) == 750
    odd = ParcelItem(quantity=1, weight_grams=1, length_cm=Decimal("10.1"),
                     width_cm=Decimal("10"), height_cm=Decimal("10"))  # fmt: skip
    assert volumetric_grams([odd], divisor=6000) == 169  # 168.33… g rounds up


def test_chargeable_weight_is_the_larger_of_actual_and_volumetric():
    light_bulky = ParcelItem(quantity=2, weight_grams=300, length_cm=Decimal("40"),
                             width_cm=Decimal("30"), height_cm=Decimal("20"))  # fmt: skip
    assert chargeable_grams([light_bulky], divisor=6000) == 8000
    heavy_small = ParcelItem(quantity=3, weight_grams=2000, length_cm=Decimal("10"),
                             width_cm=Decimal("10"), height_cm=Decimal("10"))  # fmt: skip
    assert chargeable_grams([heavy_small], divisor=6000) == 6000
    unsized = ParcelItem(quantity=4, weight_grams=250)
    assert chargeable_grams([unsized, heavy_small], divisor=8000) == 7000


# --- quotes against the database ------------------------------------------------------------


def _quote(shop, grams: int, *, subtotal: str = "50.00", code: str | None = BINGDAO):
    quotes = delivery_quotes(
        shop_items={shop.pk: [ParcelItem(quantity=1, weight_grams=grams)]},
        shop_subtotals={shop.pk: Decimal(subtotal)},
        destination_code=code,
    )
    return quotes.for_method(express_of(shop).pk)


@pytest.mark.django_db
def test_longest_matching_prefix_wins():
    shop = rated_shop()
    method = express_of(shop)
    rate(method, zone(shop, "云南省", "53"), first="8.00")
    rate(method, zone(shop, "本县", SHUANGJIANG), first="5.00")
    rate(method, zone(shop, "本村", BINGDAO), first="3.00")
    rate(method, zone(shop, "全国", *[c for c in ("11", "37", "44")]), first="15.00")
    assert _quote(shop, 800, code=BINGDAO).price == Decimal("3.00")
    assert _quote(shop, 800, code=f"{MENGKU}299").price == Decimal("5.00")
    assert _quote(shop, 800, code="530102").price == Decimal("8.00")
    assert _quote(shop, 800, code="370405").price == Decimal("15.00")


@pytest.mark.django_db
def test_refusals_carry_their_code():
    shop = rated_shop()
    method = express_of(shop)
    rate(method, zone(shop, "云南省", "53"))
    rate(method, zone(shop, "西藏", "54"), serves=False)
    zone(shop, "新疆", "65")  # a zone the method has no rate for
    assert _quote(shop, 800, code="540102").refusal is DeliveryErrorCode.NOT_SERVED
    assert _quote(shop, 800, code="650102").refusal is DeliveryErrorCode.NO_RATE_FOR_ZONE
    assert _quote(shop, 800, code="110101").refusal is DeliveryErrorCode.NO_RATE_FOR_ZONE
    assert _quote(shop, 800, code="12345").refusal is DeliveryErrorCode.UNKNOWN_DIVISION
    assert _quote(shop, 800, code=None).refusal is DeliveryErrorCode.UNKNOWN_DIVISION
    refused = _quote(shop, 800, code="540102")
    assert refused.price is None and not refused.is_available


@pytest.mark.django_db
def test_free_above_the_shop_amount_but_never_to_an_unserved_zone():
    shop = rated_shop()
    method = express_of(shop)
    rate(method, zone(shop, "云南省", "53"), first="10.00", step="5.00")
    rate(method, zone(shop, "西藏", "54"), serves=False)
    free_above(shop, "99.00")
    assert _quote(shop, 2500, subtotal="98.99", code=BINGDAO).price == Decimal("20.00")
    assert _quote(shop, 2500, subtotal="99.00", code=BINGDAO).price == Decimal("0.00")
    assert _quote(shop, 2500, subtotal="500", code="540102").refusal is (
        DeliveryErrorCode.NOT_SERVED
    )


@pytest.mark.django_db
def test_remote_surcharge_and_divisor_per_method():
    shop = rated_shop()
    method = express_of(shop)
    method.volumetric_divisor = 8000
    method.save(update_fields=["volumetric_divisor"])
    rate(method, zone(shop, "新疆", "65", surcharge="12.00"), first="20.00", step="10.00")
    box = ParcelItem(quantity=1, weight_grams=500, length_cm=Decimal("40"),
                     width_cm=Decimal("40"), height_cm=Decimal("10"))  # fmt: skip
    quotes = delivery_quotes(
        shop_items={shop.pk: [box]},
        shop_subtotals={shop.pk: Decimal("10")},
        destination_code="650102",
    )
    quote = quotes.for_method(method.pk)
    # 16000 cm³ / 8000 = 2 kg: first kg 20, one started kg 10, surcharge 12.
    assert (quote.chargeable_grams, quote.price) == (2000, Decimal("42.00"))


@pytest.mark.django_db
def test_methods_without_rates_keep_their_flat_price_and_pickup_is_free():
    shop = rated_shop(flat="9.50")
    quotes = delivery_quotes(
        shop_items={shop.pk: [ParcelItem(quantity=3, weight_grams=5000)]},
        shop_subtotals={shop.pk: Decimal("10")},
        address=None,
    )
    assert [q.price for q in quotes.for_shop(shop.pk)] == [Decimal("0.00"), Decimal("9.50")]


@pytest.mark.django_db
def test_an_address_is_placed_at_its_deepest_known_division(django_assert_num_queries):
    shuangjiang()
    with django_assert_num_queries(1):
        assert address_division_code(address=ADDRESS) == BINGDAO
    no_village = {**ADDRESS, "street_address_1": "勐库镇 茶厂路 5 号"}
    assert address_division_code(address=no_village) == MENGKU
    other_county = {**ADDRESS, "city_area": "临翔区", "street_address_1": "南塘街 1 号"}
    assert address_division_code(address=other_county) == "5309"  # the seeded city
    beijing = {**ADDRESS, "country_area": "北京", "city": "北京市", "city_area": "东城区"}
    assert address_division_code(address=beijing) == "11"
    with django_assert_num_queries(0):
        assert address_division_code(address={**ADDRESS, "country_area": "火星"}) is None
        assert address_division_code(address={**ADDRESS, "country": "US"}) is None


# --- checkout totals through the seam ------------------------------------------------------


@pytest.mark.django_db
def test_checkout_shipping_is_priced_by_weight_and_address(channel):
    shop = rated_shop()
    method = express_of(shop)
    rate(method, zone(shop, "云南省", "53"), first="10.00", step="4.00")
    rate(method, zone(shop, "西藏", "54"), serves=False)
    tea = helpers.goods(shop=shop, channel=channel, price="30.00", stock=10)
    tea.weight_grams = 800
    tea.save(update_fields=["weight_grams"])
    checkout = checkout_services.checkout_create(
        channel=channel, email="a@example.cn", lines=[helpers.line(tea, 2)]
    )
    checkout = helpers.ready(checkout, pay=False)
    totals = checkout_selectors.checkout_totals(checkout=checkout)
    assert (totals.shipping, totals.total) == (Decimal("14.00"), Decimal("74.00"))  # 1.6 kg
    tibet = {**ADDRESS, "country_area": "西藏自治区", "city": "拉萨市", "city_area": "城关区"}
    Checkout.objects.filter(pk=checkout.pk).update(shipping_address=tibet)
    checkout.refresh_from_db()
    shop_totals = checkout_selectors.checkout_totals(checkout=checkout).shops[0]
    assert (shop_totals.shipping, shop_totals.delivery_refusal) == (
        Decimal("0.00"),
        DeliveryErrorCode.NOT_SERVED,
    )


def test_parcel_items_fall_back_to_the_product_weight():
    class P:
        shop_id = 7
        weight_grams = 450

    class V:
        product = P()
        weight_grams = None
        length_cm = width_cm = height_cm = None

    assert parcel_items([(V(), 2)]) == {7: [ParcelItem(quantity=2, weight_grams=450)]}
