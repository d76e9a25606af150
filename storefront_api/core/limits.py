"""Refuse queries that are too deep or too expensive, before they run.

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
    OperationDefinitionNode,
    SelectionSetNode,
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
