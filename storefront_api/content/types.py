"""Saleor's Menu, MenuItem, Page and PageType types over `marketplace.content`."""

from __future__ import annotations

from typing import Any

import graphene

from marketplace.content import models
from storefront_api.catalog.dataloaders import CategoryByIdLoader
from storefront_api.catalog.types import (
    AssignedAttribute,
    Category,
    Collection,
    SelectedAttribute,
    with_channel,
)
from storefront_api.content.dataloaders import (
    MenuByIdLoader,
    MenuItemByIdLoader,
    MenuItemChildrenLoader,
    PageTypeByIdLoader,
    PublishedPageByIdLoader,
    TopMenuItemsByMenuLoader,
    VisibleCollectionLoader,
)
from storefront_api.core.channel import channel_by_slug
from storefront_api.core.connection import CountableConnection
from storefront_api.core.dataloaders import get_loader, then
from storefront_api.core.types import (
    LanguageCodeEnum,
    LanguageDisplay,
    ObjectWithMetadata,
    PositiveInt,
)


def _no_translation(root: Any, info: Any, language_code: Any) -> None:
    # Chinese is the source language; no translations are stored yet.
    return None


def _channel_of(root: Any) -> str | None:
    return getattr(root, "_channel_slug", None)


class MenuItemTranslation(graphene.ObjectType):
    id = graphene.ID(required=True)
    language = graphene.Field(LanguageDisplay, required=True)
    name = graphene.String(required=True)


class PageTranslation(graphene.ObjectType):
    id = graphene.ID(required=True)
    language = graphene.Field(LanguageDisplay, required=True)
    seo_title = graphene.String()
    seo_description = graphene.String()
    slug = graphene.String()
    title = graphene.String()
    content = graphene.JSONString()


class PageType(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node, ObjectWithMetadata)

    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    has_pages = graphene.Boolean()

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, models.PageType)

    @staticmethod
    def resolve_has_pages(root: models.PageType, info: Any) -> bool:
        return root.pages.exists()


class Page(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node, ObjectWithMetadata)
        description = "A content page; `content` is an EditorJS document, as in Saleor."

    assigned_attribute = graphene.Field(AssignedAttribute, slug=graphene.String(required=True))
    assigned_attributes = graphene.List(
        graphene.NonNull(AssignedAttribute),
        required=True,
        limit=graphene.Argument(PositiveInt, default_value=100),
    )
    seo_title = graphene.String()
    seo_description = graphene.String()
    title = graphene.String(required=True)
    content = graphene.JSONString()
    publication_date = graphene.Date(
        deprecation_reason="Use the `publishedAt` field to fetch the publication date."
    )
    published_at = graphene.DateTime()
    is_published = graphene.Boolean(required=True)
    slug = graphene.String(required=True)
    page_type = graphene.Field(PageType, required=True)
    created = graphene.DateTime(required=True)
    content_json = graphene.JSONString(
        required=True, deprecation_reason="Use the `content` field instead."
    )
    translation = graphene.Field(
        PageTranslation,
        language_code=graphene.Argument(LanguageCodeEnum, required=True),
        resolver=_no_translation,
    )
    attribute = graphene.Field(
        SelectedAttribute,
        slug=graphene.String(required=True),
        deprecation_reason="Use `assignedAttribute` field instead.",
    )
    attributes = graphene.List(
        graphene.NonNull(SelectedAttribute),
        required=True,
        deprecation_reason="Use `assignedAttributes` field instead.",
    )

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, models.Page)

    # Pages carry no attributes yet (no page type defines any).
    @staticmethod
    def resolve_assigned_attribute(root: models.Page, info: Any, slug: str) -> None:
        return None

    @staticmethod
    def resolve_assigned_attributes(root: models.Page, info: Any, limit: int = 100) -> list:
        return []

    @staticmethod
    def resolve_attribute(root: models.Page, info: Any, slug: str) -> None:
        return None

    @staticmethod
    def resolve_attributes(root: models.Page, info: Any) -> list:
        return []

    @staticmethod
    def resolve_seo_title(root: models.Page, info: Any) -> str | None:
        return root.seo_title or None

    @staticmethod
    def resolve_seo_description(root: models.Page, info: Any) -> str | None:
        return root.seo_description or None

    @staticmethod
    def resolve_content(root: models.Page, info: Any) -> Any:
        return root.content or None

    @staticmethod
    def resolve_content_json(root: models.Page, info: Any) -> Any:
        return root.content or {}

    @staticmethod
    def resolve_publication_date(root: models.Page, info: Any) -> Any:
        return root.published_at.date() if root.published_at else None

    @staticmethod
    def resolve_created(root: models.Page, info: Any) -> Any:
        return root.created_at

    @staticmethod
    def resolve_page_type(root: models.Page, info: Any) -> Any:
        return get_loader(info.context, PageTypeByIdLoader).load(root.page_type_id)


class PageCountableConnection(CountableConnection):
    class Meta:
        node = Page
        strict_types = True


class MenuItem(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node, ObjectWithMetadata)

    name = graphene.String(required=True)
    menu = graphene.Field(lambda: Menu, required=True)
    parent = graphene.Field(lambda: MenuItem)
    category = graphene.Field(Category)
    collection = graphene.Field(
        Collection, description="Only a collection published in the menu's channel."
    )
    page = graphene.Field(Page, description="Only a published page.")
    level = graphene.Int(required=True)
    children = graphene.List(graphene.NonNull(lambda: MenuItem))
    url = graphene.String()
    translation = graphene.Field(
        MenuItemTranslation,
        language_code=graphene.Argument(LanguageCodeEnum, required=True),
        resolver=_no_translation,
    )

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, models.MenuItem)

    @staticmethod
    def resolve_menu(root: models.MenuItem, info: Any) -> Any:
        return then(
            get_loader(info.context, MenuByIdLoader).load(root.menu_id),
            lambda menu: with_channel(menu, _channel_of(root)),
        )

    @staticmethod
    def resolve_parent(root: models.MenuItem, info: Any) -> Any:
        if root.parent_id is None:
            return None
        return then(
            get_loader(info.context, MenuItemByIdLoader).load(root.parent_id),
            lambda item: with_channel(item, _channel_of(root)),
        )

    @staticmethod
    def resolve_children(root: models.MenuItem, info: Any) -> Any:
        return then(
            get_loader(info.context, MenuItemChildrenLoader).load(root.pk),
            lambda items: [with_channel(item, _channel_of(root)) for item in items],
        )

    @staticmethod
    def resolve_category(root: models.MenuItem, info: Any) -> Any:
        if root.category_id is None:
            return None
        return get_loader(info.context, CategoryByIdLoader).load(root.category_id)

    @staticmethod
    def resolve_collection(root: models.MenuItem, info: Any) -> Any:
        slug = _channel_of(root)
        channel = channel_by_slug(info.context, slug) if slug else None
        if root.collection_id is None or channel is None:
            return None
        return then(
            get_loader(info.context, VisibleCollectionLoader).load(
                (channel.pk, root.collection_id)
            ),
            lambda collection: with_channel(collection, slug),
        )

    @staticmethod
    def resolve_page(root: models.MenuItem, info: Any) -> Any:
        if root.page_id is None:
            return None
        return get_loader(info.context, PublishedPageByIdLoader).load(root.page_id)

    @staticmethod
    def resolve_url(root: models.MenuItem, info: Any) -> str | None:
        return root.url or None


class Menu(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node, ObjectWithMetadata)

    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    items = graphene.List(graphene.NonNull(MenuItem), description="The top-level items.")

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, models.Menu)

    @staticmethod
    def resolve_items(root: models.Menu, info: Any) -> Any:
        return then(
            get_loader(info.context, TopMenuItemsByMenuLoader).load(root.pk),
            lambda items: [with_channel(item, _channel_of(root)) for item in items],
        )


class MenuCountableConnection(CountableConnection):
    class Meta:
        node = Menu
        strict_types = True
