"""Ruralmart's additive API: shops, trace batches, households, extension filters."""

from __future__ import annotations

import datetime as dt

import pytest
from graphql_relay import to_global_id

from marketplace.accounts.models import Role
from marketplace.catalog.services import certification_add, trace_batch_create
from marketplace.organisations.models import ShopStatus
from tests import factories

pytestmark = pytest.mark.django_db


def names(data):
    return [e["node"]["name"] for e in data["products"]["edges"]]


def test_only_approved_shops_and_published_products_are_visible(gql, channel):
    approved = factories.shop()
    applied = factories.shop(status=ShopStatus.APPLIED)
    factories.product(shop_obj=approved, channel_obj=channel, name="蜂蜜")
    factories.product(shop_obj=applied, channel_obj=channel, name="核桃")
    factories.product(shop_obj=approved, channel_obj=channel, name="大米", published=False)
    data = gql.data('{ products(first: 10, channel: "urban-retail") { edges { node { name } } } }')
    assert names(data) == ["蜂蜜"]
    shops = gql.data("{ shops(first: 10) { totalCount edges { node { slug } } } }")["shops"]
    assert [e["node"]["slug"] for e in shops["edges"]] == [approved.slug]
    body = gql("query($s: String) { shop(slug: $s) { name } }", {"s": applied.slug})
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["exception"]["code"] == "NOT_FOUND"


def test_shop_page_carries_village_township_county_and_products(gql, channel):
    shop = factories.shop()
    factories.product(shop_obj=shop, channel_obj=channel, name="勐库红茶")
    data = gql.data(
        """query($s: String) { shop(slug: $s) { name partyOrganisation { name }
             village { name township { name county { name } } }
             products(first: 5, channel: "urban-retail") { edges { node { name } } } } }""",
        {"s": shop.slug},
    )["shop"]
    assert data["village"]["township"]["county"]["name"] == shop.village.township.county.name
    assert names(data) == ["勐库红茶"]


def test_shops_filter_by_county_and_search(gql):
    a = factories.shop()
    b = factories.shop()
    county_id = to_global_id("County", a.village.township.county_id)
    data = gql.data(
        "query($c: [ID!]) { shops(first: 10, filter: {county: $c}) { edges { node { slug } } } }",
        {"c": [county_id]},
    )
    assert [e["node"]["slug"] for e in data["shops"]["edges"]] == [a.slug]
    data = gql.data(
        "query($q: String) { shops(first: 10, filter: {search: $q}) { edges { node { slug } } } }",
        {"q": b.village.name},
    )
    assert [e["node"]["slug"] for e in data["shops"]["edges"]] == [b.slug]


def test_extension_filters(gql, channel, admin_user):
    tea_shop = factories.shop()
    other = factories.shop()
    tea = factories.product(shop_obj=tea_shop, channel_obj=channel, name="冰岛古树茶")
    factories.product(
        shop_obj=other, channel_obj=channel, name="山地民宿", offering_kind="HOMESTAY"
    )
    certification_add(
        actor=admin_user,
        product=tea,
        kind="ORGANIC",
        number="ORG-1",
        issuer="认证中心",
        valid_from=dt.date(2025, 1, 1),
        valid_until=dt.date(2030, 1, 1),
    )
    query = 'query($f: ProductFilterInput) { products(first: 10, channel: "urban-retail", filter: $f) { edges { node { name } } } }'
    assert names(gql.data(query, {"f": {"offeringKinds": ["HOMESTAY"]}})) == ["山地民宿"]
    assert names(gql.data(query, {"f": {"certified": True}})) == ["冰岛古树茶"]
    assert names(gql.data(query, {"f": {"shops": [to_global_id("Shop", tea_shop.pk)]}})) == [
        "冰岛古树茶"
    ]
    assert names(
        gql.data(query, {"f": {"villages": [to_global_id("Village", other.village_id)]}})
    ) == ["山地民宿"]
    assert names(
        gql.data(
            query, {"f": {"townships": [to_global_id("Township", tea_shop.village.township_id)]}}
        )
    ) == ["冰岛古树茶"]


def test_search_ranks_and_sorts(gql, channel):
    factories.product(channel_obj=channel, name="古树红茶", price="50.00")
    factories.product(channel_obj=channel, name="冰岛古树普洱茶", price="300.00")
    factories.product(channel_obj=channel, name="野生蜂蜜", price="80.00")
    query = """query($q: String, $sort: ProductOrder) { products(first: 10, channel: "urban-retail",
               filter: {search: $q}, sortBy: $sort) { totalCount edges { node { name } } } }"""
    found = gql.data(query, {"q": "古树茶"})
    assert set(names(found)) == {"古树红茶", "冰岛古树普洱茶"}
    by_price = gql.data(query, {"q": "古树茶", "sort": {"field": "PRICE", "direction": "DESC"}})
    assert names(by_price) == ["冰岛古树普洱茶", "古树红茶"]
    everything = gql.data(query, {"q": None, "sort": {"field": "PRICE", "direction": "ASC"}})
    assert names(everything) == ["古树红茶", "野生蜂蜜", "冰岛古树普洱茶"]


def test_trace_batch_is_public_and_masks_the_household(gql, channel, admin_user):
    shop = factories.shop()
    household = factories.household(village_obj=shop.village, head_name="王建国")
    tea = factories.product(shop_obj=shop, channel_obj=channel, name="春茶")
    trace_batch_create(
        actor=admin_user,
        product=tea,
        harvest_date=dt.date(2026, 4, 2),
        plot="老寨3号地",
        household=household,
        code="TR-TEST0001",
        inspection_results=[{"item": "农残", "result": "未检出", "passed": True}],
    )
    data = gql.data("""{ traceBatch(code: "tr-test0001") { code plot householdName householdCategory
        village { name } product { name } inspectionResults { item result passed } } }""")[
        "traceBatch"
    ]
    assert data["householdName"] == "王**"
    assert "王建国" not in str(data)
    assert data["product"]["name"] == "春茶"
    assert data["inspectionResults"] == [{"item": "农残", "result": "未检出", "passed": True}]


def test_households_refused_to_anonymous_and_buyers(gql):
    body = gql("{ households(first: 5) { edges { node { headName } } } }")
    assert body["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    gql.login(factories.user(role=Role.BUYER))
    body = gql("{ households(first: 5) { edges { node { headName } } } }")
    assert body["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"


def test_households_scoped_and_masked_by_role(gql):
    shop_a = factories.shop()
    shop_b = factories.shop()
    mine = factories.household(village_obj=shop_a.village, head_name="李小梅", phone="13812345678")
    factories.household(village_obj=shop_b.village, head_name="赵大山")
    query = "{ households(first: 10) { edges { node { reference headName phone isMasked } } } }"

    gql.login(factories.user(role=Role.SHOP_MANAGER, shop_obj=shop_a))
    rows = [e["node"] for e in gql.data(query)["households"]["edges"]]
    assert rows == [
        {
            "reference": mine.reference,
            "headName": "李小梅",
            "phone": "13812345678",
            "isMasked": False,
        }
    ]

    gql.login(factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=shop_b.village.township))
    rows = [e["node"] for e in gql.data(query)["households"]["edges"]]
    assert [r["headName"] for r in rows] == ["赵**"]
    assert all(r["isMasked"] for r in rows)

    gql.login(factories.platform_admin())
    rows = [e["node"] for e in gql.data(query)["households"]["edges"]]
    assert {r["headName"] for r in rows} == {"李小梅", "赵大山"}


def test_product_by_slug_variant_by_sku_category_and_collection(gql, channel):
    parent = factories.category(name="茶叶")
    child = factories.category(name="普洱茶", parent=parent)
    product = factories.product(channel_obj=channel, name="普洱", category_obj=child, variants=2)
    data = gql.data(
        'query($s: String) { product(slug: $s, channel: "urban-retail") { name category { name parent { name } } '
        "productVariants(first: 5) { totalCount edges { node { sku } } } defaultVariant { sku } } }",
        {"s": product.slug},
    )["product"]
    assert data["category"] == {"name": "普洱茶", "parent": {"name": "茶叶"}}
    assert data["productVariants"]["totalCount"] == 2
    sku = data["defaultVariant"]["sku"]
    variant = gql.data(
        'query($k: String) { productVariant(sku: $k, channel: "urban-retail") { sku product { name } pricing { price { gross { amount } } } } }',
        {"k": sku},
    )
    assert variant["productVariant"]["product"]["name"] == "普洱"
    cat = gql.data(
        '{ category(slug: "%s") { name children(first: 5) { edges { node { name } } } products(first: 5, channel: "urban-retail") { edges { node { name } } } } }'
        % parent.slug
    )
    assert [e["node"]["name"] for e in cat["category"]["children"]["edges"]] == ["普洱茶"]
    # A category's products include its descendants' products, as in Saleor.
    assert [e["node"]["name"] for e in cat["category"]["products"]["edges"]] == ["普洱"]


def test_pagination_walks_every_product_once(gql, channel):
    for i in range(5):
        factories.product(channel_obj=channel, name=f"商品{i}")
    seen, after = [], None
    while True:
        page = gql.data(
            'query($a: String) { products(first: 2, after: $a, channel: "urban-retail") { pageInfo { hasNextPage endCursor } edges { node { name } } } }',
            {"a": after},
        )["products"]
        seen += [e["node"]["name"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert sorted(seen) == [f"商品{i}" for i in range(5)]
    last = gql.data(
        '{ products(last: 2, channel: "urban-retail") { pageInfo { hasPreviousPage } edges { node { name } } } }'
    )
    assert [e["node"]["name"] for e in last["products"]["edges"]] == ["商品3", "商品4"]


def test_tourism_offers_show_their_cancellation_tiers(gql, channel, admin_user):
    from marketplace.bookings.services import cancellation_policy_set

    shop = factories.shop()
    stay = factories.product(shop_obj=shop, channel_obj=channel, offering_kind="HOMESTAY")
    factories.product(shop_obj=shop, channel_obj=channel, name="蜂蜜")
    query = 'query($s: String) { product(slug: $s, channel: "urban-retail") { cancellationPolicy { source tiers { minDaysBefore refundPercent } } } }'
    default = gql.data(query, {"s": stay.slug})["product"]["cancellationPolicy"]
    assert default["source"] == "default"
    cancellation_policy_set(actor=admin_user, shop=shop, tiers=[(14, 100), (5, 30), (0, 0)])
    policy = gql.data(query, {"s": stay.slug})["product"]["cancellationPolicy"]
    assert policy == {
        "source": "shop",
        "tiers": [
            {"minDaysBefore": 14, "refundPercent": 100},
            {"minDaysBefore": 5, "refundPercent": 30},
            {"minDaysBefore": 0, "refundPercent": 0},
        ],
    }
    honey = shop.products.get(name="蜂蜜")
    assert gql.data(query, {"s": honey.slug})["product"]["cancellationPolicy"] is None
