"""Refuse queries that are too deep or too expensive, or carry text PostgreSQL cannot hold,
before they run.

Cost: each field costs 1; a field taking `first`/`last` multiplies the cost of what it
selects by that page size (100 when a variable gives no integer). Fragments are expanded.
The limits come from GRAPHQL_MAX_DEPTH and GRAPHQL_MAX_COST. The check runs per request,
after the (cached) spec validation, because the cost depends on the variables.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
)

_PAGE_DEFAULT = 100


def _page_size(field: FieldNode, variables: dict[str, Any]) -> int | None:
    for argument in field.arguments or ():
        if argument.name.value not in ("first", "last"):
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            return max(int(value.value), 1)
        if isinstance(value, VariableNode):
            raw = variables.get(value.name.value)
            return max(raw, 1) if isinstance(raw, int) else _PAGE_DEFAULT
    return None


class _Walker:
    def __init__(
        self, fragments: dict[str, FragmentDefinitionNode], variables: dict[str, Any]
    ) -> None:
        self.fragments = fragments
        self.variables = variables

    def measure(
        self, selection_set: SelectionSetNode | None, depth: int, seen: frozenset[str]
    ) -> tuple[int, int]:
        """(cost, max depth) of a selection set."""
        if selection_set is None:
            return 0, depth
        cost, deepest = 0, depth
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value.startswith("__"):
                    continue
                inner_cost, inner_depth = self.measure(selection.selection_set, depth + 1, seen)
                multiplier = _page_size(selection, self.variables) or 1
                cost += 1 + multiplier * inner_cost
                deepest = max(deepest, inner_depth if selection.selection_set else depth + 1)
            elif isinstance(selection, InlineFragmentNode):
                inner_cost, inner_depth = self.measure(selection.selection_set, depth, seen)
                cost += inner_cost
                deepest = max(deepest, inner_depth)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:  # unknown/cyclic: other rules report it
                    continue
                inner_cost, inner_depth = self.measure(fragment.selection_set, depth, seen | {name})
                cost += inner_cost
                deepest = max(deepest, inner_depth)
        return cost, deepest


def check_query_limits(document: DocumentNode, variables: dict[str, Any]) -> list[GraphQLError]:
    """Errors for each operation of `document` that is too deep or too costly."""
    walker = _Walker(
        {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)},
        variables,
    )
    errors = []
    for operation in document.definitions:
        if not isinstance(operation, OperationDefinitionNode):
            continue
        cost, depth = walker.measure(operation.selection_set, 0, frozenset())
        if depth > settings.GRAPHQL_MAX_DEPTH:
            errors.append(
                GraphQLError(
                    f"The query is nested {depth} levels deep; "
                    f"the limit is {settings.GRAPHQL_MAX_DEPTH}.",
                    operation,
                    extensions={"exception": {"code": "QUERY_TOO_DEEP"}},
                )
            )
        if cost > settings.GRAPHQL_MAX_COST:
            errors.append(
                GraphQLError(
                    f"The query would cost {cost} (fields × page sizes); the limit is "
                    f"{settings.GRAPHQL_MAX_COST}. Ask for smaller pages or fewer nested lists.",
                    operation,
                    extensions={"exception": {"code": "QUERY_TOO_COMPLEX"}},
                )
            )
    return errors


# PostgreSQL text cannot hold U+0000, so a NUL in any string argument would fail whatever
# statement it reaches. No Ruralmart field has a use for it: refuse it once, here, before
# anything runs, instead of guarding every lookup and filter one by one.
_NUL = "\x00"


def _nul_path(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return path if _NUL in value else None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _nul_path(item, f"{path}.{key}")
        if found is not None:
            return found
    return None


def _literal_has_nul(document: DocumentNode) -> bool:
    # A NUL cannot be typed into a document, only written as the escape \u0000 inside a
    # string literal; the parser has already decoded it into the literal's value.
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, StringValueNode):
            if _NUL in node.value:
                return True
            continue
        for key in node.keys:
            child = getattr(node, key, None)
            if isinstance(child, Node):
                stack.append(child)
            elif isinstance(child, (list, tuple)):
                stack.extend(c for c in child if isinstance(c, Node))
    return False


def variable_text_errors(variables: dict[str, Any]) -> list[GraphQLError]:
    """An error when a variable's value contains the NUL character (checked per request)."""
    for name, value in variables.items():
        found = _nul_path(value, name)
        if found is not None:
            return [
                GraphQLError(
                    f"Variable ${found} contains the NUL character (U+0000), which text "
                    "cannot hold here.",
                    extensions={"exception": {"code": "GRAPHQL_ERROR"}, "field": name},
                )
            ]
    return []


def literal_text_errors(document: DocumentNode) -> list[GraphQLError]:
    """An error when a string literal of the document contains the NUL character (this
    depends on the document alone, so it is cached with its validation)."""
    if not _literal_has_nul(document):
        return []
    return [
        GraphQLError(
            "A string in the query contains the NUL character (U+0000), which text cannot "
            "hold here.",
            extensions={"exception": {"code": "GRAPHQL_ERROR"}},
        )
    ]
