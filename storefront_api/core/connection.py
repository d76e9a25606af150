"""Countable connections and offset-cursor pagination with Saleor's rules and messages:
`first` or `last` is required and at most 100."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Any

import graphene
from django.db.models import QuerySet
from graphene.relay import PageInfo

from storefront_api.core.errors import ApiError

MAX_PAGE_SIZE = 100


class CountableConnection(graphene.relay.Connection):
    """Base of every connection. Subclasses set `strict_types = True` in their Meta (graphene
    refuses it on an abstract class) so edges are `[Edge!]!` and nodes non-null, as in Saleor."""

    class Meta:
        abstract = True

    total_count = graphene.Int(description="A total count of items in the collection.")

    @staticmethod
    def resolve_total_count(root: Any, info: graphene.ResolveInfo) -> int:
        # Counted only when asked for: the COUNT query is the dearest part of a page.
        return root.count_total()


def connection_args() -> dict[str, Any]:
    return {
        "before": graphene.String(),
        "after": graphene.String(),
        "first": graphene.Int(),
        "last": graphene.Int(),
    }


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"arrayconnection:{offset}".encode()).decode()


def _decode_cursor(cursor: str, name: str) -> int:
    try:
        kind, _, raw = base64.b64decode(cursor, validate=True).decode().partition(":")
        offset = int(raw)
        if kind != "arrayconnection" or offset < 0:
            raise ValueError
        return offset
    except (ValueError, UnicodeDecodeError, base64.binascii.Error):  # type: ignore[attr-defined]
        raise ApiError(
            f"Received cursor is invalid: {cursor!r}.", code="GRAPHQL_ERROR", field=name
        ) from None


def validate_page_args(*, first: int | None, last: int | None, connection_name: str) -> None:
    if first is None and last is None:
        raise ApiError(
            f"You must provide a `first` or `last` value to properly paginate the "
            f"`{connection_name}` connection.",
            code="GRAPHQL_ERROR",
        )
    if first is not None and last is not None:
        raise ApiError("Argument `last` cannot be combined with `first`.", code="GRAPHQL_ERROR")
    for arg, value in (("first", first), ("last", last)):
        if value is None:
            continue
        if value < 0:
            raise ApiError(
                f"Argument `{arg}` must be a non-negative integer.", code="GRAPHQL_ERROR", field=arg
            )
        if value > MAX_PAGE_SIZE:
            raise ApiError(
                f"Requesting {value} records on the `{connection_name}` connection exceeds the "
                f"`{arg}` limit of {MAX_PAGE_SIZE} records.",
                code="GRAPHQL_ERROR",
                field=arg,
            )


def paginate(
    queryset: QuerySet[Any],
    connection_type: type[CountableConnection],
    *,
    connection_name: str,
    first: int | None = None,
    last: int | None = None,
    after: str | None = None,
    before: str | None = None,
    count: Callable[[Sequence[Any]], int] | None = None,
    **_: Any,
) -> CountableConnection:
    """One page of an ordered queryset as a connection; `totalCount` is computed lazily,
    with `count` when the caller knows a cheaper way to count than `queryset.count()`.

    `count` receives the page's rows when they have been fetched (with `last` the total is
    needed first, and it receives none), so a total the rows carry can be read off them.
    """
    validate_page_args(first=first, last=last, connection_name=connection_name)
    total: list[int] = []
    fetched: list[Any] = []

    def count_total() -> int:
        if not total:
            total.append(count(fetched) if count is not None else queryset.count())
        return total[0]

    start = page_offset(after=after)
    end = _decode_cursor(before, "before") if before else None
    if first is not None:
        stop = start + first if end is None else min(start + first, end)
        rows = list(queryset[start : stop + 1]) if stop > start else []
        has_next = len(rows) > stop - start or (end is not None and stop < end)
        rows = rows[: max(stop - start, 0)]
        has_previous = start > 0
        fetched.extend(rows)
    else:
        assert last is not None
        end = count_total() if end is None else end
        start = max(start, end - last)
        rows = list(queryset[start:end]) if end > start else []
        has_previous = start > 0
        has_next = end < count_total()
    return _connection(
        connection_type,
        rows,
        start=start,
        has_next=has_next,
        has_previous=has_previous,
        count_total=count_total,
    )


def page_offset(*, after: str | None) -> int:
    """The offset a page starting after the cursor `after` begins at."""
    return _decode_cursor(after, "after") + 1 if after else 0


def connection_from_page(
    rows: Sequence[Any],
    connection_type: type[CountableConnection],
    *,
    start: int,
    first: int,
    total: int,
) -> CountableConnection:
    """A connection from a page fetched elsewhere (a batch of pages in one query): `rows`
    are up to `first + 1` rows from offset `start`, the extra one meaning a next page."""
    return _connection(
        connection_type,
        list(rows[:first]),
        start=start,
        has_next=len(rows) > first,
        has_previous=start > 0,
        count_total=lambda: total,
    )


def _connection(
    connection_type: type[CountableConnection],
    rows: list[Any],
    *,
    start: int,
    has_next: bool,
    has_previous: bool,
    count_total: Callable[[], int],
) -> CountableConnection:
    edge_type = connection_type.Edge
    edges = [edge_type(node=row, cursor=_encode_cursor(start + i)) for i, row in enumerate(rows)]
    connection = connection_type(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )
    connection.count_total = count_total  # type: ignore[attr-defined]
    return connection


def paginate_list(
    items: list[Any], connection_type: type[CountableConnection], **kwargs: Any
) -> CountableConnection:
    """The same page rules over an in-memory list (used for small, loader-fed lists)."""

    class _ListQuery(list):  # a list that answers count() and slicing like a queryset
        def count(self) -> int:  # type: ignore[override]
            return len(self)

    return paginate(_ListQuery(items), connection_type, **kwargs)  # type: ignore[arg-type]
