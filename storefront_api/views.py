"""The `/graphql/` endpoint: GraphiQL in a browser, JSON otherwise.

GraphiQL's page loads its scripts from this server when `ruralmart fetch_graphiql` has
vendored them (storefront_api.graphiql_assets), so it works with no internet; otherwise from
the CDN graphene-django names, with the same integrity hashes.

Beyond graphene-django's view it: runs DataLoader-aware execution, refuses over-deep or
over-costly queries before running them, reports a bad bearer token as a clear error, and
turns anything unexpected into a coded GraphQL error instead of an HTTP 500.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
    JsonResponse,
)
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import GraphQLView as BaseGraphQLView
from graphene_django.views import HttpError
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    validate,
)

from storefront_api.core.execution import RequestExecutionContext
from storefront_api.core.limits import (
    check_query_limits,
    document_width_errors,
    literal_text_errors,
    variable_text_errors,
)
from storefront_api.graphiql_assets import SCRIPTS, STYLESHEETS, local_assets_available
from storefront_api.schema import schema

logger = logging.getLogger("ruralmart.api")


@lru_cache(maxsize=512)
def _parse_and_validate(query: str) -> tuple[DocumentNode | None, tuple[GraphQLError, ...]]:
    """Parsed and spec-validated documents, by query text.

    Storefronts send the same few query texts over and over; parsing and validating one
    costs several milliseconds, so both are done once per distinct text. The cache is
    bounded, and the per-request checks (cost, which needs the variables) run separately.
    """
    try:
        document = parse(query)
    except GraphQLError as error:
        return None, (error,)
    errors = validate(schema.graphql_schema, document) or literal_text_errors(document)
    return document, tuple(errors)


def _error_response(message: str, code: str, status: int = 200) -> JsonResponse:
    return JsonResponse(
        {"errors": [{"message": message, "extensions": {"exception": {"code": code}}}]},
        status=status,
    )


@method_decorator(csrf_exempt, name="dispatch")
class GraphQLView(BaseGraphQLView):
    graphiql = True
    graphiql_template = "storefront_api/graphiql.html"
    execution_context_class = RequestExecutionContext

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token_error = getattr(request, "token_error", None)
        if token_error and request.method == "POST":
            return _error_response(f"Invalid or expired token: {token_error}", "InvalidTokenError")
        try:
            return super().dispatch(request, *args, **kwargs)
        except Exception:  # the promise: never a bare 500 to an API client
            logger.exception("Unhandled error in the GraphQL view")
            return _error_response(
                "Internal error; it has been logged.", "INTERNAL_ERROR", status=500
            )

    def render_graphiql(self, request: HttpRequest, **data: Any) -> HttpResponse:
        # Decided per page, so a `fetch_graphiql` run shows up under runserver without a restart.
        data.update(
            graphiql_local_assets=local_assets_available(),
            graphiql_stylesheets=STYLESHEETS,
            graphiql_scripts=SCRIPTS,
        )
        return super().render_graphiql(request, **data)

    def execute_graphql_request(
        self,
        request: HttpRequest,
        data: Any,
        query: str | None,
        variables: Any,
        operation_name: str | None,
        show_graphiql: bool = False,
    ) -> ExecutionResult | None:
        if not query:
            if show_graphiql:
                return None
            raise HttpError(HttpResponseBadRequest("Must provide query string."))
        document, errors = _parse_and_validate(query)
        if document is None or errors:
            return ExecutionResult(data=None, errors=list(errors))
        operation = get_operation_ast(document, operation_name)
        if (
            request.method == "GET"
            and operation is not None
            and operation.operation != OperationType.QUERY
        ):
            if show_graphiql:
                return None
            raise HttpError(HttpResponseNotAllowed(["POST"], "Only queries may be sent with GET."))
        # Cost and depth depend on the variables, and every limit on the settings in force, so
        # these are checked per request, not cached with the validation.
        values = variables if isinstance(variables, dict) else {}
        limit_errors = (
            variable_text_errors(values)
            or document_width_errors(document)
            or check_query_limits(document, values, self.schema.graphql_schema)
        )
        if limit_errors:
            return ExecutionResult(data=None, errors=limit_errors)
        result = execute(
            self.schema.graphql_schema,
            document,
            root_value=self.get_root_value(request),
            context_value=self.get_context(request),
            variable_values=variables,
            operation_name=operation_name,
            # graphql-core wraps every resolver for a middleware list, even an empty one.
            middleware=self.get_middleware(request) or None,
            execution_context_class=self.execution_context_class,
        )
        # Our resolvers are synchronous, so execution never hands back an awaitable.
        assert isinstance(result, ExecutionResult)
        return result

    @staticmethod
    def format_error(error: Any) -> dict[str, Any]:
        if isinstance(error, GraphQLError):
            formatted: dict[str, Any] = dict(error.formatted)
            original = error.original_error
            if original is not None and not isinstance(original, GraphQLError):
                # Unexpected exceptions inside resolvers: log the details, show a code.
                logger.error("Resolver error", exc_info=original)
                formatted["extensions"] = {"exception": {"code": "INTERNAL_ERROR"}}
                formatted["message"] = "Internal error; it has been logged."
            elif "extensions" not in formatted or not formatted.get("extensions"):
                formatted["extensions"] = {"exception": {"code": "GRAPHQL_ERROR"}}
            return formatted
        return {"message": str(error), "extensions": {"exception": {"code": "GRAPHQL_ERROR"}}}
