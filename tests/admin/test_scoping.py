"""Shop managers and township officers see and change only their own part of the county."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from marketplace.catalog import search
from marketplace.catalog.models import Product, ProductChannelListing, ProductVariant
from marketplace.inventory.models import Stock
from marketplace.organisations.models import Household
from tests import factories
from tests.admin.postdata import changeform_data

pytestmark = pytest.mark.django_db


def _changelist_pks(client: Any, url_name: str, **params: Any) -> set[int]:
    response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


def _change_url(obj: Any) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


# --- shop manager -------------------------------------------------------------------------


def test_manager_sees_only_their_shop_in_every_list(client: Any, world: Any) -> None:
    client.force_login(world.manager_a)
    assert _changelist_pks(client, "admin:catalog_product_changelist") == {world.product_a.pk}
    assert _changelist_pks(client, "admin:catalog_productvariant_changelist") == set(
        world.product_a.variants.values_list("pk", flat=True)
    )
    assert _changelist_pks(client, "admin:inventory_stock_changelist") == set(
        Stock.objects.filter(warehouse__shop=world.shop_a).values_list("pk", flat=True)
    )
    assert _changelist_pks(client, "admin:organisations_household_changelist") == {
        world.household_a.pk
    }
    assert _changelist_pks(client, "admin:organisations_shop_changelist") == {world.shop_a.pk}


def test_manager_gets_404_on_another_villages_product(client: Any, world: Any) -> None:
    client.force_login(world.manager_a)
    assert client.get(_change_url(world.product_a)).status_code == 200
    assert client.get(_change_url(world.product_b)).status_code == 404
    variant_b = factories.first_variant(world.product_b)
    assert client.get(_change_url(variant_b)).status_code == 404
    delete_url = reverse("admin:catalog_product_delete", args=[world.product_b.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 404
    assert Product.objects.filter(pk=world.product_b.pk).exists()


def test_manager_cannot_post_changes_to_another_villages_product(client: Any, world: Any) -> None:
    client.force_login(world.platform_admin)
    data = changeform_data(client.get(_change_url(world.product_b)))
    data["name"] = "被篡改的名字"
    client.force_login(world.manager_a)
    assert client.post(_change_url(world.product_b), data).status_code == 404
    world.product_b.refresh_from_db()
    assert world.product_b.name == "昔归春茶"


def test_manager_saves_own_product_and_search_document_follows(client: Any, world: Any) -> None:
    client.force_login(world.manager_a)
    data = changeform_data(client.get(_change_url(world.product_a)))
    data["name"] = "勐库大雪山野生茶"
    response = client.post(_change_url(world.product_a), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    world.product_a.refresh_from_db()
    assert world.product_a.name == "勐库大雪山野生茶"
    matches = Product.objects.filter(search_vector=search.build_query("大雪山"))
    assert list(matches) == [world.product_a]


def test_manager_cannot_add_a_product_to_another_shop(client: Any, world: Any) -> None:
    client.force_login(world.manager_a)
    add_url = reverse("admin:catalog_product_add")
    page = client.get(add_url)
    assert page.status_code == 200
    assert set(page.context["adminform"].form.fields["shop"].queryset) == {world.shop_a}
    data = changeform_data(page)
    data.update(
        shop=world.shop_b.pk,
        product_type=factories.product_type().pk,
        name="越界商品",
        slug="out-of-bounds",
        offering_kind="GOODS",
    )
    response = client.post(add_url, data)
    assert response.status_code == 200
    assert "shop" in response.context["adminform"].form.errors
    assert not Product.objects.filter(slug="out-of-bounds").exists()


def test_product_form_applies_the_offering_kind_rules(client: Any, world: Any) -> None:
    client.force_login(world.manager_a)
    add_url = reverse("admin:catalog_product_add")
    data = changeform_data(client.get(add_url))
    data.update(
        shop=world.shop_a.pk,
        product_type=factories.product_type().pk,
        name="民宿",
        slug="homestay-without-rooms",
        offering_kind="HOMESTAY",
        weight_grams="500",
    )
    response = client.post(add_url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Product.objects.filter(slug="homestay-without-rooms").exists()

    data.update(weight_grams="", rooms="3", nightly_capacity="6", description_text="竹楼\n火塘")
    response = client.post(add_url, data)
    assert response.status_code == 302
    created = Product.objects.get(slug="homestay-without-rooms")
    assert created.shop == world.shop_a
    assert created.description_plaintext == "竹楼\n火塘"
    assert created.search_vector is not None


def test_manager_cannot_consign_for_another_villages_household(client: Any, world: Any) -> None:
    variant = factories.first_variant(world.product_a)
    client.force_login(world.manager_a)
    data = changeform_data(client.get(_change_url(variant)))
    data["beneficiary_household"] = world.household_b.pk
    response = client.post(_change_url(variant), data)
    assert response.status_code == 200
    assert "beneficiary_household" in response.context["adminform"].form.errors
    variant.refresh_from_db()
    assert variant.beneficiary_household == world.household_a


def test_platform_admin_cannot_consign_across_villages_either(client: Any, world: Any) -> None:
    client.force_login(world.platform_admin)
    data = changeform_data(client.get(_change_url(world.product_a)))
    data["variants-0-beneficiary_household"] = world.household_b.pk
    response = client.post(_change_url(world.product_a), data)
    assert response.status_code == 200
    variant_forms = response.context["inline_admin_formsets"][0].formset.forms
    assert "beneficiary_household" in variant_forms[0].errors
    assert factories.first_variant(world.product_a).beneficiary_household == world.household_a


def test_variant_price_change_updates_the_cached_price_range(client: Any, world: Any) -> None:
    variant = factories.first_variant(world.product_a)
    client.force_login(world.manager_a)
    data = changeform_data(client.get(_change_url(variant)))
    data["channel_listings-0-price_amount"] = "88.80"
    response = client.post(_change_url(variant), data)
    assert response.status_code == 302
    listing = ProductChannelListing.objects.get(product=world.product_a)
    assert listing.min_price_amount == Decimal("88.80")
    assert listing.max_price_amount == Decimal("88.80")


def test_manager_cannot_register_a_household_elsewhere(client: Any, world: Any) -> None:
    client.force_login(world.manager_a)
    add_url = reverse("admin:organisations_household_add")
    payload = {
        "village": world.shop_b.village_id,
        "category": "FORMERLY_POOR",
        "member_count": "3",
        "head_name": "赵四",
    }
    response = client.post(add_url, payload)
    assert response.status_code == 200
    assert "village" in response.context["adminform"].form.errors
    response = client.post(add_url, {**payload, "village": world.shop_a.village_id})
    assert response.status_code == 302
    created = Household.objects.get(head_name="赵四")
    assert created.village_id == world.shop_a.village_id
    assert created.reference.startswith("H")


def test_manager_sees_no_platform_configuration(client: Any, world: Any) -> None:
    client.force_login(world.manager_a)
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    assert client.get(reverse("admin:catalog_collection_changelist")).status_code == 403
    # Reference data is readable (they pick it on their forms) but not editable.
    assert client.get(reverse("admin:catalog_category_changelist")).status_code == 200
    assert client.get(reverse("admin:catalog_category_add")).status_code == 403


# --- township officer ---------------------------------------------------------------------


def test_officer_reads_their_township_only(client: Any, world: Any) -> None:
    client.force_login(world.officer_1)
    assert _changelist_pks(client, "admin:catalog_product_changelist") == {
        world.product_a.pk,
        world.product_b.pk,
    }
    assert _changelist_pks(client, "admin:organisations_shop_changelist") == {
        world.shop_a.pk,
        world.shop_b.pk,
    }
    assert client.get(_change_url(world.product_c)).status_code == 404
    assert client.get(reverse("admin:catalog_productvariant_changelist")).status_code == 403
    assert client.get(reverse("admin:inventory_stock_changelist")).status_code == 403


def test_officer_views_products_read_only(client: Any, world: Any) -> None:
    client.force_login(world.officer_1)
    page = client.get(_change_url(world.product_a))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert client.post(_change_url(world.product_a), {"name": "x"}).status_code == 403
    assert client.get(reverse("admin:catalog_product_add")).status_code == 403
    variants = ProductVariant.objects.filter(product=world.product_a).count()
    assert variants == 1
