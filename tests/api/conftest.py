from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client


class GraphQLClient:
    def __init__(self, client: Client) -> None:
        self.client = client
        self.headers: dict[str, str] = {}

    def raw(self, query: str, variables: dict[str, Any] | None = None):
        return self.client.post(
            "/graphql/",
            data=json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json",
            headers=self.headers,
        )

    def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.raw(query, variables)
        assert response.status_code == 200, response.content
        return response.json()

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = self(query, variables)
        assert "errors" not in body, body["errors"]
        return body["data"]

    def login(self, user) -> None:
        from marketplace.accounts.tokens import create_token

        self.headers["Authorization"] = f"Bearer {create_token(user=user)}"


@pytest.fixture
def gql(db) -> GraphQLClient:
    return GraphQLClient(Client())
