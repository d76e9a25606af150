"""Root and connection resolvers for the catalog: parse arguments, call selectors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from marketplace.catalog import models
from marketplace.catalog.selectors import (
    ProductParent,
    product_total,
    visible_collections,
    visible_product_variants,
    visible_products,
)
from storefront_api.catalog.dataloaders import ProductPageLoader
from storefront_api.catalog.product_requests import product_request
from storefront_api.core.channel import resolve_channel, with_channel
from storefront_api.core.connection import paginate, validate_page_args
from storefront_api.core.dataloaders import get_loader
from storefront_api.core.errors import ApiError
from storefront_api.core.ids import decode_id


def resolve_product_connection(
    info: Any, *, extra_filters: dict[str, Any] | None = None, **kwargs: Any
) -> Any:
    # Check paging first: a request for 101 items should not cost a database round trip.
    validate_page_args(
        first=kwargs.get("first"), last=kwargs.get("last"), connection_name="products"
    )
    request = product_request(info.context, extra_filters=extra_filters, **kwargs)

    def count_products(page_rows: Sequence[models.Product]) -> int:
        return product_total(
            channel=request.channel,
            filters=request.filters,
            queryset=request.queryset,
            page=page_rows,
        )

    # The connection type is the one the schema declares for this field: read off `info`
    # so that resolvers sit below the types that call them.
    connection = paginate(
        request.queryset,
        info.return_type.graphene_type,
        connection_name="products",
        count=count_products,
        **kwargs,
    )
    for edge in connection.edges:
        with_channel(edge.node, request.channel.slug)
    return connection


_PARENT_FILTER = {
    ProductParent.SHOP: "shops",
    ProductParent.CATEGORY: "categories",
    ProductParent.COLLECTION: "collections",
}


def resolve_nested_product_connection(
    info: Any, *, parent: ProductParent, parent_id: int, **kwargs: Any
) -> Any:
    """`products` under a shop, category or collection.

    A list of shops (or categories, collections) each asking for its products would cost
    two statements per parent. Pages asked with `first` (what storefronts do) are instead
    batched across all parents at one level of the query. `last`/`before` pages are rare
    and need the total first; they take the one-parent path.
    """
    if kwargs.get("last") is not None or kwargs.get("before") is not None:
        return resolve_product_connection(
            info, extra_filters={_PARENT_FILTER[parent]: [parent_id]}, **kwargs
        )
    validate_page_args(
        first=kwargs.get("first"), last=kwargs.get("last"), connection_name="products"
    )
    return get_loader(info.context, ProductPageLoader).load_page(
        parent, parent_id, kwargs, connection_type=info.return_type.graphene_type
    )


def _one(id: str | None, slug: str | None, type_name: str) -> tuple[str, Any]:
    if (id is None) == (slug is None):
        raise ApiError("Exactly one of `id` or `slug` must be provided.", code="GRAPHQL_ERROR")
    if id is not None:
        return "pk", decode_id(id, expected_type=type_name)
    return "slug", slug


def resolve_product(
    info: Any,
    *,
    id: str | None = None,
    slug: str | None = None,
    channel: str | None = None,
    **_: Any,
) -> Any:
    field, value = _one(id, slug, "Product")
    channel_obj = resolve_channel(info.context, channel)
    product = visible_products(channel=channel_obj).filter(**{field: value}).first()
    return with_channel(product, channel_obj.slug)


def resolve_product_variant(
    info: Any,
    *,
    id: str | None = None,
    sku: str | None = None,
    channel: str | None = None,
    **_: Any,
) -> Any:
    if (id is None) == (sku is None):
        raise ApiError("Exactly one of `id` or `sku` must be provided.", code="GRAPHQL_ERROR")
    channel_obj = resolve_channel(info.context, channel)
    lookup: dict[str, Any] = (
        {"pk": decode_id(id, expected_type="ProductVariant")} if id is not None else {"sku": sku}
    )
    variant = visible_product_variants(channel=channel_obj).filter(**lookup).first()
    return with_channel(variant, channel_obj.slug)


def resolve_category(info: Any, *, id: str | None = None, slug: str | None = None, **_: Any) -> Any:
    field, value = _one(id, slug, "Category")
    return models.Category.objects.filter(**{field: value}).first()


def category_list(*, filter: Any = None, level: int | None = None, sort_by: Any = None) -> Any:
    queryset = models.Category.objects.all()
    if level is not None:
        queryset = queryset.filter(level=level)
    if filter:
        if filter.get("search"):
            queryset = queryset.filter(name__icontains=filter["search"])
        if filter.get("ids") is not None:
            queryset = queryset.filter(
                pk__in=[decode_id(i, expected_type="Category", field="ids") for i in filter["ids"]]
            )
        if filter.get("slugs") is not None:
            queryset = queryset.filter(slug__in=filter["slugs"])
    descending = bool(sort_by) and str(sort_by.get("direction")).lower().endswith("desc")
    order = "name" if sort_by else "slug"
    return queryset.order_by(f"-{order}" if descending else order, "pk")


def category_ancestors(category: models.Category) -> list[models.Category]:
    """Root first. The tree is shallow (≤ 3 levels), so walking parents is cheap."""
    chain = []
    node = category.parent
    while node is not None:
        chain.append(node)
        node = node.parent
    return list(reversed(chain))


def resolve_collection(
    info: Any,
    *,
    id: str | None = None,
    slug: str | None = None,
    channel: str | None = None,
    **_: Any,
) -> Any:
    field, value = _one(id, slug, "Collection")
    channel_obj = resolve_channel(info.context, channel)
    collection = visible_collections(channel=channel_obj).filter(**{field: value}).first()
    return with_channel(collection, channel_obj.slug)


def collection_list(info: Any, *, channel: str | None, filter: Any = None) -> tuple[Any, str]:
    channel_obj = resolve_channel(info.context, channel)
    queryset = visible_collections(channel=channel_obj)
    if filter:
        if filter.get("search"):
            queryset = queryset.filter(name__icontains=filter["search"])
        if filter.get("ids") is not None:
            queryset = queryset.filter(
                pk__in=[
                    decode_id(i, expected_type="Collection", field="ids") for i in filter["ids"]
                ]
            )
        if filter.get("slugs") is not None:
            queryset = queryset.filter(slug__in=filter["slugs"])
    return queryset.order_by("slug", "pk"), channel_obj.slug
