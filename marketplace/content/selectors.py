"""Reads of menus and pages for the storefront: only published pages are public."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet

from marketplace.content.models import Menu, MenuItem, Page


def menu_list(*, search: str | None = None, slugs: Sequence[str] | None = None) -> QuerySet[Menu]:
    queryset = Menu.objects.all()
    if search:
        queryset = queryset.filter(name__icontains=search)
    if slugs is not None:
        queryset = queryset.filter(slug__in=slugs)
    return queryset.order_by("slug", "pk")


def menu_get(
    *, pk: int | None = None, name: str | None = None, slug: str | None = None
) -> Menu | None:
    lookups = {
        key: value
        for key, value in (("pk", pk), ("name", name), ("slug", slug))
        if value is not None
    }
    return Menu.objects.filter(**lookups).first() if lookups else None


def top_menu_items(*, menu_ids: Sequence[int]) -> QuerySet[MenuItem]:
    return MenuItem.objects.filter(menu_id__in=menu_ids, parent__isnull=True)


def published_pages() -> QuerySet[Page]:
    return Page.objects.filter(is_published=True)


def page_list(
    *,
    ids: Sequence[int] | None = None,
    slugs: Sequence[str] | None = None,
    page_type_ids: Sequence[int] | None = None,
    search: str | None = None,
) -> QuerySet[Page]:
    queryset = published_pages()
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    if slugs is not None:
        queryset = queryset.filter(slug__in=slugs)
    if page_type_ids is not None:
        queryset = queryset.filter(page_type_id__in=page_type_ids)
    if search:
        queryset = queryset.filter(title__icontains=search)
    return queryset.order_by("slug", "pk")
