"""The database rejects invalid catalog rows even when `save()` and services are skipped."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from marketplace.catalog.models import (
    BeneficiaryKind,
    Category,
    Certification,
    OfferingKind,
    Product,
    ProductChannelListing,
    ProductVariant,
    ProductVariantChannelListing,
    TraceBatch,
)
from marketplace.channels.models import Channel
from tests import factories

pytestmark = pytest.mark.django_db


def rejected(constraint: str):  # type: ignore[no-untyped-def]
    """Expect the block to be refused by `constraint`; the atomic block keeps the test usable."""

    class _Block:
        def __enter__(self) -> None:
            self._raises = pytest.raises(IntegrityError, match=constraint)
            self._raises.__enter__()
            self._atomic = transaction.atomic()
            self._atomic.__enter__()

        def __exit__(self, *exc: object) -> bool:
            self._atomic.__exit__(*exc)
            return bool(self._raises.__exit__(*exc))

    return _Block()


@pytest.fixture
def product(channel) -> Product:
    return factories.product(channel_obj=channel)


def test_consigned_variant_names_its_household_and_only_then(product):
    variant = factories.first_variant(product)
    household = factories.household(village_obj=product.shop.village)
    with rejected("household_beneficiary_iff_consigned"):
        ProductVariant.objects.filter(pk=variant.pk).update(
            beneficiary_kind=BeneficiaryKind.HOUSEHOLD
        )
    with rejected("household_beneficiary_iff_consigned"):
        ProductVariant.objects.filter(pk=variant.pk).update(beneficiary_household=household)
    ProductVariant.objects.filter(pk=variant.pk).update(
        beneficiary_kind=BeneficiaryKind.HOUSEHOLD, beneficiary_household=household
    )
    variant.refresh_from_db()
    assert variant.beneficiary_household == household


@pytest.mark.smoke
def test_price_cannot_be_negative(product):
    listing = ProductVariantChannelListing.objects.get(variant__product=product)
    with rejected("variant_price_non_negative"):
        ProductVariantChannelListing.objects.filter(pk=listing.pk).update(
            price_amount=Decimal("-0.01")
        )
    listing.refresh_from_db()
    assert listing.price_amount == Decimal("25.00")


def test_price_range_cache_is_ordered(product):
    with rejected("product_listing_price_range_ordered"):
        ProductChannelListing.objects.filter(product=product).update(
            min_price_amount=Decimal("30.00"), max_price_amount=Decimal("20.00")
        )


def test_price_range_cache_has_both_ends_or_neither(product):
    with rejected("product_listing_price_range_ordered"):
        ProductChannelListing.objects.filter(product=product).update(max_price_amount=None)


@pytest.mark.parametrize(
    ("kind", "change", "constraint"),
    [
        (OfferingKind.PRODUCE, {"shelf_life_days": None}, "produce_has_shelf_life_and_storage"),
        (OfferingKind.PRODUCE, {"storage": ""}, "produce_has_shelf_life_and_storage"),
        (OfferingKind.HOMESTAY, {"rooms": 0}, "homestay_has_rooms_and_capacity"),
        (OfferingKind.HOMESTAY, {"nightly_capacity": None}, "homestay_has_rooms_and_capacity"),
        (OfferingKind.EXPERIENCE, {"seats_per_date": 0}, "experience_has_seats"),
        (OfferingKind.EXPERIENCE, {"seats_per_date": None}, "experience_has_seats"),
        (OfferingKind.GOODS, {"rating": 5.5}, "rating_in_range"),
        (OfferingKind.GOODS, {"rating": -1}, "rating_in_range"),
    ],
)
def test_each_offering_kind_keeps_its_own_fields(channel, kind, change, constraint):
    product = factories.product(channel_obj=channel, offering_kind=kind)
    with rejected(constraint):
        Product.objects.filter(pk=product.pk).update(**change)


def test_changing_the_kind_without_its_fields_is_rejected(product):
    # A produce row has no rooms, so it cannot silently become a homestay.
    with rejected("homestay_has_rooms_and_capacity"):
        Product.objects.filter(pk=product.pk).update(offering_kind=OfferingKind.HOMESTAY)


def test_certificate_cannot_expire_before_it_starts(product):
    start = datetime.date(2026, 1, 1)
    with rejected("certificate_validity_ordered"):
        Certification.objects.bulk_create(
            [
                Certification(
                    product=product,
                    kind="GREEN",
                    number="LB-1",
                    issuer="中国绿色食品发展中心",
                    valid_from=start,
                    valid_until=start - datetime.timedelta(days=1),
                )
            ]
        )


@pytest.mark.parametrize("code", ["tr-abcdefgh", "TR 12345", "TR-1", "TR-AB", "TR_ABCDEFG"])
def test_trace_code_has_the_printed_format(product, code):
    with rejected("trace_code_format"):
        TraceBatch.objects.bulk_create(
            [
                TraceBatch(
                    product=product,
                    code=code,
                    harvest_date=datetime.date(2026, 4, 1),
                    plot="冰岛老寨 3号地",
                    village=product.shop.village,
                )
            ]
        )


def test_category_level_matches_its_place_in_the_tree():
    root = factories.category()
    child = factories.category(parent=root)
    assert (root.level, child.level) == (0, 1)
    with rejected("category_level_matches_parent"):
        Category.objects.filter(pk=root.pk).update(level=1)
    with rejected("category_level_matches_parent"):
        Category.objects.filter(pk=child.pk).update(level=0)
    with rejected("category_level_matches_parent"):
        Category.objects.filter(pk=child.pk).update(parent=None)


def test_channel_currency_is_an_iso_code(channel):
    with rejected("channel_currency_iso"):
        Channel.objects.filter(pk=channel.pk).update(currency_code="rmb")
