"""The number of SQL queries for a page must not grow with the page size (no N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
