"""A products connection's arguments (channel, filter, where, search, sortBy) parsed into
the ordered queryset they select: shared by the root `products` field and the page loader
that answers `products` under many shops, categories or collections at once."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.db.models import QuerySet

from marketplace.catalog import models
from marketplace.catalog.selectors import ProductFilters, product_list
from marketplace.channels.models import Channel
from storefront_api.catalog.filters import parse_filter, parse_sort, parse_where
from storefront_api.core.channel import resolve_channel


@dataclass(frozen=True)
class ProductRequest:
    """A products connection's arguments, parsed: the channel, the filters and the
    ordered queryset they select."""

    channel: Channel
    filters: ProductFilters
    queryset: QuerySet[models.Product]


def product_request(
    context: Any,
    *,
    channel: str | None = None,
    filter: Any = None,
    where: Any = None,
    sort_by: Any = None,
    search: str | None = None,
    extra_filters: dict[str, Any] | None = None,
    **_page: Any,
) -> ProductRequest:
    channel_obj = resolve_channel(context, channel)
    filters = parse_filter(filter)
    if where:
        filters = replace(filters, all_of=(*filters.all_of, parse_where(where)))
    if search:
        filters = replace(filters, all_of=(*filters.all_of, ProductFilters(search=search)))
    if extra_filters:
        filters = replace(filters, all_of=(*filters.all_of, ProductFilters(**extra_filters)))
    sort_field, descending = parse_sort(sort_by)
    queryset = product_list(
        channel=channel_obj, filters=filters, sort_field=sort_field, descending=descending
    )
    return ProductRequest(channel=channel_obj, filters=filters, queryset=queryset)
