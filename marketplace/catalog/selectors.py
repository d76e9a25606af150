"""Reads of the catalog for the storefront: what a buyer may see, filtered and sorted.

The storefront sees a product only when its shop is APPROVED and the product is published
in the requested channel. Everything else (drafts, suspended shops) is invisible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any

from django.contrib.postgres.search import SearchRank
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from marketplace.catalog import search
from marketplace.catalog.models import (
    Category,
    Certification,
    Collection,
    CollectionChannelListing,
    CollectionProduct,
    Product,
    ProductChannelListing,
    ProductVariant,
    ProductVariantChannelListing,
)
from marketplace.channels.models import Channel
from marketplace.inventory.models import Stock
from marketplace.organisations.models import Shop, ShopStatus


class ProductSortField(Enum):
    NAME = "name"
    PRICE = "price"
    MINIMAL_PRICE = "minimal_price"
    CREATED_AT = "created_at"
    LAST_MODIFIED_AT = "updated_at"
    PUBLISHED_AT = "published_at"
    RATING = "rating"
    RANK = "rank"


@dataclass(frozen=True)
class PriceRange:
    gte: Decimal | None = None
    lte: Decimal | None = None


@dataclass(frozen=True)
class ProductFilters:
    """Everything a storefront may filter products by. Empty fields filter nothing."""

    search: str | None = None
    ids: Sequence[int] | None = None
    slugs: Sequence[str] | None = None
    names: Sequence[str] | None = None
    categories: Sequence[int] | None = None
    collections: Sequence[int] | None = None
    product_types: Sequence[int] | None = None
    shops: Sequence[int] | None = None
    villages: Sequence[int] | None = None
    townships: Sequence[int] | None = None
    counties: Sequence[int] | None = None
    offering_kinds: Sequence[str] | None = None
    certified: bool | None = None
    is_available: bool | None = None
    in_stock: bool | None = None
    has_category: bool | None = None
    price: PriceRange | None = None
    minimal_price: PriceRange | None = None
    # Alternatives (OR) and conjunctions (AND) from Saleor's `where` input.
    any_of: Sequence[ProductFilters] = field(default_factory=tuple)
    all_of: Sequence[ProductFilters] = field(default_factory=tuple)


def public_shops() -> QuerySet[Shop]:
    return Shop.objects.filter(status=ShopStatus.APPROVED)


def visible_products(*, channel: Channel) -> QuerySet[Product]:
    """Products a buyer may see in `channel`."""
    now = timezone.now()
    listed = ProductChannelListing.objects.filter(
        product_id=OuterRef("pk"), channel=channel, is_published=True
    ).filter(Q(published_at__isnull=True) | Q(published_at__lte=now))
    return Product.objects.filter(Exists(listed), shop__status=ShopStatus.APPROVED)


# "Buyable now" in one hand-written statement: the purchase date has come, and some variant
# priced in the channel is untracked or has free stock. The storefront asks it for every
# page (isAvailable), and building the equivalent nested Exists() through the ORM cost
# more time than running it, so the filter and the loader share this SQL.
_AVAILABLE_PRODUCT_IDS_SQL = """
SELECT listing.product_id
  FROM catalog_productchannellisting listing
 WHERE listing.channel_id = %s
   AND listing.available_for_purchase_at <= %s
   AND EXISTS (
       SELECT 1
         FROM catalog_productvariant variant
         JOIN catalog_productvariantchannellisting price
           ON price.variant_id = variant.id AND price.channel_id = listing.channel_id
        WHERE variant.product_id = listing.product_id
          AND (NOT variant.track_inventory OR EXISTS (
               SELECT 1 FROM inventory_stock stock
                WHERE stock.product_variant_id = variant.id
                  AND stock.quantity > stock.quantity_allocated)))
"""


def _available_condition(channel: Channel) -> Q:
    """Buyable now: purchase date reached, a priced variant, and stock (or untracked stock)."""
    return Q(pk__in=RawSQL(_AVAILABLE_PRODUCT_IDS_SQL, (channel.pk, timezone.now())))


def _in_stock_condition() -> Q:
    return Q(
        Exists(
            ProductVariant.objects.filter(product_id=OuterRef("pk")).filter(
                Q(track_inventory=False)
                | Exists(
                    Stock.objects.filter(
                        product_variant_id=OuterRef("pk"), quantity__gt=F("quantity_allocated")
                    )
                )
            )
        )
    )


@dataclass(frozen=True)
class _CategoryTree:
    """The whole category tree as parent and children links. Categories are a few hundred
    rows, so reading them all in one query beats walking the tree a level per query."""

    parents: dict[int, int | None]
    children: dict[int | None, list[int]]

    def subtree(self, pk: int) -> set[int]:
        """`pk` and all its descendants; empty for an unknown category."""
        if pk not in self.parents:
            return set()
        found, frontier = {pk}, [pk]
        while frontier:
            # Minus what was found: a corrupted parent cycle must not loop forever.
            frontier = [
                c for node in frontier for c in self.children.get(node, ()) if c not in found
            ]
            found.update(frontier)
        return found

    def depth(self, pk: int) -> int:
        """0 for a top-level category, 1 for its children, and so on."""
        depth, seen, up = 0, {pk}, self.parents[pk]
        while up is not None and up not in seen:
            seen.add(up)
            depth, up = depth + 1, self.parents.get(up)
        return depth


def _category_tree() -> _CategoryTree:
    parents: dict[int, int | None] = {}
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Category.objects.values_list("pk", "parent_id"):
        parents[pk] = parent_id
        children.setdefault(parent_id, []).append(pk)
    return _CategoryTree(parents=parents, children=children)


def _category_with_descendants(category_ids: Sequence[int]) -> set[int]:
    """The categories and all their descendants (one query)."""
    tree = _category_tree()
    # Unknown IDs stay in: they match no product, as asked.
    found = set(category_ids)
    for pk in category_ids:
        found |= tree.subtree(pk)
    return found


def _price_condition(channel: Channel, price: PriceRange, *, minimal: bool) -> Q:
    """`price`: some variant price in range; `minimal_price`: the cheapest variant in range."""
    if minimal:
        listing = ProductChannelListing.objects.filter(product_id=OuterRef("pk"), channel=channel)
        if price.gte is not None:
            listing = listing.filter(min_price_amount__gte=price.gte)
        if price.lte is not None:
            listing = listing.filter(min_price_amount__lte=price.lte)
        return Q(Exists(listing))
    variant_listing = ProductVariantChannelListing.objects.filter(
        variant__product_id=OuterRef("pk"), channel=channel
    )
    if price.gte is not None:
        variant_listing = variant_listing.filter(price_amount__gte=price.gte)
    if price.lte is not None:
        variant_listing = variant_listing.filter(price_amount__lte=price.lte)
    return Q(Exists(variant_listing))


def product_filter_condition(*, channel: Channel, filters: ProductFilters) -> Q:
    """Translate filters into one Q (search is applied separately, it also ranks)."""
    q = Q()
    if filters.ids is not None:
        q &= Q(pk__in=filters.ids)
    if filters.slugs is not None:
        q &= Q(slug__in=filters.slugs)
    if filters.names is not None:
        q &= Q(name__in=filters.names)
    if filters.categories is not None:
        q &= Q(category_id__in=_category_with_descendants(filters.categories))
    if filters.collections is not None:
        q &= Q(
            Exists(
                CollectionProduct.objects.filter(
                    product_id=OuterRef("pk"), collection_id__in=filters.collections
                )
            )
        )
    if filters.product_types is not None:
        q &= Q(product_type_id__in=filters.product_types)
    if filters.shops is not None:
        q &= Q(shop_id__in=filters.shops)
    if filters.villages is not None:
        q &= Q(shop__village_id__in=filters.villages)
    if filters.townships is not None:
        q &= Q(shop__village__township_id__in=filters.townships)
    if filters.counties is not None:
        q &= Q(shop__village__township__county_id__in=filters.counties)
    if filters.offering_kinds is not None:
        q &= Q(offering_kind__in=filters.offering_kinds)
    if filters.certified is not None:
        today = timezone.localdate()
        valid = Certification.objects.filter(
            product_id=OuterRef("pk"), valid_from__lte=today, valid_until__gte=today
        )
        q &= Q(Exists(valid)) if filters.certified else ~Q(Exists(valid))
    if filters.has_category is not None:
        q &= Q(category__isnull=not filters.has_category)
    if filters.is_available is not None:
        available = _available_condition(channel)
        q &= available if filters.is_available else ~available
    if filters.in_stock is not None:
        in_stock = _in_stock_condition()
        q &= in_stock if filters.in_stock else ~in_stock
    if filters.price is not None:
        q &= _price_condition(channel, filters.price, minimal=False)
    if filters.minimal_price is not None:
        q &= _price_condition(channel, filters.minimal_price, minimal=True)
    for sub in filters.all_of:
        q &= product_filter_condition(channel=channel, filters=sub)
    if filters.any_of:
        alternatives = Q()
        for sub in filters.any_of:
            alternatives |= product_filter_condition(channel=channel, filters=sub)
        q &= alternatives
    return q


def _search_texts(filters: ProductFilters) -> list[str]:
    texts = [filters.search] if filters.search and filters.search.strip() else []
    for sub in filters.all_of:
        texts += _search_texts(sub)
    return texts


def product_list(
    *,
    channel: Channel,
    filters: ProductFilters,
    sort_field: ProductSortField | None = None,
    descending: bool = False,
) -> QuerySet[Product]:
    """Visible products in `channel`, filtered, searched and sorted with a stable tiebreak.

    With a search, the default order is by rank (best first); RANK without a search falls
    back to name, as in Saleor.
    """
    # The search vector is large and never shown; leave it in the database.
    queryset = (
        visible_products(channel=channel)
        .filter(product_filter_condition(channel=channel, filters=filters))
        .defer("search_vector")
    )
    query = None
    for text in _search_texts(filters):
        words = search.build_query(text)
        if words is None:
            continue
        query = words if query is None else query & words
    if query is not None:
        # Cover density, not plain ts_rank: for a query like 蜂蜜 | (蜂 & 蜜), plain ts_rank
        # put 荆条蜜 (characters only, plus a long description) above 冰岛山野蜂蜜.
        # PostgreSQL must find and rank every match before it can return the best page, so
        # counting the matches in the same statement is nearly free where a second COUNT
        # would run the whole search again (see `product_total`).
        queryset = queryset.filter(search_vector=query).annotate(
            search_rank=SearchRank(F("search_vector"), query, cover_density=True),
            search_total=Window(Count("*")),
        )
    if sort_field is None:
        sort_field = ProductSortField.RANK if query is not None else ProductSortField.NAME
    if sort_field is ProductSortField.RANK and query is None:
        sort_field = ProductSortField.NAME
    return _order(queryset, channel=channel, sort_field=sort_field, descending=descending)


def product_count(*, channel: Channel, filters: ProductFilters) -> int | None:
    """The number of visible products when no product-level filter applies, counted from
    the narrow listing table (a storefront's unfiltered catalogue page asks this on every
    request). Returns None when filters apply: count the `product_list` queryset instead."""
    if filters != ProductFilters():
        return None
    now = timezone.now()
    return (
        ProductChannelListing.objects.filter(
            channel=channel, is_published=True, shop__status=ShopStatus.APPROVED
        )
        .filter(Q(published_at__isnull=True) | Q(published_at__lte=now))
        .count()
    )


def product_total(
    *,
    channel: Channel,
    filters: ProductFilters,
    queryset: QuerySet[Product],
    page: Sequence[Product],
) -> int:
    """How many products `product_list` matches, given the page already fetched from it."""
    counted = getattr(page[0], "search_total", None) if page else None
    if counted is not None:
        return int(counted)
    fast = product_count(channel=channel, filters=filters)
    return queryset.count() if fast is None else fast


class ProductParent(Enum):
    """What a nested product connection hangs under (`Shop.products`, …)."""

    SHOP = "shop"
    CATEGORY = "category"
    COLLECTION = "collection"


ProductPage = tuple[list[Product], int]  # the page's rows (one extra when there is more), total


def product_pages(
    *,
    queryset: QuerySet[Product],
    parent: ProductParent,
    parent_ids: Sequence[int],
    offset: int,
    limit: int,
) -> dict[int, ProductPage]:
    """One page of `queryset` (a `product_list`) for each of several shops, categories or
    collections, in one statement per batch instead of two per parent.

    Each parent's rows are numbered in the queryset's own order (a window partitioned by
    the parent), so a parent's page is exactly what `product_list` filtered to that parent
    and sliced would give. `limit + 1` rows are returned when there are more, so the
    caller can tell whether a next page exists. A category's products include those of
    its subcategories, as in Saleor; categories that contain one another are paged in
    separate statements (one per tree level), since a product belongs to both.
    """
    pages: dict[int, ProductPage] = {pk: ([], 0) for pk in parent_ids}
    for key, scoped in _parent_scopes(queryset, parent, parent_ids):
        ordering: list[Any] = list(scoped.query.order_by)
        rows = (
            scoped.annotate(
                page_parent=key,
                page_row=Window(RowNumber(), partition_by=[key], order_by=ordering),
                page_total=Window(Count("*"), partition_by=[key]),
            )
            .filter(page_row__gt=offset, page_row__lte=offset + limit + 1)
            .order_by("page_parent", "page_row")
        )
        for row in rows:
            rows_of_parent, _ = pages[row.page_parent]
            rows_of_parent.append(row)
            pages[row.page_parent] = (rows_of_parent, row.page_total)
    return pages


def _parent_scopes(
    queryset: QuerySet[Product], parent: ProductParent, parent_ids: Sequence[int]
) -> list[tuple[Any, QuerySet[Product]]]:
    """(expression naming a row's parent, queryset limited to those parents) per statement."""
    if parent is ProductParent.SHOP:
        return [(F("shop_id"), queryset.filter(shop_id__in=parent_ids))]
    if parent is ProductParent.COLLECTION:
        # The join yields one row per (product, collection): a product in two of the
        # collections is on both pages, as it should be.
        return [
            (
                F("collections__id"),
                queryset.filter(collections__id__in=parent_ids),
            )
        ]
    scopes: list[tuple[Any, QuerySet[Product]]] = []
    for subtrees in _category_subtrees_by_depth(parent_ids):
        owner = Case(
            *(When(category_id__in=members, then=Value(pk)) for pk, members in subtrees.items()),
            output_field=IntegerField(),
        )
        members = {c for group in subtrees.values() for c in group}
        scopes.append((owner, queryset.filter(category_id__in=members)))
    return scopes


def _category_subtrees_by_depth(category_ids: Sequence[int]) -> list[dict[int, set[int]]]:
    """Each category's subtree (itself and its descendants), grouped by the category's
    depth: subtrees of categories at one depth never overlap (one query)."""
    tree = _category_tree()
    by_depth: dict[int, dict[int, set[int]]] = {}
    for pk in dict.fromkeys(category_ids):
        subtree = tree.subtree(pk)
        if subtree:  # unknown categories have no products to page
            by_depth.setdefault(tree.depth(pk), {})[pk] = subtree
    return [by_depth[d] for d in sorted(by_depth)]


def _order(
    queryset: QuerySet[Product], *, channel: Channel, sort_field: ProductSortField, descending: bool
) -> QuerySet[Product]:
    if sort_field in (
        ProductSortField.PRICE,
        ProductSortField.MINIMAL_PRICE,
        ProductSortField.PUBLISHED_AT,
    ):
        listing = ProductChannelListing.objects.filter(product_id=OuterRef("pk"), channel=channel)
        column = (
            "published_at" if sort_field is ProductSortField.PUBLISHED_AT else "min_price_amount"
        )
        queryset = queryset.annotate(sort_value=Subquery(listing.values(column)[:1]))
        key = F("sort_value")
    elif sort_field is ProductSortField.RANK:
        key = F("search_rank")
        # Best match first is the natural reading of "sort by rank".
        descending = not descending
    elif sort_field is ProductSortField.RATING:
        queryset = queryset.annotate(sort_value=Coalesce("rating", Value(0.0)))
        key = F("sort_value")
    else:
        key = F(sort_field.value)
    ordered = key.desc(nulls_last=True) if descending else key.asc(nulls_last=True)
    tiebreak = F("pk").desc() if descending else F("pk").asc()
    return queryset.order_by(ordered, tiebreak)


def visible_product_variants(*, channel: Channel) -> QuerySet[ProductVariant]:
    return ProductVariant.objects.filter(
        product__in=visible_products(channel=channel), channel_listings__channel=channel
    )


def visible_collections(*, channel: Channel) -> QuerySet[Collection]:
    now = timezone.now()
    listed = CollectionChannelListing.objects.filter(
        collection_id=OuterRef("pk"), channel=channel, is_published=True
    ).filter(Q(published_at__isnull=True) | Q(published_at__lte=now))
    return Collection.objects.filter(Exists(listed))


def shop_list(
    *,
    search_text: str | None = None,
    county_ids: Sequence[int] | None = None,
    township_ids: Sequence[int] | None = None,
) -> QuerySet[Shop]:
    queryset = public_shops()
    if search_text and search_text.strip():
        text = search_text.strip()
        queryset = queryset.filter(
            Q(name__icontains=text)
            | Q(village__name__icontains=text)
            | Q(village__township__name__icontains=text)
            | Q(village__township__county__name__icontains=text)
        )
    if county_ids is not None:
        queryset = queryset.filter(village__township__county_id__in=county_ids)
    if township_ids is not None:
        queryset = queryset.filter(village__township_id__in=township_ids)
    return queryset.order_by("village__code", "pk")


def available_product_ids(*, channel: Channel, product_ids: Sequence[int]) -> list[int]:
    """Which of these products a buyer can put in a cart in `channel` right now."""
    with connection.cursor() as cursor:
        cursor.execute(
            _AVAILABLE_PRODUCT_IDS_SQL + " AND listing.product_id = ANY(%s)",
            (channel.pk, timezone.now(), list(product_ids)),
        )
        return [row[0] for row in cursor.fetchall()]
