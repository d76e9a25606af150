"""Menus and content pages: the storefront's navbar, footer and pages; platform staff only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from admin.scoping import PLATFORM_ONLY, CreatesThroughServiceMixin, ScopedModelAdmin
from marketplace.content import services
from marketplace.content.models import Menu, MenuItem, Page, PageType


@admin.register(PageType)
class PageTypeAdmin(ScopedModelAdmin):
    scope = PLATFORM_ONLY
    list_display = ("slug", "name")
    search_fields = ("slug", "name")


@admin.register(Page)
class PageAdmin(CreatesThroughServiceMixin, ScopedModelAdmin):
    scope = PLATFORM_ONLY
    list_display = ("slug", "title", "page_type", "is_published", "published_at")
    list_filter = ("is_published", "page_type")
    search_fields = ("slug", "title")
    readonly_fields = ("published_at", "created_at")
    fields = (
        "title",
        "slug",
        "page_type",
        "content",
        "seo_title",
        "seo_description",
        "is_published",
        "published_at",
        "created_at",
    )

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Model:
        return services.page_upsert(
            slug=data["slug"],
            title=data["title"],
            content=data.get("content") or {},
            is_published=data.get("is_published", False),
            page_type=data.get("page_type"),
            seo_title=data.get("seo_title", ""),
            seo_description=data.get("seo_description", ""),
        )


@admin.register(Menu)
class MenuAdmin(ScopedModelAdmin):
    scope = PLATFORM_ONLY
    list_display = ("slug", "name")
    search_fields = ("slug", "name")


@admin.register(MenuItem)
class MenuItemAdmin(CreatesThroughServiceMixin, ScopedModelAdmin):
    scope = PLATFORM_ONLY
    list_display = (
        "name",
        "menu",
        "parent",
        "level",
        "sort_order",
        "category",
        "collection",
        "page",
        "url",
    )
    list_filter = ("menu", "level")
    search_fields = ("name",)
    # The tree position is set once, by the service: moving an item is delete and re-add.
    fields = ("menu", "parent", "name", "sort_order", "category", "collection", "page", "url")

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "url":
            # A link typed without a scheme is taken as https (Django 6's default already).
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        return ("menu", "parent", "level") if obj is not None else ()

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Model:
        return services.menu_item_create(
            menu=data["menu"],
            name=data["name"],
            parent=data.get("parent"),
            category=data.get("category"),
            collection=data.get("collection"),
            page=data.get("page"),
            url=data.get("url") or "",
            sort_order=data.get("sort_order"),
        )
