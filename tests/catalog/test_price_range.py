"""The cached price range on product listings follows every price change."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from marketplace.catalog.models import ProductChannelListing, ProductVariantChannelListing
from marketplace.catalog.services import (
    product_channel_listing_update,
    products_update_price_range,
    variant_create,
    variant_set_price,
)
from tests import factories

pytestmark = pytest.mark.django_db


def price_range(product, channel) -> tuple[Decimal | None, Decimal | None]:  # type: ignore[no-untyped-def]
    listing = ProductChannelListing.objects.get(product=product, channel=channel)
    return listing.min_price_amount, listing.max_price_amount


@pytest.mark.smoke
def test_price_range_follows_price_changes(channel, admin_user):
    product = factories.product(channel_obj=channel, price="25.00", variants=2)
    first = factories.first_variant(product)
    assert price_range(product, channel) == (Decimal("25.00"), Decimal("26.00"))

    variant_set_price(actor=admin_user, variant=first, channel=channel, price=Decimal("30.00"))
    assert price_range(product, channel) == (Decimal("26.00"), Decimal("30.00"))

    variant_create(
        actor=admin_user, product=product, sku="GIFT-BOX", prices={channel: Decimal("5.50")}
    )
    assert price_range(product, channel) == (Decimal("5.50"), Decimal("30.00"))

    # A deleted variant price leaves the range once the cache is recomputed.
    ProductVariantChannelListing.objects.filter(variant__sku="GIFT-BOX").delete()
    products_update_price_range(product_ids=[product.pk])
    assert price_range(product, channel) == (Decimal("26.00"), Decimal("30.00"))


def test_price_range_is_kept_per_channel(channel, admin_user):
    product = factories.product(channel_obj=channel, price="25.00")
    station = factories.channel("village-station")
    product_channel_listing_update(
        actor=admin_user, product=product, channel=station, is_published=True
    )
    assert price_range(product, station) == (None, None)  # no variant priced there yet
    variant_set_price(
        actor=admin_user,
        variant=factories.first_variant(product),
        channel=station,
        price=Decimal("22.00"),
    )
    assert price_range(product, station) == (Decimal("22.00"), Decimal("22.00"))
    assert price_range(product, channel) == (Decimal("25.00"), Decimal("25.00"))


@pytest.mark.parametrize("price", ["-1.00", "9.999", "0.001"])
def test_invalid_prices_are_refused_and_change_nothing(channel, admin_user, price):
    product = factories.product(channel_obj=channel, price="25.00")
    with pytest.raises(ValidationError) as excinfo:
        variant_set_price(
            actor=admin_user,
            variant=factories.first_variant(product),
            channel=channel,
            price=Decimal(price),
        )
    assert excinfo.value.error_dict["price"][0].code == "invalid_price"
    assert price_range(product, channel) == (Decimal("25.00"), Decimal("25.00"))
    assert ProductVariantChannelListing.objects.get(
        variant__product=product
    ).price_amount == Decimal("25.00")


def test_a_free_item_is_allowed(channel, admin_user):
    product = factories.product(channel_obj=channel, price="25.00")
    variant_set_price(
        actor=admin_user,
        variant=factories.first_variant(product),
        channel=channel,
        price=Decimal("0"),
    )
    assert price_range(product, channel) == (Decimal("0.00"), Decimal("0.00"))
