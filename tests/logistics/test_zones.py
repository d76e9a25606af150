"""Zones and rates refuse bad input with a code (and write nothing); the database holds the
same rules; variants refuse absurd weights and sizes; the seeded divisions are there."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from logistics import services
from logistics.models import DeliveryRate, ShippingZone, ShippingZonePrefix
from logistics.zones import candidate_prefixes, is_division_code
from marketplace.catalog import services as catalog
from marketplace.divisions.models import City, Province
from tests import factories
from tests.checkout.helpers import pickup
from tests.logistics.rates_helpers import express_of, rate, rated_shop, zone

pytestmark = pytest.mark.django_db


def _codes(exc_info) -> list[str]:
    return [e.code for errors in exc_info.value.error_dict.values() for e in errors]


def test_the_31_provinces_and_the_demo_cities_are_seeded():
    assert Province.objects.count() == 31
    assert Province.objects.get(code="53").name == "云南省"
    assert Province.objects.get(code="65").name == "新疆维吾尔自治区"
    assert dict(City.objects.values_list("code", "name")).items() >= {
        ("5309", "临沧市"),
        ("3704", "枣庄市"),
    }


@pytest.mark.parametrize(
    ("code", "valid"),
    [("53", True), ("5309", True), ("530925", True), ("530925101", True),
     ("530925101201", True), ("5", False), ("53092", False), ("5300", False),
     ("530900", False), ("53a9", False), ("5309251012011", False)],
)  # fmt: skip
def test_division_code_shapes(code, valid):
    assert is_division_code(code) is valid


def test_candidates_run_longest_first():
    assert candidate_prefixes("530925101201") == [
        "530925101201", "530925101", "530925", "5309", "53"
    ]  # fmt: skip


def test_prefixes_are_checked_before_anything_is_written():
    shop = rated_shop()
    yunnan = zone(shop, "云南", "53", "5309")
    for bad, code in (("5301x", "invalid_prefix"), ("99", "unknown_division"),
                      ("71", "unknown_division")):  # fmt: skip
        with pytest.raises(ValidationError) as exc_info:
            services.shipping_zone_set_prefixes(zone=yunnan, prefixes=["53", bad])
        assert _codes(exc_info) == [code]
    assert sorted(yunnan.prefixes.values_list("prefix", flat=True)) == ["53", "5309"]
    other = ShippingZone.objects.create(shop=shop, name="临沧")
    with pytest.raises(ValidationError) as exc_info:
        services.shipping_zone_set_prefixes(zone=other, prefixes=["5309"])
    assert _codes(exc_info) == ["duplicate_prefix"]
    assert not other.prefixes.exists()
    # Replacing a zone's own prefixes is fine, and another shop may use the same ones.
    services.shipping_zone_set_prefixes(zone=yunnan, prefixes=[" 53 ", "53"])
    assert list(yunnan.prefixes.values_list("prefix", flat=True)) == ["53"]
    zone(rated_shop(), "云南", "53", "5309")


def test_rates_tie_a_shops_express_method_to_its_own_zone():
    shop, other = rated_shop(), rated_shop()
    with pytest.raises(ValidationError) as exc_info:
        services.check_delivery_rate(method=express_of(shop), zone=zone(other, "全国", "11"))
    assert _codes(exc_info) == ["other_shop"]
    with pytest.raises(ValidationError) as exc_info:
        services.check_delivery_rate(method=pickup(shop), zone=zone(shop, "全国", "11"))
    assert _codes(exc_info) == ["not_rated_method"]


@pytest.mark.parametrize(
    "write",
    [
        lambda shop, z: ShippingZonePrefix.objects.create(zone=z, shop=shop, prefix="530"),
        lambda shop, z: ShippingZonePrefix.objects.create(zone=z, shop=shop, prefix="53"),
        lambda shop, z: rate(express_of(shop), z, step_grams=0),
        lambda shop, z: rate(express_of(shop), z, first_grams=0),
        lambda shop, z: rate(express_of(shop), z, first="-1.00"),
        lambda shop, z: ShippingZone.objects.filter(pk=z.pk).update(
            remote_surcharge_amount=Decimal("-0.01")
        ),
        lambda shop, z: (
            type(express_of(shop)).objects.filter(shop=shop).update(volumetric_divisor=7000)
        ),
    ],
)
def test_the_database_refuses_what_the_services_refuse(write):
    shop = rated_shop()
    z = zone(shop, "云南", "53")
    with pytest.raises(IntegrityError), transaction.atomic():
        write(shop, z)


def test_one_rate_per_method_and_zone():
    shop = rated_shop()
    z = zone(shop, "云南", "53")
    rate(express_of(shop), z)
    with pytest.raises(IntegrityError), transaction.atomic():
        rate(express_of(shop), z)
    assert DeliveryRate.objects.count() == 1


@pytest.mark.parametrize(
    ("weight", "size", "field"),
    [(0, None, "weight"), (-5, None, "weight"), (50_001, None, "weight"),
     (500, (Decimal(10), Decimal(10), Decimal(0)), "size"),
     (500, (Decimal(10), Decimal(151), Decimal(10)), "size"),
     (500, (Decimal("10.05"), Decimal(10), Decimal(10)), "size")],
)  # fmt: skip
def test_absurd_variant_weight_or_size_is_refused_with_a_code(weight, size, field):
    product = factories.product()
    variant = factories.first_variant(product)
    with pytest.raises(ValidationError) as exc_info:
        catalog.variant_set_parcel(
            actor=factories.platform_admin(), variant=variant, weight_grams=weight, size_cm=size
        )
    assert list(exc_info.value.error_dict) == [field]
    assert _codes(exc_info) == ["invalid"]
    variant.refresh_from_db()
    assert variant.length_cm is None


def test_variant_size_is_kept_and_checked_by_the_database():
    variant = factories.first_variant(factories.product())
    size = (Decimal("30.0"), Decimal("20.0"), Decimal("12.5"))
    catalog.variant_set_parcel(
        actor=factories.platform_admin(), variant=variant, weight_grams=1200, size_cm=size
    )
    variant.refresh_from_db()
    assert (variant.weight_grams, variant.length_cm, variant.width_cm, variant.height_cm) == (
        1200,
        *size,
    )
    model = type(variant)
    for bad in ({"height_cm": None}, {"width_cm": Decimal(200)}, {"weight_grams": 10**6}):
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.filter(pk=variant.pk).update(**bad)
