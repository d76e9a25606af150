"""Query fields of menus and pages: `menu`, `menus`, `page`, `pages` (Saleor's arguments)."""

from __future__ import annotations

from typing import Any

import graphene
from django.db.models import Count, F, QuerySet

from marketplace.content import selectors
from storefront_api.catalog.filters import GlobalIDFilterInput, StringFilterInput
from storefront_api.catalog.filters import _id_filter as id_filter
from storefront_api.catalog.filters import _string_filter as string_filter
from storefront_api.catalog.types import with_channel
from storefront_api.content.types import (
    Menu,
    MenuCountableConnection,
    Page,
    PageCountableConnection,
)
from storefront_api.core.channel import resolve_channel
from storefront_api.core.connection import connection_args, paginate
from storefront_api.core.enums import api_enum
from storefront_api.core.errors import ApiError
from storefront_api.core.ids import decode_id, decode_ids
from storefront_api.core.types import LanguageCodeEnum, OrderDirection

MenuSortField = api_enum("MenuSortField", [("NAME", "name"), ("ITEMS_COUNT", "items_count")])
PageSortField = api_enum(
    "PageSortField",
    [
        ("TITLE", "title"),
        ("SLUG", "slug"),
        ("VISIBILITY", "is_published"),
        ("CREATION_DATE", "creation_date"),
        ("PUBLICATION_DATE", "publication_date"),
        ("PUBLISHED_AT", "published_at"),
        ("CREATED_AT", "created_at"),
        ("RANK", "rank"),
    ],
)
# Sort values that name another's column: Saleor's deprecated twins, and rank (no search
# rank is kept, so it orders by slug).
_SORT_COLUMNS = {"creation_date": "created_at", "publication_date": "published_at", "rank": "slug"}


class MenuFilterInput(graphene.InputObjectType):
    search = graphene.String()
    slug = graphene.List(graphene.NonNull(graphene.String), deprecation_reason="Use `slugs`.")
    slugs = graphene.List(graphene.NonNull(graphene.String))


class MenuSortingInput(graphene.InputObjectType):
    direction = graphene.InputField(OrderDirection, required=True)
    field = graphene.InputField(MenuSortField, required=True)


class PageFilterInput(graphene.InputObjectType):
    search = graphene.String()
    page_types = graphene.List(graphene.NonNull(graphene.ID))
    ids = graphene.List(graphene.NonNull(graphene.ID))
    slugs = graphene.List(graphene.NonNull(graphene.String))


class PageSortingInput(graphene.InputObjectType):
    direction = graphene.InputField(OrderDirection, required=True)
    field = graphene.InputField(PageSortField, required=True)


class PageWhereInput(graphene.InputObjectType):
    ids = graphene.List(graphene.NonNull(graphene.ID))
    slug = graphene.InputField(StringFilterInput)
    page_type = graphene.InputField(GlobalIDFilterInput)
    AND = graphene.List(graphene.NonNull(lambda: PageWhereInput))
    OR = graphene.List(graphene.NonNull(lambda: PageWhereInput))


def _ordered(queryset: QuerySet[Any], sort_by: Any) -> QuerySet[Any]:
    if not sort_by:
        return queryset
    name = str(getattr(sort_by["field"], "value", sort_by["field"]))
    name = _SORT_COLUMNS.get(name, name)
    descending = str(getattr(sort_by["direction"], "value", sort_by["direction"])) == "desc"
    if name == "items_count":
        queryset = queryset.annotate(items_count=Count("items"))
    column = F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)
    return queryset.order_by(column, "pk")


def _pages_where(queryset: QuerySet[Any], where: Any) -> QuerySet[Any]:
    if not where:
        return queryset
    if where.get("ids") is not None:
        queryset = queryset.filter(
            pk__in=decode_ids(where["ids"], expected_type="Page", field="ids") or []
        )
    slugs = string_filter(where.get("slug"))
    if slugs is not None:
        queryset = queryset.filter(slug__in=slugs)
    types = id_filter(where.get("page_type"), "PageType", "pageType")
    if types is not None:
        queryset = queryset.filter(page_type_id__in=types)
    for sub in where.get("AND") or ():
        queryset = queryset.filter(pk__in=_pages_where(selectors.published_pages(), sub))
    if where.get("OR"):
        matching = selectors.published_pages().none()
        for sub in where["OR"]:
            matching = matching | _pages_where(selectors.published_pages(), sub)
        queryset = queryset.filter(pk__in=matching.values("pk"))
    return queryset


class ContentQueries(graphene.ObjectType):
    menu = graphene.Field(
        Menu,
        channel=graphene.String(),
        id=graphene.ID(),
        name=graphene.String(),
        slug=graphene.String(),
        description="A menu by ID, name or slug (e.g. `navbar`, `footer`).",
    )
    menus = graphene.Field(
        MenuCountableConnection,
        channel=graphene.String(),
        sort_by=graphene.Argument(MenuSortingInput),
        filter=graphene.Argument(MenuFilterInput),
        **connection_args(),
    )
    page = graphene.Field(
        Page,
        id=graphene.ID(),
        slug=graphene.String(),
        slug_language_code=graphene.Argument(LanguageCodeEnum),
        channel=graphene.String(),
        description="A published page by ID or slug.",
    )
    pages = graphene.Field(
        PageCountableConnection,
        sort_by=graphene.Argument(PageSortingInput),
        filter=graphene.Argument(
            PageFilterInput, deprecation_reason="+ Use `where` and `search` instead."
        ),
        search=graphene.String(),
        where=graphene.Argument(PageWhereInput),
        channel=graphene.String(),
        **connection_args(),
    )

    @staticmethod
    def resolve_menu(
        root: Any,
        info: Any,
        channel: str | None = None,
        id: str | None = None,
        name: str | None = None,
        slug: str | None = None,
    ) -> Any:
        if id is None and name is None and slug is None:
            raise ApiError("Give the menu's `id`, `name` or `slug`.", code="GRAPHQL_ERROR")
        pk = decode_id(id, expected_type="Menu") if id is not None else None
        menu = selectors.menu_get(pk=pk, name=name, slug=slug)
        return with_channel(menu, resolve_channel(info.context, channel).slug)

    @staticmethod
    def resolve_menus(
        root: Any,
        info: Any,
        channel: str | None = None,
        sort_by: Any = None,
        filter: Any = None,
        **page: Any,
    ) -> Any:
        filter = filter or {}
        slugs = filter.get("slugs") if filter.get("slugs") is not None else filter.get("slug")
        queryset = _ordered(selectors.menu_list(search=filter.get("search"), slugs=slugs), sort_by)
        connection = paginate(queryset, MenuCountableConnection, connection_name="menus", **page)
        channel_slug = resolve_channel(info.context, channel).slug
        for edge in connection.edges:
            with_channel(edge.node, channel_slug)
        return connection

    @staticmethod
    def resolve_page(
        root: Any, info: Any, id: str | None = None, slug: str | None = None, **_: Any
    ) -> Any:
        if (id is None) == (slug is None):
            raise ApiError("Exactly one of `id` or `slug` must be provided.", code="GRAPHQL_ERROR")
        if id is not None:
            return (
                selectors.published_pages().filter(pk=decode_id(id, expected_type="Page")).first()
            )
        return selectors.published_pages().filter(slug=slug).first()

    @staticmethod
    def resolve_pages(
        root: Any,
        info: Any,
        sort_by: Any = None,
        filter: Any = None,
        search: str | None = None,
        where: Any = None,
        channel: str | None = None,
        **page: Any,
    ) -> Any:
        filter = filter or {}
        queryset = selectors.page_list(
            ids=decode_ids(filter.get("ids"), expected_type="Page", field="ids"),
            slugs=filter.get("slugs"),
            page_type_ids=decode_ids(
                filter.get("page_types"), expected_type="PageType", field="pageTypes"
            ),
            search=search or filter.get("search"),
        )
        queryset = _ordered(_pages_where(queryset, where), sort_by)
        return paginate(queryset, PageCountableConnection, connection_name="pages", **page)
