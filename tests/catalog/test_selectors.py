"""`product_list`: what a buyer sees, and every filter and sort order it offers."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from marketplace.catalog.models import Certification, Product, ProductChannelListing
from marketplace.catalog.selectors import PriceRange, ProductFilters, ProductSortField, product_list
from marketplace.catalog.services import category_rename, product_update
from marketplace.inventory.models import Stock
from marketplace.organisations.models import Shop, ShopStatus
from tests import factories

pytestmark = pytest.mark.django_db


def listed(channel, sort_field=None, descending=False, **filters) -> list[Product]:  # type: ignore[no-untyped-def]
    return list(
        product_list(
            channel=channel,
            filters=ProductFilters(**filters),
            sort_field=sort_field,
            descending=descending,
        )
    )


# --- visibility ---------------------------------------------------------------------------


@pytest.mark.smoke
def test_only_published_products_of_approved_shops_are_visible(channel):
    visible = factories.product(channel_obj=channel)
    factories.product(channel_obj=channel, published=False)
    factories.product(channel_obj=channel, shop_obj=factories.shop(status=ShopStatus.APPLIED))
    suspended = factories.product(channel_obj=channel)
    Shop.objects.filter(pk=suspended.shop_id).update(status=ShopStatus.SUSPENDED)
    assert listed(channel) == [visible]


def test_publication_is_per_channel_and_date(channel):
    product = factories.product(channel_obj=channel)
    other_channel = factories.channel("village-station")
    assert listed(other_channel) == []
    ProductChannelListing.objects.filter(product=product).update(
        published_at=timezone.now() + datetime.timedelta(days=1)
    )
    assert listed(channel) == []


# --- filters ------------------------------------------------------------------------------


def test_filter_by_offering_kinds(channel):
    tea = factories.product(channel_obj=channel)
    stay = factories.product(channel_obj=channel, offering_kind="HOMESTAY")
    tour = factories.product(channel_obj=channel, offering_kind="EXPERIENCE")
    assert listed(channel, offering_kinds=["PRODUCE"]) == [tea]
    assert set(listed(channel, offering_kinds=["HOMESTAY", "EXPERIENCE"])) == {stay, tour}


def test_filter_by_current_certification(channel):
    certified = factories.product(channel_obj=channel)
    expired = factories.product(channel_obj=channel)
    plain = factories.product(channel_obj=channel)
    today = timezone.localdate()
    year = datetime.timedelta(days=365)
    for product, start, end in (
        (certified, today - year, today + year),
        (expired, today - 2 * year, today - year),
    ):
        Certification.objects.create(
            product=product,
            kind="POVERTY_RELIEF",
            number=f"XF-{product.pk}",
            issuer="国家乡村振兴局",
            valid_from=start,
            valid_until=end,
        )
    assert listed(channel, certified=True) == [certified]
    assert set(listed(channel, certified=False)) == {expired, plain}


def test_filter_by_shop_village_township_county(channel):
    a = factories.product(channel_obj=channel)
    b = factories.product(channel_obj=channel)
    village = a.shop.village
    assert listed(channel, shops=[a.shop_id]) == [a]
    assert listed(channel, villages=[village.pk]) == [a]
    assert listed(channel, townships=[village.township_id]) == [a]
    assert listed(channel, counties=[village.township.county_id]) == [a]
    assert set(
        listed(channel, counties=[village.township.county_id, b.shop.village.township.county_id])
    ) == {a, b}
    assert listed(channel, villages=[]) == []


def test_filter_by_category_includes_descendants(channel):
    produce = factories.category(name="农产品")
    tea = factories.category(name="茶叶", parent=produce)
    puer = factories.category(name="普洱", parent=tea)
    nuts = factories.category(name="坚果", parent=produce)
    cake = factories.product(channel_obj=channel, category_obj=puer)
    walnut = factories.product(channel_obj=channel, category_obj=nuts)
    uncategorised = factories.product(channel_obj=channel)
    assert set(listed(channel, categories=[produce.pk])) == {cake, walnut}
    assert listed(channel, categories=[tea.pk]) == [cake]
    assert listed(channel, categories=[puer.pk]) == [cake]
    assert listed(channel, has_category=False) == [uncategorised]


def test_filter_by_price(channel):
    cheap = factories.product(channel_obj=channel, price="9.90", variants=2)  # 9.90 and 10.90
    dear = factories.product(channel_obj=channel, price="188.00")
    assert listed(channel, price=PriceRange(lte=Decimal("10.00"))) == [cheap]
    # Some variant in range is enough for `price`; `minimal_price` looks at the cheapest.
    assert listed(channel, price=PriceRange(gte=Decimal("10.50"), lte=Decimal("11"))) == [cheap]
    assert listed(channel, minimal_price=PriceRange(gte=Decimal("10.50"), lte=Decimal("11"))) == []
    assert listed(channel, price=PriceRange(gte=Decimal("100"))) == [dear]
    assert set(listed(channel, price=PriceRange(gte=Decimal("9.90"), lte=Decimal("188.00")))) == {
        cheap,
        dear,
    }


def test_is_available_needs_stock_unless_untracked(channel):
    stocked = factories.product(channel_obj=channel, stock=5)
    sold_out = factories.product(channel_obj=channel, stock=0)
    homestay = factories.product(channel_obj=channel, offering_kind="HOMESTAY")  # untracked
    not_yet = factories.product(channel_obj=channel, stock=5)
    ProductChannelListing.objects.filter(product=not_yet).update(
        available_for_purchase_at=timezone.now() + datetime.timedelta(days=3)
    )
    assert set(listed(channel, is_available=True)) == {stocked, homestay}
    assert set(listed(channel, is_available=False)) == {sold_out, not_yet}


def test_in_stock_counts_unallocated_quantity(channel):
    stocked = factories.product(channel_obj=channel, stock=5)
    allocated = factories.product(channel_obj=channel, stock=5)
    Stock.objects.filter(product_variant__product=allocated).update(quantity_allocated=5)
    empty = factories.product(channel_obj=channel, stock=0)
    stay = factories.product(channel_obj=channel, offering_kind="HOMESTAY")
    assert set(listed(channel, in_stock=True)) == {stocked, stay}
    assert set(listed(channel, in_stock=False)) == {allocated, empty}


def test_filters_combine_with_and_and_or(channel):
    tea = factories.product(channel_obj=channel, price="50.00")
    stay = factories.product(channel_obj=channel, offering_kind="HOMESTAY", price="300.00")
    factories.product(channel_obj=channel, price="300.00")
    either = ProductFilters(offering_kinds=["HOMESTAY"])
    cheap = ProductFilters(price=PriceRange(lte=Decimal("60")))
    assert set(listed(channel, any_of=[either, cheap])) == {tea, stay}
    assert listed(channel, all_of=[ProductFilters(offering_kinds=["PRODUCE"]), cheap]) == [tea]


# --- sorting ------------------------------------------------------------------------------


@pytest.fixture
def three(channel):
    # Created in this order, with names and prices in other orders.
    b = factories.product(channel_obj=channel, name="B 蜂蜜", price="30.00")
    c = factories.product(channel_obj=channel, name="C 核桃", price="10.00")
    a = factories.product(channel_obj=channel, name="A 红茶", price="20.00")
    return a, b, c


def test_sort_by_name(channel, three):
    a, b, c = three
    assert listed(channel, sort_field=ProductSortField.NAME) == [a, b, c]
    assert listed(channel, sort_field=ProductSortField.NAME, descending=True) == [c, b, a]
    # No sort and no search: by name, as Saleor does.
    assert listed(channel) == [a, b, c]


def test_sort_by_price(channel, three):
    a, b, c = three
    assert listed(channel, sort_field=ProductSortField.PRICE) == [c, a, b]
    assert listed(channel, sort_field=ProductSortField.PRICE, descending=True) == [b, a, c]


def test_sort_by_creation(channel, three):
    a, b, c = three
    assert listed(channel, sort_field=ProductSortField.CREATED_AT) == [b, c, a]
    assert listed(channel, sort_field=ProductSortField.CREATED_AT, descending=True) == [a, c, b]


def test_equal_sort_keys_fall_back_to_a_stable_order(channel):
    first = factories.product(channel_obj=channel, name="同名", price="10.00")
    second = factories.product(channel_obj=channel, name="同名", price="10.00")
    assert listed(channel, sort_field=ProductSortField.NAME) == [first, second]
    assert listed(channel, sort_field=ProductSortField.PRICE, descending=True) == [second, first]


# --- search documents ---------------------------------------------------------------------


def test_search_document_refreshes_when_a_product_changes(channel, admin_user):
    product = factories.product(channel_obj=channel, name="普洱茶饼")
    assert listed(channel, search="蜂蜜") == []
    product_update(actor=admin_user, product=product, changes={"description": "蜂蜜味的回甘"})
    assert listed(channel, search="蜂蜜") == [product]
    assert not Product.objects.get(pk=product.pk).search_index_dirty


def test_category_rename_marks_products_dirty_and_refreshes_after_commit(
    channel,
    admin_user,
    eager_celery,
    django_capture_on_commit_callbacks,
):
    category = factories.category(name="坚果")
    walnut = factories.product(channel_obj=channel, category_obj=category, name="核桃仁")
    untouched = factories.product(channel_obj=channel, name="红糖")
    with django_capture_on_commit_callbacks() as callbacks:
        category_rename(actor=admin_user, category=category, name="山货")
    assert list(Product.objects.filter(search_index_dirty=True)) == [walnut]
    assert listed(channel, search="山货") == []  # not refreshed until the commit
    assert len(callbacks) == 1

    callbacks[0]()  # what the commit would run: the refresh task, eagerly here

    assert not Product.objects.filter(search_index_dirty=True).exists()
    assert listed(channel, search="山货") == [walnut]
    assert listed(channel, search="红糖") == [untouched]


def test_only_a_platform_admin_renames_categories(channel):
    from marketplace.accounts.models import Role
    from marketplace.core.errors import PermissionRefused

    category = factories.category(name="坚果")
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=factories.shop())
    with pytest.raises(PermissionRefused):
        category_rename(actor=manager, category=category, name="山货")
    category.refresh_from_db()
    assert category.name == "坚果"
