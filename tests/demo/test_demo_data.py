"""The demo data set: its minimums, its idempotency and the domain rules it must respect."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Count, Min

from marketplace.accounts.models import Role, RoleAssignment, User
from marketplace.catalog.models import (
    AssignedProductAttributeValue,
    Category,
    Certification,
    CertificationKind,
    Collection,
    CollectionChannelListing,
    OfferingKind,
    Product,
    ProductMedia,
    ProductVariant,
    ProductVariantChannelListing,
    TraceBatch,
)
from marketplace.catalog.selectors import ProductFilters, product_list
from marketplace.channels.models import Channel
from marketplace.divisions.models import County, Township, Village
from marketplace.inventory.models import Stock
from marketplace.organisations.models import Household, HouseholdCategory, Shop, ShopStatus
from tooling.demo import DEMO_PASSWORD, load_demo_data

pytestmark = pytest.mark.django_db

PRODUCE_AND_GOODS = (OfferingKind.PRODUCE, OfferingKind.GOODS)


def _all_row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.mark.smoke
def test_demo_data_meets_the_minimums(demo):
    assert {c.code for c in County.objects.all()} >= {"530925", "370405"}
    assert Township.objects.count() >= 4
    assert Village.objects.count() >= 9
    for village in Village.objects.select_related("township__county"):
        assert re.fullmatch(r"\d{12}", village.code)
        assert village.code.startswith(village.township.code)
        assert village.township.code.startswith(village.township.county.code)
    assert Shop.objects.filter(status=ShopStatus.APPROVED).count() >= 8
    assert Shop.objects.filter(status=ShopStatus.APPLIED).count() == 1
    assert set(Channel.objects.values_list("slug", "currency_code")) == {
        ("urban-retail", "CNY"),
        ("village-counter", "CNY"),
    }
    assert Product.objects.filter(offering_kind__in=PRODUCE_AND_GOODS).count() >= 60
    assert Product.objects.filter(offering_kind=OfferingKind.HOMESTAY, rooms__gte=1).count() >= 3
    assert (
        Product.objects.filter(offering_kind=OfferingKind.EXPERIENCE, seats_per_date__gte=1).count()
        >= 3
    )
    assert Product.objects.filter(offering_kind__in=["HOMESTAY", "EXPERIENCE"]).count() >= 6
    assert Household.objects.count() >= 12
    assert (
        Collection.objects.filter(slug__in=["poverty-relief-selection", "spring-tea-2026"]).count()
        == 2
    )
    assert {k for k in CertificationKind.values} == set(
        Certification.objects.values_list("kind", flat=True)
    )
    assert TraceBatch.objects.filter(code="TR-BD2026SPRING01").exists()
    assert demo.approved_shops >= 8 and demo.counts["products"] == Product.objects.count()


def test_every_product_is_priced_in_both_channels_stocked_and_pictured(demo):
    urban, village = (
        Channel.objects.get(slug="urban-retail"),
        Channel.objects.get(slug="village-counter"),
    )
    products = Product.objects.annotate(n_variants=Count("variants", distinct=True))
    for product in products:
        assert 1 <= product.n_variants <= 3, product.name
        assert product.description["blocks"], product.name
        assert ProductMedia.objects.filter(product=product).count() == 1
        assert set(
            product.channel_listings.filter(is_published=True).values_list(
                "channel__slug", flat=True
            )
        ) == {
            "urban-retail",
            "village-counter",
        }
    for variant in ProductVariant.objects.select_related("product__shop"):
        prices = dict(
            ProductVariantChannelListing.objects.filter(variant=variant).values_list(
                "channel_id", "price_amount"
            )
        )
        assert prices[village.pk] < prices[urban.pk], variant.sku
        stocks = Stock.objects.filter(product_variant=variant)
        if variant.product.is_tourism:
            assert not variant.track_inventory and not stocks.exists()
        else:
            # Each shop has exactly one warehouse and the stock sits there.
            assert [s.warehouse.shop_id for s in stocks] == [variant.product.shop_id]
            assert stocks.get().quantity > 0


def test_catalog_structure_and_attributes(demo):
    tea = Category.objects.get(name="茶叶")
    assert set(tea.children.values_list("name", flat=True)) == {"普洱茶", "红茶", "绿茶"}
    assert set(Category.objects.get(name="乡村旅游").children.values_list("name", flat=True)) == {
        "民宿",
        "农事体验",
    }
    cake = Product.objects.get(slug="bingdao-ancient-puer-cake")
    values = {
        av.value.attribute.slug: av.value.name
        for av in AssignedProductAttributeValue.objects.filter(product=cake).select_related(
            "value__attribute"
        )
    }
    assert values == {
        "origin": "云南省临沧市双江拉祜族佤族布朗族傣族自治县",
        "vintage": "2026",
        "net-weight": "357克",
    }
    today = date.today()
    for cert in Certification.objects.all():
        assert cert.valid_from <= today <= cert.valid_until
    for batch in TraceBatch.objects.select_related("product__shop"):
        assert re.fullmatch(r"[A-Z0-9-]{6,32}", batch.code)
        assert batch.village_id == batch.product.shop.village_id
        assert batch.inspection_results and all(r["passed"] for r in batch.inspection_results)
    for collection in Collection.objects.all():
        assert collection.products.exists()
        assert (
            CollectionChannelListing.objects.filter(
                collection=collection, is_published=True
            ).count()
            == 2
        )


def test_households_are_fictional_and_well_formed(demo):
    households = list(Household.objects.select_related("village__township__county"))
    assert {h.category for h in households} >= {
        HouseholdCategory.REGISTERED_POOR,
        HouseholdCategory.FORMERLY_POOR,
        HouseholdCategory.ORDINARY,
    }
    assert any(h.category.startswith("MONITORED_") for h in households)
    for household in households:
        assert re.fullmatch(r"\d{17}[\dX]", household.id_number)
        assert household.id_number.startswith(household.village.township.county.code)
        # Sequence number 000 is never issued, so no demo ID can be a real person's.
        assert household.id_number[14:17] == "000"
        assert household.phone.startswith("1380000")
    assert len({h.id_number for h in households}) == len(households)


def test_consigned_goods_belong_to_households_of_the_shops_village(demo):
    consigned = ProductVariant.objects.filter(beneficiary_household__isnull=False).select_related(
        "product__shop", "beneficiary_household"
    )
    assert consigned.count() >= 8
    for variant in consigned:
        assert variant.beneficiary_kind == "HOUSEHOLD"
        assert variant.beneficiary_household.village_id == variant.product.shop.village_id
    for batch in TraceBatch.objects.exclude(household=None).select_related(
        "household", "product__shop"
    ):
        assert batch.household.village_id == batch.product.shop.village_id


def test_shops_went_through_apply_recommend_approve(demo):
    for shop in Shop.objects.select_related("village__township"):
        events = list(shop.status_events.select_related("actor"))
        assert all(e.reason.strip() and e.actor is not None for e in events)
        steps = [(e.from_status, e.to_status) for e in events]
        applied_by, *reviewers = (e.actor for e in events)
        assert RoleAssignment.objects.filter(
            user=applied_by, role=Role.SHOP_MANAGER, shop=shop
        ).exists()
        if shop.status == ShopStatus.APPLIED:
            assert steps == [("", "APPLIED")]
            continue
        assert steps == [("", "APPLIED"), ("APPLIED", "RECOMMENDED"), ("RECOMMENDED", "APPROVED")]
        officer, admin = reviewers
        assert RoleAssignment.objects.filter(
            user=officer, role=Role.TOWNSHIP_OFFICER, township=shop.village.township
        ).exists()
        assert admin.is_superuser
        assert shop.approved_at is not None


def test_each_role_has_a_demo_login(demo):
    by_role = {login.role: login for login in demo.logins}
    assert set(by_role) == set(Role.values)
    for login in demo.logins:
        user = User.objects.get(email=login.email)
        assert user.check_password(DEMO_PASSWORD) and login.password == DEMO_PASSWORD
        assert RoleAssignment.objects.filter(user=user, role=login.role).exists()
        assert user.is_staff == (login.role not in (Role.BUYER, Role.HOUSEHOLD_SELLER))
    assert User.objects.get(email=by_role[Role.PLATFORM_ADMIN].email).is_superuser
    manager = RoleAssignment.objects.get(
        user__email=by_role[Role.SHOP_MANAGER].email, role=Role.SHOP_MANAGER
    )
    assert manager.shop.village.name == "冰岛村"
    officer = RoleAssignment.objects.get(user__email=by_role[Role.TOWNSHIP_OFFICER].email)
    assert officer.township.name == "勐库镇"
    seller = RoleAssignment.objects.get(user__email=by_role[Role.HOUSEHOLD_SELLER].email)
    assert seller.household is not None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("古树茶", "冰岛古树普洱茶（生茶饼）"),
        ("冰岛", "冰岛古树散茶（春茶）"),
        ("蜂蜜", "冰岛山野蜂蜜"),
        ("民宿", "冰岛茶山民宿"),
    ],
)
def test_searches_find_demo_products(demo, query, expected):
    channel = Channel.objects.get(slug="urban-retail")
    names = [p.name for p in product_list(channel=channel, filters=ProductFilters(search=query))]
    assert expected in names


def test_second_run_changes_nothing(demo):
    before = _all_row_counts()
    prices = list(
        ProductVariantChannelListing.objects.order_by("pk").values_list("pk", "price_amount")
    )

    again = load_demo_data()

    assert _all_row_counts() == before
    assert again.added == {} and again.added_total == 0
    assert (
        list(ProductVariantChannelListing.objects.order_by("pk").values_list("pk", "price_amount"))
        == prices
    )
    assert "Nothing to add" in again.format()


def test_a_later_run_restores_only_what_is_missing(demo):
    product = Product.objects.get(slug="houhu-canal-rice")
    Stock.objects.filter(product_variant__product=product).delete()
    Certification.objects.filter(product=product).delete()
    TraceBatch.objects.filter(code="TR-ML2026WHEAT01").delete()
    before = _all_row_counts()

    summary = load_demo_data()

    assert summary.added == {"stock rows": 1, "certifications": 1, "trace batches": 1}
    assert _all_row_counts()["inventory.Stock"] == before["inventory.Stock"] + 1
    # The shop still awaiting review is never pushed further by a re-run.
    assert Shop.objects.get(slug="dongguo-tea").status == ShopStatus.APPLIED


def test_load_demo_data_command_prints_the_summary_and_logins(demo):
    out = io.StringIO()
    call_command("load_demo_data", stdout=out)
    text = out.getvalue()
    assert "Nothing to add" in text
    for login in demo.logins:
        assert login.email in text
    assert Certification.objects.aggregate(first=Min("valid_from"))["first"] <= date.today()
