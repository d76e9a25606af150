"""Saleor's storefront must work against our schema unchanged.

The reference surfaces (Saleor's SDL pruned to what the storefront's 67 documents use) are
turned into documents: one operation per root field, selecting every surface field below
it with every surface argument as a variable. Each must validate against our live schema;
a failure names the operation and graphql-core's complaint.
"""

from __future__ import annotations

import json
from itertools import count
from pathlib import Path

import pytest
from graphql import (
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_client_schema,
    build_schema,
    get_introspection_query,
    get_named_type,
    parse,
    validate,
)

from storefront_api.core.directives import SPEC_DEPRECATED_LOCATIONS
from storefront_api.schema import schema

REFERENCE_DIR = Path(__file__).resolve().parents[3] / "shared" / "reference"
SURFACES = ["storefront-surface.graphql", "buyer-flow-surface.graphql"]
# Deep enough for the storefront's nesting (checkout > lines > variant > product > ...).
MAX_DEPTH = 7

# Complaints the API does not answer yet (none now); a second test keeps the set true.
NOT_YET_SERVED: set[str] = set()


def _selection(surface: GraphQLSchema, type_, depth: int, path: tuple[str, ...], args) -> str:
    named = get_named_type(type_)
    if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
        return ""
    if depth >= MAX_DEPTH or named.name in path:
        return "{ __typename }"
    path = (*path, named.name)
    parts = ["__typename"]
    if not isinstance(named, GraphQLUnionType):
        for name, field in named.fields.items():
            call = ""
            if field.args:
                names = []
                for arg_name, arg in field.args.items():
                    var = f"v{next(args['counter'])}_{arg_name}"
                    args["vars"].append(f"${var}: {arg.type}")
                    names.append(f"{arg_name}: ${var}")
                call = f"({', '.join(names)})"
            # A unique alias per field: fragments on sibling types may share a field name
            # with another type or other arguments, which real documents alias apart too.
            alias = f"{name}_{next(args['counter'])}: {name}"
            sub = _selection(surface, field.type, depth + 1, path, args)
            parts.append(f"{alias}{call} {sub}")
    if isinstance(named, GraphQLUnionType | GraphQLInterfaceType):
        for possible in surface.get_possible_types(named):
            sub = _selection(surface, possible, depth + 1, path, args)
            parts.append(f"... on {possible.name} {sub}")
    return "{ " + " ".join(parts) + " }"


def surface_documents(surface_file: str) -> dict[str, str]:
    surface = build_schema((REFERENCE_DIR / surface_file).read_text(), assume_valid_sdl=True)
    documents = {}
    for keyword, root in (("query", surface.query_type), ("mutation", surface.mutation_type)):
        for name, field in (root.fields if root else {}).items():
            args = {"counter": count(), "vars": []}
            call = []
            for arg_name, arg in field.args.items():
                var = f"root_{arg_name}"
                args["vars"].append(f"${var}: {arg.type}")
                call.append(f"{arg_name}: ${var}")
            body = _selection(surface, field.type, 1, (), args)
            operation = f"{root.name}_{name}"
            variables = f"({', '.join(args['vars'])})" if args["vars"] else ""
            field_call = f"({', '.join(call)})" if call else ""
            documents[operation] = (
                f"{keyword} {operation}{variables} {{ {name}{field_call} {body} }}"
            )
    return documents


def _complaints(surface_file: str) -> dict[str, set[str]]:
    ours = schema.graphql_schema
    complaints = {}
    for operation, document in surface_documents(surface_file).items():
        errors = validate(ours, parse(document))
        if errors:
            complaints[operation] = {error.message for error in errors}
    return complaints


@pytest.mark.skipif(not REFERENCE_DIR.exists(), reason="needs ../shared/reference")
@pytest.mark.parametrize("surface_file", SURFACES)
def test_every_surface_document_validates(surface_file):
    unexpected = {
        operation: sorted(messages - NOT_YET_SERVED)
        for operation, messages in _complaints(surface_file).items()
        if messages - NOT_YET_SERVED
    }
    assert not unexpected, json.dumps(unexpected, indent=1, ensure_ascii=False)


@pytest.mark.skipif(not REFERENCE_DIR.exists(), reason="needs ../shared/reference")
def test_the_not_yet_served_list_is_still_needed():
    """A complaint that no longer occurs must leave NOT_YET_SERVED, so the list stays true."""
    seen = set().union(*_complaints(SURFACES[0]).values())
    assert seen >= NOT_YET_SERVED, f"now served, drop them: {sorted(NOT_YET_SERVED - seen)}"


def test_introspection_rebuilds_as_a_client_schema(gql):
    introspection = gql.data(get_introspection_query(descriptions=True))
    client_schema = build_client_schema(introspection)
    deprecated = client_schema.get_directive("deprecated")
    assert deprecated is not None
    assert set(deprecated.locations) == set(SPEC_DEPRECATED_LOCATIONS)
    served = {
        location["name"] if isinstance(location, dict) else location
        for directive in introspection["__schema"]["directives"]
        for location in directive["locations"]
    }
    assert "DIRECTIVE_DEFINITION" not in served
