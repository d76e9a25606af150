"""`prepare_plan` on a small seeded catalog: buyable goods of two shops or more, delivery
methods made once, stock topped up, and nothing the buyers could be refused for."""

from __future__ import annotations

import pytest
from django.db.models import F

from logistics.models import DeliveryMethod, DeliveryMethodKind
from marketplace.catalog.models import OfferingKind, ProductVariant
from marketplace.inventory.models import Stock
from marketplace.organisations.models import Shop
from tooling.bench.checkout import BenchFailure, prepare_plan
from tooling.bench.seed import seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return seed(products=30, shops=3)


def test_plan_picks_buyable_goods_per_shop_with_both_delivery_methods(seeded) -> None:
    plan = prepare_plan(max_shops=10, variants_per_shop=3, stock_headroom=5000)
    assert len(plan.shops) >= 2
    for shop in plan.shops:
        assert 2 <= len(shop.variant_ids) <= 3
        variants = ProductVariant.objects.filter(pk__in=shop.variant_ids).select_related("product")
        assert {v.product.shop_id for v in variants} == {shop.shop_id}
        assert all(
            v.product.offering_kind in (OfferingKind.PRODUCE, OfferingKind.GOODS)
            and v.track_inventory
            for v in variants
        )
        express = DeliveryMethod.objects.get(pk=shop.express_id)
        pickup = DeliveryMethod.objects.get(pk=shop.pickup_id)
        assert (express.shop_id, express.kind) == (shop.shop_id, DeliveryMethodKind.EXPRESS_FLAT)
        assert (pickup.shop_id, pickup.kind) == (shop.shop_id, DeliveryMethodKind.VILLAGE_PICKUP)
        assert pickup.pickup_warehouse.shop_id == shop.shop_id


def test_stock_is_topped_up_only_for_the_chosen_variants(seeded) -> None:
    before = dict(Stock.objects.values_list("pk", "quantity"))
    plan = prepare_plan(max_shops=10, variants_per_shop=3, stock_headroom=5000)
    chosen = {v for shop in plan.shops for v in shop.variant_ids}
    for stock in Stock.objects.all():
        if stock.product_variant_id in chosen:
            assert stock.quantity - stock.quantity_allocated >= 5000
        else:
            assert stock.quantity == before[stock.pk]


def test_stock_headroom_counts_what_is_already_allocated(seeded) -> None:
    plan = prepare_plan(max_shops=10, variants_per_shop=2, stock_headroom=100)
    variant = plan.shops[0].variant_ids[0]
    Stock.objects.filter(product_variant_id=variant).update(
        quantity=F("quantity") + 50, quantity_allocated=F("quantity") + 50
    )  # sold out, everything allocated
    prepare_plan(max_shops=10, variants_per_shop=2, stock_headroom=100)
    stock = Stock.objects.get(product_variant_id=variant)
    assert stock.quantity - stock.quantity_allocated == 100


def test_a_second_run_reuses_everything_and_makes_no_new_methods(seeded) -> None:
    first = prepare_plan(max_shops=10, variants_per_shop=3, stock_headroom=5000)
    methods = DeliveryMethod.objects.count()
    second = prepare_plan(max_shops=10, variants_per_shop=3, stock_headroom=5000)
    assert second == first
    assert DeliveryMethod.objects.count() == methods


def test_a_shops_own_methods_are_used_when_it_has_them(seeded) -> None:
    shop = Shop.objects.order_by("pk").first()
    own = DeliveryMethod.objects.create(
        shop=shop, kind=DeliveryMethodKind.EXPRESS_FLAT, name="顺丰", price_amount="15.00"
    )
    plan = prepare_plan(max_shops=10, variants_per_shop=3, stock_headroom=10)
    mine = next(s for s in plan.shops if s.shop_id == shop.pk)
    assert mine.express_id == own.pk
    assert DeliveryMethod.objects.filter(shop=shop, kind=own.kind).count() == 1


def test_limited_variants_are_left_out(seeded) -> None:
    plan = prepare_plan(max_shops=10, variants_per_shop=3, stock_headroom=10)
    limited = plan.shops[0].variant_ids[0]
    ProductVariant.objects.filter(pk=limited).update(quantity_limit_per_customer=1)
    again = prepare_plan(max_shops=10, variants_per_shop=3, stock_headroom=10)
    assert limited not in {v for shop in again.shops for v in shop.variant_ids}


def test_refuses_fewer_than_two_shops_and_an_unseeded_database(seeded) -> None:
    with pytest.raises(BenchFailure, match="fewer than two shops"):
        prepare_plan(max_shops=1, variants_per_shop=3, stock_headroom=10)
    with pytest.raises(ValueError):
        prepare_plan(max_shops=10, variants_per_shop=1, stock_headroom=10)


def test_refuses_a_database_without_the_channel() -> None:
    with pytest.raises(BenchFailure, match="urban-retail"):
        prepare_plan(max_shops=10, variants_per_shop=3, stock_headroom=10)
