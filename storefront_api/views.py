"""The `/graphql/` endpoint: GraphiQL in a browser, JSON otherwise.

Beyond graphene-django's view it: runs DataLoader-aware execution, refuses over-deep or
over-costly queries before running them, reports a bad bearer token as a clear error, and
turns anything unexpected into a coded GraphQL error instead of an HTTP 500.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import GraphQLView as BaseGraphQLView
from graphql import ExecutionResult, GraphQLError, specified_rules

from storefront_api.core.execution import RequestExecutionContext
from storefront_api.core.limits import QueryLimitsRule, request_variables

logger = logging.getLogger("ruralmart.api")


def _error_response(message: str, code: str, status: int = 200) -> JsonResponse:
    return JsonResponse(
        {"errors": [{"message": message, "extensions": {"exception": {"code": code}}}]},
        status=status,
    )


@method_decorator(csrf_exempt, name="dispatch")
class GraphQLView(BaseGraphQLView):
    graphiql = True
    execution_context_class = RequestExecutionContext
    validation_rules = (*specified_rules, QueryLimitsRule)

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

    def execute_graphql_request(
        self,
        request: HttpRequest,
        data: Any,
        query: str | None,
        variables: Any,
        operation_name: str | None,
        show_graphiql: bool = False,
    ) -> ExecutionResult | None:
        token = request_variables.set(variables if isinstance(variables, dict) else {})
        try:
            return super().execute_graphql_request(
                request, data, query, variables, operation_name, show_graphiql
            )
        finally:
            request_variables.reset(token)

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
