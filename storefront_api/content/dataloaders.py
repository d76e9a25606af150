"""Per-request loaders for menus and pages: children, links and page types by batch."""

from __future__ import annotations

from collections.abc import Sequence

from marketplace.catalog.models import Collection
from marketplace.catalog.selectors import visible_collections
from marketplace.channels.models import Channel
from marketplace.content import selectors
from marketplace.content.models import Menu, MenuItem, Page, PageType
from storefront_api.core.dataloaders import DataLoader, by_key, grouped


class MenuByIdLoader(DataLoader[int, Menu]):
    def batch_load(self, keys: Sequence[int]) -> list[Menu | None]:
        return by_key(keys, Menu.objects.filter(pk__in=keys), lambda m: m.pk)


class MenuItemByIdLoader(DataLoader[int, MenuItem]):
    def batch_load(self, keys: Sequence[int]) -> list[MenuItem | None]:
        return by_key(keys, MenuItem.objects.filter(pk__in=keys), lambda i: i.pk)


class TopMenuItemsByMenuLoader(DataLoader[int, list[MenuItem]]):
    def batch_load(self, keys: Sequence[int]) -> list[list[MenuItem]]:
        return grouped(keys, selectors.top_menu_items(menu_ids=keys), lambda i: i.menu_id)


class MenuItemChildrenLoader(DataLoader[int, list[MenuItem]]):
    def batch_load(self, keys: Sequence[int]) -> list[list[MenuItem]]:
        return grouped(keys, MenuItem.objects.filter(parent_id__in=keys), lambda i: i.parent_id)


class PublishedPageByIdLoader(DataLoader[int, Page]):
    def batch_load(self, keys: Sequence[int]) -> list[Page | None]:
        return by_key(keys, selectors.published_pages().filter(pk__in=keys), lambda p: p.pk)


class PageTypeByIdLoader(DataLoader[int, PageType]):
    def batch_load(self, keys: Sequence[int]) -> list[PageType | None]:
        return by_key(keys, PageType.objects.filter(pk__in=keys), lambda t: t.pk)


class VisibleCollectionLoader(DataLoader[tuple[int, int], Collection]):
    """Collections by (channel, collection): only those published in that channel."""

    def batch_load(self, keys: Sequence[tuple[int, int]]) -> list[Collection | None]:
        found: dict[tuple[int, int], Collection] = {}
        for channel_id in {channel_id for channel_id, _ in keys}:
            wanted = [pk for c, pk in keys if c == channel_id]
            channel = Channel(pk=channel_id)
            for collection in visible_collections(channel=channel).filter(pk__in=wanted):
                found[(channel_id, collection.pk)] = collection
        return [found.get(key) for key in keys]
