"""Menus and pages as Saleor's storefront reads them: the navbar tree with its links, pages
by slug, the pages connection; unpublished pages and collections stay hidden; the number of
queries does not grow with the number of items."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from marketplace.catalog.models import Collection, CollectionChannelListing
from marketplace.catalog.services import editorjs_from_text
from marketplace.content import services
from marketplace.content.models import Menu, MenuItem
from tests import factories

pytestmark = pytest.mark.django_db

MENU = """query($slug: String!, $channel: String) { menu(slug: $slug, channel: $channel) {
    id name slug
    items { id name level url
        category { id slug } collection { id slug } page { id slug title }
        children { id name level url category { slug } collection { slug } page { slug }
            children { name level } } } } }"""

PAGE = """query($slug: String!) { page(slug: $slug) {
    id title slug content isPublished seoTitle pageType { id slug } created
    translation(languageCode: EN) { title }
    assignedAttributes { attribute { id } } } }"""

PAGES = """query($first: Int, $where: PageWhereInput) { pages(first: $first, where: $where) {
    totalCount edges { node { id slug title pageType { slug } } } } }"""


def _collection(slug, channel, published=True):
    collection, _ = Collection.objects.get_or_create(slug=slug, defaults={"name": slug})
    CollectionChannelListing.objects.filter(collection=collection).delete()
    CollectionChannelListing.objects.create(
        collection=collection, channel=channel, is_published=published
    )
    return collection


def _count(gql, query, variables):
    with CaptureQueriesContext(connection) as ctx:
        body = gql(query, variables)
    assert "errors" not in body, body.get("errors")
    return len(ctx.captured_queries), body["data"]


def _navbar(channel, groups):
    about = services.page_upsert(
        slug="about", title="关于我们", content=editorjs_from_text("村货直供。")
    )
    draft = services.page_upsert(
        slug="draft", title="草稿", content=editorjs_from_text("x"), is_published=False
    )
    items = []
    for i in range(groups):
        items.append(
            {
                "name": f"分类{i}",
                "category": factories.category(),
                "children": [
                    {"name": "精选", "collection": _collection(f"featured-{i}", channel)},
                    {"name": "隐藏", "collection": _collection(f"hidden-{i}", channel, False)},
                    {"name": "关于", "page": about},
                    {"name": "草稿", "page": draft},
                    {"name": "外链", "url": "https://example.cn/"},
                ],
            }
        )
    return services.menu_replace(slug="navbar", name="navbar", items=items)


def test_menu_tree_with_links(gql, channel):
    _navbar(channel, groups=2)
    menu = gql.data(MENU, {"slug": "navbar", "channel": "urban-retail"})["menu"]
    assert menu["name"] == "navbar"
    assert [item["name"] for item in menu["items"]] == ["分类0", "分类1"]
    top = menu["items"][0]
    assert top["level"] == 0 and top["category"] is not None
    children = top["children"]
    assert [c["name"] for c in children] == ["精选", "隐藏", "关于", "草稿", "外链"]
    assert {c["level"] for c in children} == {1}
    assert children[0]["collection"] == {"slug": "featured-0"}
    assert children[1]["collection"] is None  # not published in the channel
    assert children[2]["page"] == {"slug": "about"}
    assert children[3]["page"] is None  # unpublished
    assert children[4]["url"] == "https://example.cn/"


def test_menu_queries_do_not_grow_with_items(gql, channel):
    _navbar(channel, groups=1)
    few, _ = _count(gql, MENU, {"slug": "navbar", "channel": "urban-retail"})
    _navbar(channel, groups=6)
    many, data = _count(gql, MENU, {"slug": "navbar", "channel": "urban-retail"})
    assert len(data["menu"]["items"]) == 6
    assert few == many


def test_menu_replace_is_idempotent(channel):
    _navbar(channel, groups=2)
    _navbar(channel, groups=2)
    assert Menu.objects.filter(slug="navbar").count() == 1
    assert MenuItem.objects.filter(menu__slug="navbar").count() == 2 * 6


def test_unknown_menu_is_null_and_no_argument_is_an_error(gql, channel):
    assert gql.data(MENU, {"slug": "nope"})["menu"] is None
    body = gql("{ menu { id } }")
    assert body["errors"][0]["extensions"]["exception"]["code"] == "GRAPHQL_ERROR"


def test_page_by_slug_answers_editorjs_content(gql, channel):
    services.page_upsert(slug="tourism", title="乡村旅游", content=editorjs_from_text("采茶体验。"))
    page = gql.data(PAGE, {"slug": "tourism"})["page"]
    assert page["title"] == "乡村旅游" and page["isPublished"] is True
    assert json.loads(page["content"])["blocks"][0]["data"]["text"] == "采茶体验。"
    assert page["pageType"]["slug"] == services.DEFAULT_PAGE_TYPE_SLUG
    assert page["translation"] is None and page["assignedAttributes"] == []
    gid = to_global_id(
        "Page",
        str(services.page_upsert(slug="hidden", title="h", content={}, is_published=False).pk),
    )
    assert gql.data(PAGE, {"slug": "hidden"})["page"] is None
    assert gql.data("query($id: ID) { page(id: $id) { id } }", {"id": gid})["page"] is None


def test_pages_connection_filters_and_keeps_its_query_count(gql, channel):
    services.page_upsert(slug="p0", title="p0", content={})
    few, _ = _count(gql, PAGES, {"first": 10})
    for i in range(1, 8):
        services.page_upsert(slug=f"p{i}", title=f"p{i}", content={})
    services.page_upsert(slug="draft", title="d", content={}, is_published=False)
    many, data = _count(gql, PAGES, {"first": 10})
    assert data["pages"]["totalCount"] == 8 and few == many
    picked = gql.data(
        PAGES, {"first": 10, "where": {"OR": [{"slug": {"eq": "p1"}}, {"slug": {"eq": "p2"}}]}}
    )["pages"]
    assert sorted(e["node"]["slug"] for e in picked["edges"]) == ["p1", "p2"]
    body = gql(PAGES, {"where": {"slug": {"eq": "p1"}}})
    assert "errors" in body  # first/last is required, as on every connection


def test_a_menu_item_links_to_one_target_only(channel):
    menu = Menu.objects.create(name="footer", slug="footer")
    page = services.page_upsert(slug="about", title="about", content={})
    with pytest.raises(ValidationError):
        services.menu_item_create(menu=menu, name="x", page=page, url="https://example.cn/")
    with pytest.raises(IntegrityError), transaction.atomic():
        MenuItem.objects.create(menu=menu, name="x", page=page, url="https://example.cn/")


def test_page_content_must_be_editorjs():
    with pytest.raises(ValidationError):
        services.page_upsert(slug="bad", title="bad", content={"text": "plain"})


def test_pages_sort_by_title_and_menus_by_items_count(gql, channel):
    for slug in ("b", "a", "c"):
        services.page_upsert(slug=slug, title=slug.upper(), content={})
    body = gql.data(
        "{ pages(first: 5, sortBy: {field: TITLE, direction: DESC}) { edges { node { title } } } }"
    )
    assert [e["node"]["title"] for e in body["pages"]["edges"]] == ["C", "B", "A"]
    services.menu_replace(slug="footer", name="footer", items=[{"name": "x"}])
    _navbar(channel, groups=2)
    menus = gql.data(
        "{ menus(first: 5, sortBy: {field: ITEMS_COUNT, direction: ASC}) "
        "{ totalCount edges { node { slug } } } }"
    )["menus"]
    assert [e["node"]["slug"] for e in menus["edges"]] == ["footer", "navbar"]
