"""The number of SQL queries for a page must not grow with the page size (no N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from tests import factories
from tests.api.test_products import FULL_SELECTION

pytestmark = pytest.mark.django_db


def _count(gql, query, variables):
    with CaptureQueriesContext(connection) as ctx:
        body = gql(query, variables)
    assert "errors" not in body, body.get("errors")
    return len(ctx.captured_queries), body


def _catalog(channel, products=6):
    shops = [factories.shop() for _ in range(3)]
    parent = factories.category()
    child = factories.category(parent=parent)
    collection_products = []
    for i in range(products):
        shop = shops[i % 3]
        household = factories.household(village_obj=shop.village) if i % 2 else None
        p = factories.product(
            shop_obj=shop,
            channel_obj=channel,
            variants=2,
            category_obj=child if i % 2 else parent,
            beneficiary=household,
        )
        collection_products.append(p)
    # Tourism offers bring their cancellation tiers along (one more loader).
    for shop in shops:
        collection_products.append(
            factories.product(shop_obj=shop, channel_obj=channel, offering_kind="HOMESTAY")
        )
    return collection_products


def test_products_query_count_is_the_same_for_1_and_100(gql, channel):
    _catalog(channel, products=8)
    few, body_few = _count(gql, FULL_SELECTION, {"first": 1, "channel": "urban-retail"})
    many, body_many = _count(gql, FULL_SELECTION, {"first": 100, "channel": "urban-retail"})
    assert len(body_few["data"]["products"]["edges"]) == 1
    assert len(body_many["data"]["products"]["edges"]) == 11
    assert few == many


@pytest.mark.parametrize(
    "query",
    [
        "{ categories(level: 1, first: %d) { totalCount edges { node { name parent { name } children(first: 5) { edges { node { name } } } } } } }",
        "{ shops(first: %d) { totalCount edges { node { name village { name township { name county { name } } } partyOrganisation { name } } } } }",
    ],
)
def test_other_connections_query_count_is_constant(gql, channel, query):
    _catalog(channel, products=6)
    few, _ = _count(gql, query % 1, {})
    many, _ = _count(gql, query % 100, {})
    assert few == many


def test_search_counts_its_matches_in_the_page_query(gql, channel):
    """A search ranks every match to find the best page, so its total comes with the page:
    no second statement runs the search again, and the total is right on every page."""
    shop = factories.shop()
    for i in range(5):
        factories.product(shop_obj=shop, channel_obj=channel, name=f"野生蜂蜜{i}号")
    factories.product(shop_obj=shop, channel_obj=channel, name="冰岛古树茶")
    query = """query($first: Int, $last: Int, $after: String) {
        products(first: $first, last: $last, after: $after, channel: "urban-retail",
                 filter: {search: "蜂蜜"}) {
          totalCount edges { cursor node { name } } } }"""
    with CaptureQueriesContext(connection) as ctx:
        body = gql(query, {"first": 2})
    assert "errors" not in body, body.get("errors")
    products = body["data"]["products"]
    assert products["totalCount"] == 5
    assert len(products["edges"]) == 2
    statements = [q["sql"] for q in ctx.captured_queries]
    assert not any("COUNT(*) AS" in sql for sql in statements), statements

    # Past the last match there are no rows to read the total from; it is still right.
    after_end = gql(query, {"first": 2, "after": products["edges"][-1]["cursor"]})["data"]
    assert after_end["products"]["totalCount"] == 5
    beyond = gql.data(query, {"first": 2, "after": "YXJyYXljb25uZWN0aW9uOjQ="})  # offset 4
    assert beyond["products"]["totalCount"] == 5 and len(beyond["products"]["edges"]) == 0
    assert gql.data(query, {"last": 2})["products"]["totalCount"] == 5


def test_category_filter_query_count_does_not_grow_with_tree_depth(gql, channel):
    """`filter: {categories}` takes in every descendant. The tree is read whole in one query,
    so a deep tree costs what a flat one does (a walk by level cost one query per level)."""
    shop = factories.shop()
    flat = factories.category()
    factories.product(shop_obj=shop, channel_obj=channel, name="散茶", category_obj=flat)
    deep = factories.category()
    below = deep
    for level in range(4):
        below = factories.category(parent=below)
        factories.product(shop_obj=shop, channel_obj=channel, name=f"茶{level}", category_obj=below)
    query = """query($c: [ID!]) { products(first: 10, channel: "urban-retail",
        filter: {categories: $c}) { edges { node { name } } } }"""

    def run(category):
        count, body = _count(gql, query, {"c": [to_global_id("Category", category.pk)]})
        return count, sorted(e["node"]["name"] for e in body["data"]["products"]["edges"])

    flat_count, flat_names = run(flat)
    deep_count, deep_names = run(deep)
    assert flat_names == ["散茶"]
    assert deep_names == ["茶0", "茶1", "茶2", "茶3"]
    assert flat_count == deep_count
