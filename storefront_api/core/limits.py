"""Refuse queries that are too deep or too expensive, before they run.

Cost: each field costs 1; a field taking `first`/`last` multiplies the cost of what it
selects by that page size (100 when it comes from a variable we cannot see yet or is
missing). Fragments are expanded. The limits come from GRAPHQL_MAX_DEPTH and
GRAPHQL_MAX_COST.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.conf import settings
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
)

request_variables: ContextVar[dict[str, Any] | None] = ContextVar("request_variables", default=None)

_PAGE_DEFAULT = 100


def _page_size(field: FieldNode) -> int | None:
    for argument in field.arguments or ():
        if argument.name.value not in ("first", "last"):
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            return max(int(value.value), 1)
        if isinstance(value, VariableNode):
            raw = (request_variables.get() or {}).get(value.name.value)
            return max(raw, 1) if isinstance(raw, int) else _PAGE_DEFAULT
    return None


class _Walker:
    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments

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
                multiplier = _page_size(selection) or 1
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


class QueryLimitsRule(ValidationRule):
    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        document = context.document
        self.walker = _Walker(
            {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        )

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        cost, depth = self.walker.measure(node.selection_set, 0, frozenset())
        if depth > settings.GRAPHQL_MAX_DEPTH:
            self.report_error(
                GraphQLError(
                    f"The query is nested {depth} levels deep; "
                    f"the limit is {settings.GRAPHQL_MAX_DEPTH}.",
                    node,
                    extensions={"exception": {"code": "QUERY_TOO_DEEP"}},
                )
            )
        if cost > settings.GRAPHQL_MAX_COST:
            self.report_error(
                GraphQLError(
                    f"The query would cost {cost} (fields × page sizes); the limit is "
                    f"{settings.GRAPHQL_MAX_COST}. Ask for smaller pages or fewer nested lists.",
                    node,
                    extensions={"exception": {"code": "QUERY_TOO_COMPLEX"}},
                )
            )
