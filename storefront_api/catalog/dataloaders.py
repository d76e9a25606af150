"""Batch loaders for catalog relations. Each issues one query (two for thumbnails) for all
the keys requested at one level of a GraphQL query."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import F, OuterRef, Subquery, Sum

from marketplace.bookings.selectors import cancellation_policies_for
from marketplace.catalog.models import (
    AssignedProductAttributeValue,
    AssignedVariantAttributeValue,
    Category,
    Certification,
    Collection,
    CollectionProduct,
    Product,
    ProductChannelListing,
    ProductMedia,
    ProductType,
    ProductVariant,
    ProductVariantChannelListing,
    Thumbnail,
)
from marketplace.catalog.selectors import (
    ProductParent,
    available_product_ids,
    product_pages,
    visible_collections,
)
from marketplace.catalog.thumbnails import nearest_size
from marketplace.channels.models import Channel
from marketplace.inventory.models import Stock
from storefront_api.catalog.product_requests import product_request
from storefront_api.core.channel import with_channel
from storefront_api.core.connection import connection_from_page, page_offset
from storefront_api.core.dataloaders import DataLoader, by_key, grouped

ProductChannelKey = tuple[int, int]  # (product_id, channel_id)


class ProductByIdLoader(DataLoader[int, Product]):
    def batch_load(self, keys: Sequence[int]) -> list[Product | None]:
        return by_key(keys, Product.objects.filter(pk__in=keys), lambda p: p.pk)


class VariantByIdLoader(DataLoader[int, ProductVariant]):
    def batch_load(self, keys: Sequence[int]) -> list[ProductVariant | None]:
        return by_key(keys, ProductVariant.objects.filter(pk__in=keys), lambda v: v.pk)


class CategoryByIdLoader(DataLoader[int, Category]):
    def batch_load(self, keys: Sequence[int]) -> list[Category | None]:
        return by_key(keys, Category.objects.filter(pk__in=keys), lambda c: c.pk)


class CategoryChildrenLoader(DataLoader[int, list[Category]]):
    def batch_load(self, keys: Sequence[int]) -> list[list[Category]]:
        rows = Category.objects.filter(parent_id__in=keys).order_by("slug", "pk")
        return grouped(keys, rows, lambda c: c.parent_id)


class ProductTypeByIdLoader(DataLoader[int, ProductType]):
    def batch_load(self, keys: Sequence[int]) -> list[ProductType | None]:
        return by_key(keys, ProductType.objects.filter(pk__in=keys), lambda t: t.pk)


class ProductChannelListingLoader(DataLoader[ProductChannelKey, ProductChannelListing]):
    def batch_load(self, keys: Sequence[ProductChannelKey]) -> list[ProductChannelListing | None]:
        product_ids = {k[0] for k in keys}
        channel_ids = {k[1] for k in keys}
        rows = ProductChannelListing.objects.filter(
            product_id__in=product_ids, channel_id__in=channel_ids
        )
        return by_key(keys, rows, lambda row: (row.product_id, row.channel_id))


class VariantsByProductInChannelLoader(DataLoader[ProductChannelKey, list[ProductVariant]]):
    """Variants of a product that are priced in the channel (what a buyer can choose)."""

    def batch_load(self, keys: Sequence[ProductChannelKey]) -> list[list[ProductVariant]]:
        product_ids = {k[0] for k in keys}
        channel_ids = {k[1] for k in keys}
        rows = (
            ProductVariant.objects.filter(
                product_id__in=product_ids, channel_listings__channel_id__in=channel_ids
            )
            .annotate(listing_channel_id=F("channel_listings__channel_id"))
            .order_by("sort_order", "pk")
        )
        return grouped(keys, rows, lambda v: (v.product_id, v.listing_channel_id))


class VariantChannelListingLoader(DataLoader[tuple[int, int], ProductVariantChannelListing]):
    def batch_load(
        self, keys: Sequence[tuple[int, int]]
    ) -> list[ProductVariantChannelListing | None]:
        rows = ProductVariantChannelListing.objects.filter(
            variant_id__in={k[0] for k in keys}, channel_id__in={k[1] for k in keys}
        )
        return by_key(keys, rows, lambda row: (row.variant_id, row.channel_id))


class ProductAvailableLoader(DataLoader[ProductChannelKey, bool]):
    """Whether a buyer can put the product in a cart now (date, price and stock)."""

    def batch_load(self, keys: Sequence[ProductChannelKey]) -> list[bool]:
        by_channel: dict[int, list[int]] = defaultdict(list)
        for product_id, channel_id in keys:
            by_channel[channel_id].append(product_id)
        available: set[ProductChannelKey] = set()
        for channel_id, product_ids in by_channel.items():
            for product_id in available_product_ids(
                channel=Channel(pk=channel_id), product_ids=product_ids
            ):
                available.add((product_id, channel_id))
        return [key in available for key in keys]


class StockQuantityAvailableByVariantLoader(DataLoader[int, int]):
    """Units in stock minus units allocated, over the variant's warehouses."""

    def batch_load(self, keys: Sequence[int]) -> list[int]:
        rows = (
            Stock.objects.filter(product_variant_id__in=keys)
            .values("product_variant_id")
            .annotate(free=Sum(F("quantity") - F("quantity_allocated")))
        )
        free = {row["product_variant_id"]: row["free"] for row in rows}
        return [max(free.get(k, 0), 0) for k in keys]


class MediaByProductIdLoader(DataLoader[int, list[ProductMedia]]):
    def batch_load(self, keys: Sequence[int]) -> list[list[ProductMedia]]:
        rows = ProductMedia.objects.filter(product_id__in=keys).order_by("sort_order", "pk")
        return grouped(keys, rows, lambda m: m.product_id)


class ThumbnailLoader(DataLoader[tuple[int, int | None], tuple[ProductMedia, str] | None]):
    """(product_id, size) → the first image and the file to show at that size.

    Falls back to the original while the background thumbnailer has not yet made the size.
    """

    def batch_load(
        self, keys: Sequence[tuple[int, int | None]]
    ) -> list[tuple[ProductMedia, str] | None]:
        by_size: dict[int | None, set[int]] = defaultdict(set)
        for product_id, size in keys:
            by_size[nearest_size(size) if size else None].add(product_id)
        found: dict[tuple[int, int | None], tuple[ProductMedia, str]] = {}
        # One query per distinct size asked for (in practice one): each product's first
        # image with the thumbnail of that size, when the worker has made it.
        for size, product_ids in by_size.items():
            media_rows = (
                ProductMedia.objects.filter(product_id__in=product_ids)
                .order_by("product_id", "sort_order", "pk")
                .distinct("product_id")
            )
            if size is not None:
                media_rows = media_rows.annotate(
                    thumbnail_name=Subquery(
                        Thumbnail.objects.filter(media_id=OuterRef("pk"), size=size).values(
                            "image"
                        )[:1]
                    )
                )
            for media in media_rows:
                found[(media.product_id, size)] = (
                    media,
                    getattr(media, "thumbnail_name", None) or media.image.name,
                )
        return [found.get((pid, nearest_size(size) if size else None)) for pid, size in keys]


class ThumbnailsByMediaLoader(DataLoader[tuple[int, int], str | None]):
    def batch_load(self, keys: Sequence[tuple[int, int]]) -> list[str | None]:
        rows = Thumbnail.objects.filter(
            media_id__in={k[0] for k in keys}, size__in={k[1] for k in keys}
        )
        found = {(t.media_id, t.size): t.image.name for t in rows}
        return [found.get(k) for k in keys]


class CollectionsByProductInChannelLoader(DataLoader[ProductChannelKey, list[Collection]]):
    def batch_load(self, keys: Sequence[ProductChannelKey]) -> list[list[Collection]]:
        by_channel: dict[int, set[int]] = defaultdict(set)
        for product_id, channel_id in keys:
            by_channel[channel_id].add(product_id)
        out: dict[ProductChannelKey, list[Collection]] = defaultdict(list)
        for channel_id, product_ids in by_channel.items():
            collections = {c.pk: c for c in visible_collections(channel=Channel(pk=channel_id))}
            for link in CollectionProduct.objects.filter(
                product_id__in=product_ids, collection_id__in=list(collections)
            ).order_by("sort_order", "pk"):
                out[(link.product_id, channel_id)].append(collections[link.collection_id])
        return [out.get(k, []) for k in keys]


def _group_attribute_values(rows: Any, owner: str) -> dict[int, list[tuple[Any, list[Any]]]]:
    """owner_id → [(attribute, [values…])…] keeping assignment order."""
    result: dict[int, dict[int, tuple[Any, list[Any]]]] = defaultdict(dict)
    for row in rows:
        attribute = row.value.attribute
        entry = result[getattr(row, owner)].setdefault(attribute.pk, (attribute, []))
        entry[1].append(row.value)
    return {k: list(v.values()) for k, v in result.items()}


class SelectedAttributesByProductLoader(DataLoader[int, list[tuple[Any, list[Any]]]]):
    def batch_load(self, keys: Sequence[int]) -> list[list[tuple[Any, list[Any]]]]:
        rows = AssignedProductAttributeValue.objects.filter(product_id__in=keys).select_related(
            "value__attribute"
        )
        grouped_values = _group_attribute_values(rows, "product_id")
        return [grouped_values.get(k, []) for k in keys]


class SelectedAttributesByVariantLoader(DataLoader[int, list[tuple[Any, list[Any]]]]):
    def batch_load(self, keys: Sequence[int]) -> list[list[tuple[Any, list[Any]]]]:
        rows = AssignedVariantAttributeValue.objects.filter(variant_id__in=keys).select_related(
            "value__attribute"
        )
        grouped_values = _group_attribute_values(rows, "variant_id")
        return [grouped_values.get(k, []) for k in keys]


class CertificationsByProductLoader(DataLoader[int, list[Certification]]):
    def batch_load(self, keys: Sequence[int]) -> list[list[Certification]]:
        return grouped(
            keys, Certification.objects.filter(product_id__in=keys), lambda c: c.product_id
        )


class CancellationPolicyByProductLoader(DataLoader[tuple[int, int], Any]):
    """(product id, shop id) → the refund tiers that apply to that tourism offer."""

    def batch_load(self, keys: Sequence[tuple[int, int]]) -> list[Any]:
        views = cancellation_policies_for(products=keys)
        return [views[product_id] for product_id, _ in keys]


PageKey = tuple[ProductParent, int, str]  # (parent kind, parent id, the arguments as text)


class ProductPageLoader(DataLoader[PageKey, Any]):
    """(shop | category | collection, id, arguments) → that parent's products connection.

    All parents at one level of a query ask with the same arguments, so they are answered
    together: the arguments are parsed once and one statement pages every parent
    (`product_pages`), instead of a page query and a count per parent.
    """

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self._arguments: dict[str, dict[str, Any]] = {}
        self._connection_type: Any = None

    def load_page(
        self,
        parent: ProductParent,
        parent_id: int,
        arguments: dict[str, Any],
        *,
        connection_type: Any,
    ) -> Any:
        # Every `products` field under a shop, category or collection declares the same
        # ProductCountableConnection; the caller passes it so this module needs no types.
        text = json.dumps(arguments, sort_keys=True, default=str)
        self._arguments.setdefault(text, arguments)
        self._connection_type = connection_type
        return self.load((parent, parent_id, text))

    def batch_load(self, keys: Sequence[PageKey]) -> list[Any]:
        groups: dict[tuple[ProductParent, str], list[int]] = defaultdict(list)
        for parent, parent_id, text in keys:
            groups[(parent, text)].append(parent_id)
        answers: dict[PageKey, Any] = {}
        for (parent, text), parent_ids in groups.items():
            arguments = self._arguments[text]
            request = product_request(self.context, **arguments)
            start = page_offset(after=arguments.get("after"))
            first = int(arguments["first"])
            pages = product_pages(
                queryset=request.queryset,
                parent=parent,
                parent_ids=parent_ids,
                offset=start,
                limit=first,
            )
            for parent_id, (rows, total) in pages.items():
                for row in rows:
                    with_channel(row, request.channel.slug)
                answers[(parent, parent_id, text)] = connection_from_page(
                    rows, self._connection_type, start=start, first=first, total=total
                )
        return [answers[key] for key in keys]
