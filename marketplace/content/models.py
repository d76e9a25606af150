"""Menus as trees of links, and content pages with EditorJS bodies (as Saleor keeps them)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class PageType(models.Model):
    name = models.CharField(max_length=250)
    slug = models.SlugField(max_length=255, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["slug", "pk"]

    def __str__(self) -> str:
        return self.name


class Page(models.Model):
    title = models.CharField(max_length=250)
    slug = models.SlugField(max_length=255, unique=True, allow_unicode=True)
    # EditorJS document: {"time": ..., "blocks": [{"type": "paragraph", "data": {...}}], ...}
    content = models.JSONField(default=dict, blank=True)
    seo_title = models.CharField(max_length=70, blank=True)
    seo_description = models.CharField(max_length=300, blank=True)
    # Saleor's Page.pageType is non-null; callers may leave it out (see services).
    page_type = models.ForeignKey(PageType, on_delete=models.PROTECT, related_name="pages")
    is_published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug", "pk"]
        constraints = [
            models.CheckConstraint(
                name="page_content_is_an_object",
                condition=Q(content__has_key="blocks") | Q(content={}),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Menu(models.Model):
    name = models.CharField(max_length=250, unique=True)
    slug = models.SlugField(max_length=255, unique=True)

    class Meta:
        ordering = ["slug", "pk"]

    def __str__(self) -> str:
        return self.name


class MenuItem(models.Model):
    """One link of a menu: to a category, a collection, a page or a URL (or none, as a
    heading for its children). `level` is 0 at the top and kept by the service."""

    menu = models.ForeignKey(Menu, on_delete=models.CASCADE, related_name="items")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    name = models.CharField(max_length=128)
    sort_order = models.PositiveIntegerField(default=0)
    level = models.PositiveSmallIntegerField(default=0)
    category = models.ForeignKey(
        "catalog.Category", null=True, blank=True, on_delete=models.CASCADE
    )
    collection = models.ForeignKey(
        "catalog.Collection", null=True, blank=True, on_delete=models.CASCADE
    )
    page = models.ForeignKey(Page, null=True, blank=True, on_delete=models.CASCADE)
    url = models.URLField(max_length=256, blank=True)

    class Meta:
        ordering = ["sort_order", "pk"]
        constraints = [
            # At most one target, as Saleor's menuItemCreate demands.
            models.CheckConstraint(
                name="menu_item_links_to_at_most_one_target",
                condition=(
                    Q(category__isnull=True, collection__isnull=True, page__isnull=True)
                    | Q(category__isnull=True, collection__isnull=True, url="")
                    | Q(category__isnull=True, page__isnull=True, url="")
                    | Q(collection__isnull=True, page__isnull=True, url="")
                ),
            ),
            models.CheckConstraint(
                name="menu_item_level_matches_parent",
                condition=Q(parent__isnull=True, level=0) | Q(parent__isnull=False, level__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return self.name
