"""The directives the schema announces in introspection.

graphql-core 3.2.14 lets `@deprecated` sit on directive definitions too, a draft the
GraphQL spec and graphql-js have not adopted: clients that rebuild the schema from
introspection (GraphQL codegen, graphql-js `buildClientSchema`) refuse the unknown location.
We announce Saleor's set instead, with `@deprecated` on the spec's four locations.
"""

from __future__ import annotations

from graphql import (
    DirectiveLocation,
    GraphQLDeprecatedDirective,
    GraphQLDirective,
    GraphQLIncludeDirective,
    GraphQLSkipDirective,
    GraphQLSpecifiedByDirective,
)

SPEC_DEPRECATED_LOCATIONS = (
    DirectiveLocation.FIELD_DEFINITION,
    DirectiveLocation.ARGUMENT_DEFINITION,
    DirectiveLocation.INPUT_FIELD_DEFINITION,
    DirectiveLocation.ENUM_VALUE,
)

DeprecatedDirective = GraphQLDirective(
    name=GraphQLDeprecatedDirective.name,
    locations=SPEC_DEPRECATED_LOCATIONS,
    args=GraphQLDeprecatedDirective.args,
    description=GraphQLDeprecatedDirective.description,
)

SCHEMA_DIRECTIVES = [
    GraphQLIncludeDirective,
    GraphQLSkipDirective,
    DeprecatedDirective,
    GraphQLSpecifiedByDirective,
]
