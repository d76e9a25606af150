"""Refuse documents that are too deep, too expensive or too wide, or carry text PostgreSQL
cannot hold, before they run.

Cost estimates how many values the answer holds, so that a document is refused by what it
would make the server do, however it is written:

* every field selected costs 1, each time it is selected: aliases of one field count once
  each, and a fragment counts every time it is spread;
* a field taking `first`/`last` (a connection) multiplies what it selects by that page size;
  a variable counts with its value or, when the request leaves it out, its default; a
  connection given no page size is refused when it runs, and counts as the largest page, 100;
* a list field without paging (a product's `variants`, an order's `lines`) multiplies what it
  selects by its `limit` argument when given, else by `LIST_SIZE_ESTIMATE`, since the
  document cannot say how long the list will be. A connection's own `edges` list is the page
  already counted;
* lists nested directly in a list's items (a variant's `attributes`, then each one's
  `values`) list what those items own together: the estimate covers the whole nest, so the
  inner lists share what is left of it instead of multiplying by ten at every level (a
  storefront product page would otherwise count 10 × 10 values per variant). A single
  object field in between (a variant's `product`) leaves what the items own, and counting
  starts afresh: `variants { product { variants ... } }` keeps multiplying.

The limits (settings, from the environment): `GRAPHQL_MAX_COST` (50,000, as Saleor's),
`GRAPHQL_MAX_DEPTH`, `GRAPHQL_MAX_ROOT_FIELDS` (top-level fields of one operation, fragments
expanded) and `GRAPHQL_MAX_ALIASES` (aliased fields written in the document). All are checked
per request, after the (cached) spec validation: cost and depth depend on the variables.
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
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    Node,
    NullValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    get_named_type,
    is_interface_type,
    is_object_type,
)
from graphql.language import visit
from graphql.language.visitor import Visitor

# The largest page a connection serves; an unknown page size counts as this.
_PAGE_DEFAULT = 100
# Assumed length of a list field without paging: a product's variants, a checkout's lines.
LIST_SIZE_ESTIMATE = 10


def _limit_error(message: str, node: Node | None, code: str, **extensions: Any) -> GraphQLError:
    return GraphQLError(message, node, extensions={"exception": {"code": code}, **extensions})


class _CostWalker:
    """Cost and depth of one operation, walked with the schema's types."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def _int_argument(self, field: FieldNode, names: tuple[str, ...]) -> tuple[bool, int | None]:
        """(whether the field is given any of `names`, the first integer value among them)."""
        given_any = False
        for argument in field.arguments or ():
            if argument.name.value not in names:
                continue
            given_any = True
            value = argument.value
            if isinstance(value, IntValueNode):
                return True, max(int(value.value), 1)
            if isinstance(value, VariableNode):
                given = self.variables.get(value.name.value)
                if isinstance(given, int) and not isinstance(given, bool):
                    return True, max(given, 1)
            # null, a missing variable or a non-integer: try the other argument
        return given_any, None

    def page_size(self, field: FieldNode) -> int | None:
        """The page size `first`/`last` give, or None when the field takes neither."""
        takes_page, size = self._int_argument(field, ("first", "last"))
        if size is not None:
            return size
        return _PAGE_DEFAULT if takes_page else None

    def list_limit(self, field: FieldNode) -> int | None:
        """The `limit` a client gives a list without paging (Saleor's `assignedAttributes`)."""
        return self._int_argument(field, ("limit",))[1]

    def measure(
        self,
        parent: GraphQLNamedType | None,
        selection_set: SelectionSetNode | None,
        depth: int,
        seen: frozenset[str],
        nest: int = 1,
    ) -> tuple[int, int]:
        """(cost, deepest level) of a selection set on `parent`; `nest` is how many values
        the unpaged lists directly around it were already counted for."""
        if selection_set is None:
            return 0, depth
        cost, deepest = 0, depth
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value.startswith("__"):
                    continue
                field_cost, field_depth = self.measure_field(parent, selection, depth, seen, nest)
                cost += field_cost
                deepest = max(deepest, field_depth)
                continue
            if isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                fragment_set, on = (
                    selection.selection_set,
                    condition.name.value if condition else None,
                )
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:  # unknown or cyclic: validation reports it
                    continue
                seen = seen | {name}
                fragment_set, on = fragment.selection_set, fragment.type_condition.name.value
            else:
                continue
            on_type = self.schema.get_type(on) if on else parent
            inner_cost, inner_depth = self.measure(on_type, fragment_set, depth, seen, nest)
            cost += inner_cost
            deepest = max(deepest, inner_depth)
        return cost, deepest

    def measure_field(
        self,
        parent: GraphQLNamedType | None,
        field: FieldNode,
        depth: int,
        seen: frozenset[str],
        nest: int = 1,
    ) -> tuple[int, int]:
        definition = None
        if is_object_type(parent) or is_interface_type(parent):
            definition = parent.fields.get(field.name.value)  # type: ignore[union-attr]
        field_type = definition.type if definition is not None else None
        if field.selection_set is None:
            return 1, depth + 1
        multiplier = self.page_size(field)
        inner_nest = 1  # a page, or a single object, starts a new count
        if multiplier is None and _is_list(field_type) and not _is_connection_edges(parent, field):
            # Else what is left of the estimate for what the enclosing items own together.
            limit = self.list_limit(field)
            multiplier = limit if limit is not None else max(LIST_SIZE_ESTIMATE // nest, 1)
            inner_nest = nest * multiplier
        elif multiplier is None:
            multiplier = 1
            if _is_connection_edges(parent, field):
                inner_nest = nest
        inner_cost, inner_depth = self.measure(
            get_named_type(field_type) if field_type is not None else None,
            field.selection_set,
            depth + 1,
            seen,
            inner_nest,
        )
        return 1 + multiplier * inner_cost, inner_depth


def _is_list(field_type: Any) -> bool:
    if isinstance(field_type, GraphQLNonNull):
        field_type = field_type.of_type
    return isinstance(field_type, GraphQLList)


def _is_connection_edges(parent: GraphQLNamedType | None, field: FieldNode) -> bool:
    return (
        field.name.value == "edges"
        and isinstance(parent, GraphQLObjectType)
        and "pageInfo" in parent.fields
    )


def _split(
    document: DocumentNode,
) -> tuple[dict[str, FragmentDefinitionNode], list[OperationDefinitionNode]]:
    """The document's fragments by name, and its operations."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return fragments, operations


def _root_type(schema: GraphQLSchema, operation: OperationDefinitionNode) -> Any:
    if operation.operation == OperationType.MUTATION:
        return schema.mutation_type
    if operation.operation == OperationType.SUBSCRIPTION:
        return schema.subscription_type
    return schema.query_type


def check_query_limits(
    document: DocumentNode, variables: dict[str, Any], schema: GraphQLSchema
) -> list[GraphQLError]:
    """Errors for each operation of `document` that is too deep or too costly."""
    fragments, operations = _split(document)
    errors = []
    for operation in operations:
        walker = _CostWalker(schema, fragments, _with_defaults(operation, variables))
        cost, depth = walker.measure(
            _root_type(schema, operation), operation.selection_set, 0, frozenset()
        )
        if depth > settings.GRAPHQL_MAX_DEPTH:
            errors.append(
                _limit_error(
                    f"The query is nested {depth} levels deep; "
                    f"the limit is {settings.GRAPHQL_MAX_DEPTH}.",
                    operation,
                    "QUERY_TOO_DEEP",
                )
            )
        if cost > settings.GRAPHQL_MAX_COST:
            errors.append(
                _limit_error(
                    f"The query would cost {cost}; the limit is {settings.GRAPHQL_MAX_COST}. "
                    "Each field counts once per value it returns: ask for smaller pages, "
                    "fewer aliases or fewer nested lists.",
                    operation,
                    "QUERY_TOO_COMPLEX",
                    cost={
                        "requestedQueryCost": cost,
                        "maximumAvailable": settings.GRAPHQL_MAX_COST,
                    },
                )
            )
    return errors


def _with_defaults(operation: OperationDefinitionNode, variables: dict[str, Any]) -> dict[str, Any]:
    """The request's variables, plus the operation's integer defaults for those it leaves out."""
    values = dict(variables)
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        default = definition.default_value
        if name not in values and isinstance(default, IntValueNode):
            values[name] = int(default.value)
        elif name not in values and isinstance(default, NullValueNode):
            values[name] = None
    return values


class _WidthCounter(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.aliases = 0
        self.first_alias: FieldNode | None = None

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        if node.alias is not None:
            self.aliases += 1
            self.first_alias = self.first_alias or node


def _root_field_count(
    selection_set: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    seen: frozenset[str],
) -> int:
    count = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            count += 0 if selection.name.value.startswith("__") else 1
        elif isinstance(selection, InlineFragmentNode):
            count += _root_field_count(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:
                count += _root_field_count(fragments[name].selection_set, fragments, seen | {name})
    return count


def document_width_errors(document: DocumentNode) -> list[GraphQLError]:
    """Errors for too many root fields in an operation or too many aliases in the document."""
    fragments, operations = _split(document)
    errors = []
    for operation in operations:
        roots = _root_field_count(operation.selection_set, fragments, frozenset())
        if roots > settings.GRAPHQL_MAX_ROOT_FIELDS:
            errors.append(
                _limit_error(
                    f"The operation asks for {roots} top-level fields; the limit is "
                    f"{settings.GRAPHQL_MAX_ROOT_FIELDS}. Send separate requests.",
                    operation,
                    "QUERY_TOO_WIDE",
                )
            )
    counter = _WidthCounter()
    visit(document, counter)
    if counter.aliases > settings.GRAPHQL_MAX_ALIASES:
        errors.append(
            _limit_error(
                f"The document uses {counter.aliases} aliases; the limit is "
                f"{settings.GRAPHQL_MAX_ALIASES}.",
                counter.first_alias,
                "TOO_MANY_ALIASES",
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
