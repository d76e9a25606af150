"""GraphQL-level errors with a machine-readable code in `extensions.exception.code`,
where Saleor's clients look for it."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError


class ApiError(GraphQLError):
    code = "GRAPHQL_ERROR"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        self.code = code or self.code
        extensions: dict[str, Any] = {"exception": {"code": self.code}}
        if field:
            extensions["field"] = field
        super().__init__(message, extensions=extensions)


class PermissionDenied(ApiError):
    code = "PermissionDenied"

    def __init__(self, message: str = "You do not have permission to perform this action.") -> None:
        super().__init__(message)
