"""Authenticate `Authorization: Bearer <jwt>` requests; sessions still work for the admin."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from marketplace.accounts.tokens import InvalidToken, user_from_token


class BearerTokenMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        request.token_error = None  # type: ignore[attr-defined]
        if header.lower().startswith("bearer "):
            try:
                request.user = user_from_token(header[7:].strip())
            except InvalidToken as exc:
                # The API turns this into a clear error rather than silently serving anonymously.
                request.token_error = str(exc)  # type: ignore[attr-defined]
        return self.get_response(request)
