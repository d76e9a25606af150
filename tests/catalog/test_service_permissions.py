"""Catalog writes: a shop manager changes its own shop's catalog and nobody else's.

Every refusal must leave the database exactly as it was.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from marketplace.accounts.models import Role
from marketplace.catalog import services
from marketplace.catalog.models import (
    BeneficiaryKind,
    Certification,
    OfferingKind,
    Product,
    ProductVariant,
    ProductVariantChannelListing,
    TraceBatch,
)
from marketplace.core.errors import PermissionRefused
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(channel) -> Product:
    return factories.product(name="勐库大叶种红茶", channel_obj=channel)


@pytest.fixture
def own_manager(product):
    return factories.user(role=Role.SHOP_MANAGER, shop_obj=product.shop)


@pytest.fixture
def other_manager(db):
    return factories.user(role=Role.SHOP_MANAGER, shop_obj=factories.shop())


def _create_product(actor, product, slug="new-product"):  # type: ignore[no-untyped-def]
    return services.product_create(
        actor=actor,
        shop=product.shop,
        product_type=product.product_type,
        name="双江野生蜂蜜",
        slug=slug,
        offering_kind=OfferingKind.PRODUCE,
        details={"shelf_life_days": 720, "storage": "AMBIENT"},
    )


def _attempts(product, channel):  # type: ignore[no-untyped-def]
    variant = factories.first_variant(product)
    return {
        "product_create": lambda actor: _create_product(actor, product),
        "product_update": lambda actor: services.product_update(
            actor=actor, product=product, changes={"name": "被改的名字"}
        ),
        "variant_create": lambda actor: services.variant_create(
            actor=actor, product=product, sku="NEW-SKU", prices={channel: Decimal("9.90")}
        ),
        "variant_set_price": lambda actor: services.variant_set_price(
            actor=actor, variant=variant, channel=channel, price=Decimal("1.00")
        ),
        "certification_add": lambda actor: services.certification_add(
            actor=actor,
            product=product,
            kind="GREEN",
            number="LB-2026-001",
            issuer="中国绿色食品发展中心",
            valid_from=datetime.date(2026, 1, 1),
            valid_until=datetime.date(2028, 12, 31),
        ),
        "trace_batch_create": lambda actor: services.trace_batch_create(
            actor=actor, product=product, harvest_date=datetime.date(2026, 4, 2), plot="老寨 3号地"
        ),
    }


def _snapshot(product):  # type: ignore[no-untyped-def]
    return (
        list(Product.objects.order_by("pk").values_list("pk", "name")),
        list(ProductVariant.objects.order_by("pk").values_list("pk", "sku")),
        list(ProductVariantChannelListing.objects.order_by("pk").values_list("pk", "price_amount")),
        Certification.objects.count(),
        TraceBatch.objects.count(),
    )


SERVICES = [
    "product_create",
    "product_update",
    "variant_create",
    "variant_set_price",
    "certification_add",
    "trace_batch_create",
]


@pytest.mark.parametrize("service", SERVICES)
def test_a_manager_of_another_village_is_refused_and_nothing_is_written(
    product, channel, other_manager, service
):
    before = _snapshot(product)
    with pytest.raises(PermissionRefused):
        _attempts(product, channel)[service](other_manager)
    assert _snapshot(product) == before


@pytest.mark.parametrize("service", SERVICES)
def test_anonymous_and_officers_are_refused(product, channel, service):
    officer = factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=product.shop.village.township)
    for actor in (None, officer):
        with pytest.raises(PermissionRefused):
            _attempts(product, channel)[service](actor)


@pytest.mark.smoke
@pytest.mark.parametrize("service", SERVICES)
def test_the_shops_own_manager_may(product, channel, own_manager, service):
    before = _snapshot(product)
    _attempts(product, channel)[service](own_manager)
    assert _snapshot(product) != before


def test_consignment_for_a_household_of_the_shops_village(product, own_manager, channel):
    household = factories.household(village_obj=product.shop.village)
    variant = services.variant_create(
        actor=own_manager,
        product=product,
        sku="CONSIGN-1",
        prices={channel: Decimal("30.00")},
        beneficiary_household=household,
    )
    assert variant.beneficiary_kind == BeneficiaryKind.HOUSEHOLD
    assert variant.beneficiary_household == household


def test_consignment_for_a_household_of_another_village_is_refused(product, channel):
    outsider = factories.household(village_obj=factories.village())
    # Even a platform admin cannot attribute a sale to a household outside the village.
    for actor in (
        factories.user(role=Role.SHOP_MANAGER, shop_obj=product.shop),
        factories.platform_admin(),
    ):
        with pytest.raises(ValidationError) as excinfo:
            services.variant_create(
                actor=actor,
                product=product,
                sku="CONSIGN-X",
                prices={channel: Decimal("30.00")},
                beneficiary_household=outsider,
            )
        assert excinfo.value.error_dict["beneficiary_household"][0].code == "invalid"
    assert not ProductVariant.objects.filter(sku="CONSIGN-X").exists()


def test_a_trace_batch_names_a_household_of_the_shops_village(product, own_manager):
    outsider = factories.household(village_obj=factories.village())
    with pytest.raises(ValidationError) as excinfo:
        services.trace_batch_create(
            actor=own_manager,
            product=product,
            harvest_date=datetime.date(2026, 4, 2),
            plot="3号地",
            household=outsider,
        )
    assert excinfo.value.error_dict["household"][0].code == "invalid"
    own = factories.household(village_obj=product.shop.village)
    batch = services.trace_batch_create(
        actor=own_manager,
        product=product,
        harvest_date=datetime.date(2026, 4, 2),
        plot="3号地",
        household=own,
    )
    assert batch.village_id == product.shop.village_id
    assert batch.code.startswith("TR-") and len(batch.code) == 13


@pytest.mark.parametrize(
    ("kind", "details", "field", "code"),
    [
        (OfferingKind.PRODUCE, {"storage": "AMBIENT"}, "shelf_life_days", "required"),
        (OfferingKind.HOMESTAY, {"rooms": 2}, "nightly_capacity", "required"),
        (OfferingKind.EXPERIENCE, {}, "seats_per_date", "required"),
        (OfferingKind.GOODS, {"rooms": 2}, "rooms", "invalid"),
        ("SOUVENIR", {}, "offering_kind", "invalid"),
    ],
)
def test_product_create_checks_the_kinds_fields(product, own_manager, kind, details, field, code):
    with pytest.raises(ValidationError) as excinfo:
        services.product_create(
            actor=own_manager,
            shop=product.shop,
            product_type=product.product_type,
            name="新品",
            slug="new",
            offering_kind=kind,
            details=details,
        )
    assert excinfo.value.error_dict[field][0].code == code
    assert not Product.objects.filter(slug="new").exists()


def test_certificate_validity_is_checked_before_writing(product, own_manager):
    with pytest.raises(ValidationError) as excinfo:
        services.certification_add(
            actor=own_manager,
            product=product,
            kind="ORGANIC",
            number="OG-1",
            issuer="认证中心",
            valid_from=datetime.date(2026, 6, 1),
            valid_until=datetime.date(2026, 5, 31),
        )
    assert excinfo.value.error_dict["valid_until"][0].code == "invalid"
    assert not Certification.objects.exists()
