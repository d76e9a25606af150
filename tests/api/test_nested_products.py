"""`products` under shops, categories and collections: every parent at one level is paged in
one statement, and each page is exactly what the parent's own connection would give."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.catalog.models import Collection, CollectionChannelListing, CollectionProduct
from tests import factories

pytestmark = pytest.mark.django_db

PAGE = """{ totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
            edges { cursor node { name shop { name } } } }"""


def _count(gql, query, variables=None):
    with CaptureQueriesContext(connection) as ctx:
        body = gql(query, variables)
    assert "errors" not in body, body.get("errors")
    return len(ctx.captured_queries), body["data"]


def _shops_with_products(channel, shops=4, each=3):
    made = []
    for s in range(shops):
        shop = factories.shop()
        for p in range(each):
            factories.product(shop_obj=shop, channel_obj=channel, name=f"店{s}货{p}")
        made.append(shop)
    return made


def _collection(name, products, channel):
    collection = Collection.objects.create(name=name, slug=f"c-{name}")
    CollectionChannelListing.objects.create(
        collection=collection, channel=channel, is_published=True
    )
    for i, product in enumerate(products):
        CollectionProduct.objects.create(collection=collection, product=product, sort_order=i)
    return collection


def test_shops_products_cost_the_same_for_one_shop_and_many(gql, channel):
    _shops_with_products(channel, shops=5)
    query = (
        """query($n: Int) { shops(first: $n) { edges { node { name
        products(first: 2, channel: "urban-retail") %s } } } }"""
        % PAGE
    )
    one, _ = _count(gql, query, {"n": 1})
    many, data = _count(gql, query, {"n": 5})
    assert one == many
    assert len(data["shops"]["edges"]) == 5


def test_each_shop_page_is_what_its_own_connection_gives(gql, channel):
    shops = _shops_with_products(channel, shops=3, each=3)
    factories.product(shop_obj=shops[0], channel_obj=channel, name="未上架", published=False)
    nested = gql.data(
        """query($after: String) { shops(first: 10) { edges { node { slug
             products(first: 2, after: $after, channel: "urban-retail") %s } } } }"""
        % PAGE,
        {"after": None},
    )
    for edge in nested["shops"]["edges"]:
        slug = edge["node"]["slug"]
        page = edge["node"]["products"]
        alone = gql.data(
            """query($slug: String) { shop(slug: $slug) {
                 products(last: 3, channel: "urban-retail") %s } }"""
            % PAGE,
            {"slug": slug},
        )["shop"]["products"]
        # The batched page is the first two of the shop's three visible products, in the
        # same order and with the same total as the one-shop path (which `last` takes).
        assert page["totalCount"] == alone["totalCount"] == 3
        assert [e["node"] for e in page["edges"]] == [e["node"] for e in alone["edges"]][:2]
        assert page["pageInfo"]["hasNextPage"] is True
        assert page["pageInfo"]["hasPreviousPage"] is False
        rest = gql.data(
            """query($slug: String, $after: String) { shop(slug: $slug) {
                 products(first: 2, after: $after, channel: "urban-retail") %s } }"""
            % PAGE,
            {"slug": slug, "after": page["pageInfo"]["endCursor"]},
        )["shop"]["products"]
        assert [e["node"] for e in rest["edges"]] == [e["node"] for e in alone["edges"]][2:]
        assert rest["pageInfo"]["hasNextPage"] is False


def test_category_pages_include_subcategories_even_beside_them(gql, channel):
    tea = factories.category(name="茶")
    green = factories.category(name="绿茶", parent=tea)
    black = factories.category(name="红茶", parent=tea)
    shop = factories.shop()
    factories.product(shop_obj=shop, channel_obj=channel, name="毛尖", category_obj=green)
    factories.product(shop_obj=shop, channel_obj=channel, name="滇红", category_obj=black)
    factories.product(shop_obj=shop, channel_obj=channel, name="散茶", category_obj=tea)
    query = """{ categories(first: 10) { edges { node { name
        products(first: 10, channel: "urban-retail") { totalCount edges { node { name } } }
      } } } }"""
    count, data = _count(gql, query)
    pages = {
        e["node"]["name"]: sorted(p["node"]["name"] for p in e["node"]["products"]["edges"])
        for e in data["categories"]["edges"]
    }
    # The parent and its children are on one page of categories: a product is on both.
    assert pages == {"茶": ["散茶", "毛尖", "滇红"], "绿茶": ["毛尖"], "红茶": ["滇红"]}
    totals = {
        e["node"]["name"]: e["node"]["products"]["totalCount"] for e in data["categories"]["edges"]
    }
    assert totals == {"茶": 3, "绿茶": 1, "红茶": 1}
    # One statement per tree level, however many categories: the count is bounded by depth.
    more = [factories.category(name=f"花茶{i}", parent=tea) for i in range(4)]
    assert more
    again, _ = _count(gql, query)
    assert again == count


def test_a_product_in_two_collections_is_on_both_pages(gql, channel):
    shop = factories.shop()
    honey = factories.product(shop_obj=shop, channel_obj=channel, name="蜂蜜")
    tea = factories.product(shop_obj=shop, channel_obj=channel, name="古树茶")
    _collection("年货", [honey, tea], channel)
    _collection("伴手礼", [honey], channel)
    query = """query($n: Int) { collections(first: $n, channel: "urban-retail") {
        edges { node { name products(first: 5) { totalCount edges { node { name } } } } } } }"""
    one, _ = _count(gql, query, {"n": 1})
    both, data = _count(gql, query, {"n": 2})
    assert one == both
    pages = {
        e["node"]["name"]: sorted(p["node"]["name"] for p in e["node"]["products"]["edges"])
        for e in data["collections"]["edges"]
    }
    assert pages == {"年货": ["古树茶", "蜂蜜"], "伴手礼": ["蜂蜜"]}


def test_bad_arguments_on_a_nested_page_are_refused(gql, channel):
    _shops_with_products(channel, shops=2)
    body = gql(
        """{ shops(first: 2) { edges { node {
             products(first: 101, channel: "urban-retail") { totalCount } } } } }"""
    )
    assert body["errors"][0]["extensions"]["exception"]["code"] == "GRAPHQL_ERROR"
    body = gql(
        """{ shops(first: 2) { edges { node {
             products(first: 2, channel: "no-such-channel") { totalCount } } } } }"""
    )
    codes = {e["extensions"]["exception"]["code"] for e in body["errors"]}
    assert codes == {"NOT_FOUND"}


@pytest.mark.parametrize(
    "arguments",
    [
        'search: "茶"',
        'filter: {search: "茶"}, sortBy: {field: RANK, direction: DESC}',
        "sortBy: {field: PRICE, direction: DESC}",
        "sortBy: {field: MINIMAL_PRICE, direction: DESC}",
        "sortBy: {field: RATING, direction: ASC}",
        "sortBy: {field: PUBLISHED_AT, direction: ASC}",
        "sortBy: {field: CREATED_AT, direction: DESC}",
        "where: {price: {range: {gte: 11}}}",
    ],
)
def test_batched_pages_follow_every_sort_and_filter(gql, channel, arguments):
    """Page by page, a batched category page lists what the category's own connection lists,
    whatever the search, filter or order (each adds its own annotations to the window)."""
    category = factories.category(name="山货")
    shop = factories.shop()
    for i, name in enumerate(["古树红茶", "冰岛普洱茶", "野生蜂蜜", "核桃", "滇红茶"]):
        factories.product(
            shop_obj=shop, channel_obj=channel, name=name, price=str(10 + i), category_obj=category
        )
    batched = (
        """query($after: String) { categories(first: 5) { edges { node {
        products(first: 2, after: $after, channel: "urban-retail", %s) {
          totalCount pageInfo { endCursor } edges { node { name } } } } } } }"""
        % arguments
    )
    alone = gql.data(
        """query($slug: String) { category(slug: $slug) {
             products(last: 10, channel: "urban-retail", %s) {
               totalCount edges { node { name } } } } }"""
        % arguments,
        {"slug": category.slug},
    )["category"]["products"]
    expected = [e["node"]["name"] for e in alone["edges"]]

    first = gql.data(batched, {"after": None})["categories"]["edges"][0]["node"]["products"]
    after = first["pageInfo"]["endCursor"]
    second = gql.data(batched, {"after": after})["categories"]["edges"][0]["node"]["products"]
    assert first["totalCount"] == second["totalCount"] == alone["totalCount"]
    assert [e["node"]["name"] for e in first["edges"]] == expected[:2]
    assert [e["node"]["name"] for e in second["edges"]] == expected[2:4]
