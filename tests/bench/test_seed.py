"""The bench seeder: a small seed into the test database holds complete, valid data."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Count, Max, Min

from marketplace.catalog import selectors
from marketplace.catalog.models import (
    BeneficiaryKind,
    OfferingKind,
    Product,
    ProductChannelListing,
    ProductMedia,
    ProductVariant,
    ProductVariantChannelListing,
    Thumbnail,
)
from marketplace.channels.models import Channel
from marketplace.inventory.models import Stock
from marketplace.organisations.models import Shop, ShopStatus
from tooling.bench.seed import SeedRefused, seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return seed(products=30, shops=3)


def test_counts_match_the_request(seeded) -> None:
    assert (seeded.products, seeded.shops, seeded.variants) == (30, 3, 90)
    assert Shop.objects.filter(status=ShopStatus.APPROVED).count() == 3
    assert Product.objects.count() == 30
    assert ProductVariant.objects.count() == 90
    per_product = Product.objects.annotate(n=Count("variants")).values_list("n", flat=True)
    assert set(per_product) == {3}
    # Products are spread over the shops, not piled into one.
    assert set(Product.objects.values_list("shop_id", flat=True)) == set(
        Shop.objects.values_list("pk", flat=True)
    )


def test_every_variant_is_priced_and_every_product_published_with_its_price_range(
    seeded,
) -> None:
    urban = Channel.objects.get(slug="urban-retail")
    assert ProductVariantChannelListing.objects.filter(channel=urban).count() == 90
    listings = ProductChannelListing.objects.filter(channel=urban)
    assert listings.count() == 30
    assert not listings.filter(is_published=False).exists()
    actual = {
        (row["variant__product_id"], row["channel_id"]): (row["low"], row["high"])
        for row in ProductVariantChannelListing.objects.values(
            "variant__product_id", "channel_id"
        ).annotate(low=Min("price_amount"), high=Max("price_amount"))
    }
    cached = {
        (listing.product_id, listing.channel_id): (
            listing.min_price_amount,
            listing.max_price_amount,
        )
        for listing in ProductChannelListing.objects.all()
    }
    assert cached == actual
    for low, high in cached.values():
        assert Decimal("0") < low < high
        assert low == low.quantize(Decimal("0.01"))


def test_products_are_visible_in_the_storefront_and_searchable(seeded) -> None:
    urban = Channel.objects.get(slug="urban-retail")
    filters = selectors.ProductFilters()
    assert selectors.product_list(channel=urban, filters=filters).count() == 30
    assert not Product.objects.filter(search_vector__isnull=True).exists()
    assert not Product.objects.filter(search_index_dirty=True).exists()
    product = Product.objects.order_by("pk").first()
    found = selectors.product_list(
        channel=urban, filters=selectors.ProductFilters(search=product.name)
    )
    assert product in found


def test_stock_media_and_beneficiaries_follow_the_catalog_rules(seeded) -> None:
    tracked = ProductVariant.objects.filter(track_inventory=True)
    assert Stock.objects.count() == tracked.count() > 0
    # Tourism capacity lives in the booking calendar, never in warehouse stock.
    tourism = ProductVariant.objects.filter(
        product__offering_kind__in=[OfferingKind.HOMESTAY, OfferingKind.EXPERIENCE]
    )
    assert not tourism.filter(track_inventory=True).exists()
    assert not Stock.objects.filter(product_variant__in=tourism).exists()
    for stock in Stock.objects.select_related("warehouse", "product_variant__product"):
        assert stock.warehouse.shop_id == stock.product_variant.product.shop_id
    for variant in ProductVariant.objects.filter(beneficiary_kind=BeneficiaryKind.HOUSEHOLD):
        assert variant.beneficiary_household.village_id == variant.product.shop.village_id
    assert ProductMedia.objects.count() == 30
    assert Thumbnail.objects.filter(size=256).count() == 30
    media = ProductMedia.objects.first()
    assert media.image.storage.exists(media.image.name)
    assert media.thumbnails.get(size=256).image.storage.exists(
        media.thumbnails.get(size=256).image.name
    )


def test_names_are_chinese_and_start_with_the_shops_village(seeded) -> None:
    for product in Product.objects.select_related("shop__village")[:30]:
        village = product.shop.village.name.removesuffix("村")
        assert product.name.startswith(village)
        assert len(product.name) > len(village)


def test_refuses_a_database_that_already_has_a_catalog(seeded) -> None:
    with pytest.raises(SeedRefused):
        seed(products=5, shops=1)
    assert Product.objects.count() == 30


def test_refuses_nonsense_counts(db) -> None:
    with pytest.raises(ValueError):
        seed(products=0, shops=1)
    with pytest.raises(ValueError):
        seed(products=5, shops=1, variants_per_product=4)
    assert not Product.objects.exists()
