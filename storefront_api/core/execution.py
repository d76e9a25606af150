"""The execution context: deferred (DataLoader) execution that our loaders can reach, with a
short path for plain scalar fields."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from graphene.types.resolver import attr_resolver, dict_or_attr_resolver, dict_resolver
from graphql import (
    FieldNode,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    is_non_null_type,
)
from graphql.pyutils import Path, Undefined
from graphql_sync_dataloaders import DeferredExecutionContext

_DEFAULT_RESOLVERS = (dict_or_attr_resolver, attr_resolver, dict_resolver)

# (attribute name, default value, scalar type) for a field graphene resolves by reading an
# attribute or key of its parent, typed as a scalar; None for every other field.
PlainScalar = tuple[str, Any, GraphQLScalarType]
_plain_scalars: dict[tuple[GraphQLObjectType, str], PlainScalar | None] = {}


def _plain_scalar(parent_type: GraphQLObjectType, field_name: str) -> PlainScalar | None:
    key = (parent_type, field_name)
    try:
        return _plain_scalars[key]
    except KeyError:
        pass
    plan = None
    field_def = parent_type.fields.get(field_name)
    resolve = field_def.resolve if field_def is not None else None
    if isinstance(resolve, partial) and resolve.func in _DEFAULT_RESOLVERS:
        field_type = field_def.type  # type: ignore[union-attr]
        scalar = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
        if isinstance(scalar, GraphQLScalarType) and not field_def.args:  # type: ignore[union-attr]
            attname, default = resolve.args
            plan = (attname, default, scalar)
    _plain_scalars[key] = plan
    return plan


class RequestExecutionContext(DeferredExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deferred_callbacks: list[Callable[[], None]] = []
        if self.context_value is not None:
            self.context_value._graphql_execution = self

    def defer(self, callback: Callable[[], None]) -> None:
        self._deferred_callbacks.append(callback)

    def execute_operation(self, operation: Any, root_value: Any) -> Any:
        # The parent resets the callback list at the start; loads made before that (none
        # today) would be lost, so keep whatever is queued.
        queued = list(self._deferred_callbacks)
        result = super().execute_operation(operation, root_value)
        for callback in queued:
            callback()
        return result

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_nodes: list[FieldNode],
        path: Path,
    ) -> Any:
        # Most fields of a page are names, slugs, amounts: a read of the parent and a
        # serialize. The general path builds a resolve-info record, argument values and a
        # type dispatch for each of them, which was a large share of a product page's time.
        # Anything unusual (a null, a value the scalar refuses, middleware) takes the
        # general path, so errors are reported exactly as before.
        plan = (
            None
            if self.middleware_manager
            else _plain_scalar(parent_type, field_nodes[0].name.value)
        )
        if plan is not None:
            attname, default, scalar = plan
            try:
                value = (
                    source.get(attname, default)
                    if isinstance(source, dict)
                    else getattr(source, attname, default)
                )
                serialized = None if value is None else scalar.serialize(value)
            except Exception:
                serialized = None
            if serialized is not None and serialized is not Undefined:
                return serialized
        return super().execute_field(parent_type, source, field_nodes, path)

    def handle_field_error(self, error: Any, return_type: Any, path: Any = None) -> None:
        # graphql-sync-dataloaders was written before graphql-core 3.2.4 added `path` here
        # and calls it with two arguments. graphql-core records each error's position so
        # that errors under an already-nulled parent are dropped; a missing position counts
        # as the root, which would drop every later error. So every position is rebuilt
        # the same way from the error's own path (positions are compared by value).
        if is_non_null_type(return_type):
            raise error
        self.collected_errors.add(error, _position(error.path))


def _position(keys: list[str | int] | None) -> Path | None:
    position = None
    for key in keys or ():
        position = Path(position, key, None)
    return position
