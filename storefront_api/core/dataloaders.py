"""Per-request DataLoaders for synchronous Django.

Resolvers return `SyncFuture`s from `graphql_sync_dataloaders`; the execution context
(`storefront_api.core.execution`) runs every queued batch once per level of the query, so
a page of 1 product and a page of 100 issue the same number of SQL queries.

Our loaders register their dispatch with the running execution directly, so a load queued
inside another loader's callback (shop → village → township) is still batched with its
siblings instead of being left for nobody to dispatch.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from graphql_sync_dataloaders import SyncDataLoader, SyncFuture

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class DataLoader(SyncDataLoader, Generic[K, V]):
    """Subclass and implement `batch_load(keys) -> values in key order`."""

    context_key: ClassVar[str]

    def __init__(self, context: Any) -> None:
        super().__init__(self.batch_load)
        self.context = context

    def batch_load(self, keys: Sequence[K]) -> list[Any]:
        # Returns one value (or None) per key, in key order.
        raise NotImplementedError

    def load(self, key: K) -> SyncFuture:
        first_in_batch = not self._queue
        future = super().load(key)
        if first_in_batch and not future.done():
            execution = getattr(self.context, "_graphql_execution", None)
            if execution is not None:
                execution.defer(self.dispatch_queue)
        return future

    def dispatch_queue(self) -> None:
        # A failing batch must fail only the fields that asked for it; left to propagate,
        # it would abort the whole execution with no data and no useful error.
        queue = list(self._queue)
        try:
            super().dispatch_queue()
        except Exception as exc:
            for key, future in queue:
                self.clear(key)
                if not future.done():
                    future.set_exception(exc)

    def load_many(self, keys: Iterable[K]) -> SyncFuture:
        return gather([self.load(key) for key in keys])

    def prime(self, key: K, value: V) -> None:
        if key not in self._cache:
            future = SyncFuture()
            future.set_result(value)
            self._cache[key] = future


L = TypeVar("L", bound=DataLoader)  # type: ignore[type-arg]


def get_loader(context: Any, loader_class: type[L]) -> L:
    """The request's single instance of `loader_class` (created on first use)."""
    loaders = getattr(context, "_dataloaders", None)
    if loaders is None:
        loaders = {}
        context._dataloaders = loaders
    loader = loaders.get(loader_class)
    if loader is None:
        loader = loaders[loader_class] = loader_class(context)
    return loader


def _settle(source: SyncFuture, target: SyncFuture) -> None:
    exception = source.exception()
    if exception is not None:
        target.set_exception(exception)
    else:
        target.set_result(source.result())


def then(value: Any, fn: Callable[[Any], Any]) -> Any:
    """Apply `fn` to a value that may still be a pending future; chains nested futures."""
    if not isinstance(value, SyncFuture):
        return fn(value)
    if value.done():
        return fn(value.result())
    out = SyncFuture()

    def on_done() -> None:
        try:
            result = fn(value.result())
        except Exception as exc:
            out.set_exception(exc)
            return
        if isinstance(result, SyncFuture):
            if result.done():
                _settle(result, out)
            else:
                result.add_done_callback(lambda: _settle(result, out))
        else:
            out.set_result(result)

    value.add_done_callback(on_done)
    return out


def gather(futures: list[Any]) -> Any:
    """A future of the list of results (values that are not futures pass through)."""
    pending = [f for f in futures if isinstance(f, SyncFuture) and not f.done()]

    def collect() -> list[Any]:
        return [f.result() if isinstance(f, SyncFuture) else f for f in futures]

    if not pending:
        return collect()
    out = SyncFuture()
    remaining = len(pending)

    def one_done() -> None:
        nonlocal remaining
        remaining -= 1
        if remaining == 0:
            try:
                out.set_result(collect())
            except Exception as exc:
                out.set_exception(exc)

    for future in pending:
        future.add_done_callback(one_done)
    return out


def by_key(
    keys: Sequence[K], rows: Iterable[Any], key: Callable[[Any], K], default: Any = None
) -> list[Any]:
    found = {key(row): row for row in rows}
    return [found.get(k, default) for k in keys]


def grouped(keys: Sequence[K], rows: Iterable[Any], key: Callable[[Any], K]) -> list[list[Any]]:
    groups: dict[K, list[Any]] = {k: [] for k in keys}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return [groups[k] for k in keys]
