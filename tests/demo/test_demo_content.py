"""The demo gives Saleor's storefront what it asks for: menus `navbar` and `footer`, content
pages, and the collection `featured-products` of village produce, read through the API."""

from __future__ import annotations

import json

from django.test import Client

from marketplace.content.models import Menu, MenuItem, Page
from tests.api.conftest import GraphQLClient
from tests.api.storefront_documents import PRODUCT_LIST
from tooling.demo import load_demo_data

MENU = """query($slug: String!) { menu(slug: $slug, channel: "urban-retail") { items {
    name category { slug } collection { slug } page { slug }
    children { name collection { slug } page { slug } } } } }"""


def _gql() -> GraphQLClient:
    return GraphQLClient(Client())


def test_navbar_and_footer_link_to_live_things(demo):
    gql = _gql()
    navbar = gql.data(MENU, {"slug": "navbar"})["menu"]["items"]
    assert navbar[0]["collection"] == {"slug": "featured-products"}
    assert {item["category"]["slug"] for item in navbar if item["category"]} >= {"tea", "nuts"}
    assert {item["page"]["slug"] for item in navbar if item["page"]} == {"about", "rural-tourism"}
    footer = gql.data(MENU, {"slug": "footer"})["menu"]["items"]
    links = [child for group in footer for child in group["children"]]
    # Every footer link resolves: no page or collection is hidden from the storefront.
    assert links and all(link["page"] or link["collection"] for link in links)


def test_pages_and_the_featured_collection(demo):
    gql = _gql()
    page = gql.data('{ page(slug: "rural-tourism") { title content } }')["page"]
    assert page["title"] == "乡村旅游"
    assert len(json.loads(page["content"])["blocks"]) == 3
    featured = gql.data(
        """{ collection(slug: "featured-products", channel: "urban-retail") {
            products(first: 20) { edges { node { slug productType { slug } } } } } }"""
    )["collection"]["products"]["edges"]
    assert len(featured) >= 8
    assert not {e["node"]["productType"]["slug"] for e in featured} & {"homestay", "experience"}


def test_the_storefront_product_list_runs_on_demo_data(demo):
    body = _gql()(PRODUCT_LIST, {"first": 9, "channel": "urban-retail"})
    assert "errors" not in body, body
    assert len(body["data"]["products"]["edges"]) == 9


def test_content_is_loaded_once(demo):
    before = (Page.objects.count(), Menu.objects.count(), MenuItem.objects.count())
    pks = sorted(MenuItem.objects.values_list("pk", flat=True))
    load_demo_data()
    assert (Page.objects.count(), Menu.objects.count(), MenuItem.objects.count()) == before
    assert sorted(MenuItem.objects.values_list("pk", flat=True)) == pks
