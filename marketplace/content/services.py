"""Writes of menus and pages (the back office and the demo loader call these)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from marketplace.catalog.models import Category, Collection
from marketplace.content.error_codes import ContentErrorCode
from marketplace.content.models import Menu, MenuItem, Page, PageType

_TARGETS = ("category", "collection", "page", "url")


DEFAULT_PAGE_TYPE_SLUG = "content"


def default_page_type() -> PageType:
    page_type, _ = PageType.objects.get_or_create(
        slug=DEFAULT_PAGE_TYPE_SLUG, defaults={"name": "Content page"}
    )
    return page_type


def _error(field: str, message: str, code: ContentErrorCode) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code.value)})


@transaction.atomic
def page_upsert(
    *,
    slug: str,
    title: str,
    content: dict[str, Any],
    is_published: bool = True,
    page_type: PageType | None = None,
    seo_title: str = "",
    seo_description: str = "",
) -> Page:
    """Create or update the page with `slug`; publishing stamps `published_at` once."""
    if content and not isinstance(content.get("blocks"), list):
        raise _error("content", "Content must be an EditorJS document.", ContentErrorCode.INVALID)
    page_type = page_type or default_page_type()
    page = Page.objects.select_for_update().filter(slug=slug).first() or Page(slug=slug)
    page.title, page.content, page.page_type = title, content, page_type
    page.seo_title, page.seo_description = seo_title, seo_description
    page.is_published = is_published
    if is_published and page.published_at is None:
        page.published_at = timezone.now()
    page.full_clean()
    page.save()
    return page


@transaction.atomic
def menu_item_create(
    *,
    menu: Menu,
    name: str,
    parent: MenuItem | None = None,
    category: Category | None = None,
    collection: Collection | None = None,
    page: Page | None = None,
    url: str = "",
    sort_order: int | None = None,
) -> MenuItem:
    """A link at the end of `parent`'s children (or of the top level)."""
    targets = {"category": category, "collection": collection, "page": page, "url": url or None}
    if sum(value is not None for value in targets.values()) > 1:
        raise _error(
            "url",
            "A menu item links to one of a category, a collection, a page or a URL.",
            ContentErrorCode.TOO_MANY_MENU_ITEMS_PROVIDED,
        )
    if parent is not None and parent.menu_id != menu.pk:
        raise _error(
            "parent", "The parent belongs to another menu.", ContentErrorCode.CANNOT_ASSIGN_NODE
        )
    if sort_order is None:
        sort_order = MenuItem.objects.filter(menu=menu, parent=parent).count()
    item = MenuItem(
        menu=menu,
        parent=parent,
        level=0 if parent is None else parent.level + 1,
        name=name,
        sort_order=sort_order,
        category=category,
        collection=collection,
        page=page,
        url=url,
    )
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def menu_replace(*, slug: str, name: str, items: list[dict[str, Any]]) -> Menu:
    """Make the menu `slug` hold exactly `items` (each: `name`, one target of `_TARGETS`,
    optional `children`), replacing what it held: idempotent for the demo loader."""
    menu, _ = Menu.objects.select_for_update().get_or_create(slug=slug, defaults={"name": name})
    if menu.name != name:
        menu.name = name
        menu.save(update_fields=["name"])
    menu.items.all().delete()

    def add(entries: list[dict[str, Any]], parent: MenuItem | None) -> None:
        for order, entry in enumerate(entries):
            targets = {key: entry[key] for key in _TARGETS if entry.get(key)}
            item = menu_item_create(
                menu=menu, name=entry["name"], parent=parent, sort_order=order, **targets
            )
            add(entry.get("children", []), item)

    add(items, None)
    return menu
