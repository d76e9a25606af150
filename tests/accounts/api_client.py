"""The GraphQL client and fixtures the account API tests share (imported by each file)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from tests import factories
from tests.api.conftest import GraphQLClient

ADDRESS = {
    "firstName": "张",
    "lastName": "伟",
    "streetAddress1": "龙坞镇上城埭村 18 号",
    "streetAddress2": "",
    "city": "杭州市",
    "cityArea": "西湖区",
    "postalCode": "310024",
    "country": "CN",
    "countryArea": "浙江省",
    "phone": "138 0013 8000",
}

ADDRESS_FIELDS = """
    id firstName lastName companyName streetAddress1 streetAddress2 city cityArea
    postalCode country { code country } countryArea phone
    isDefaultShippingAddress isDefaultBillingAddress
"""


class AccountClient(GraphQLClient):
    """GraphQLClient that can also set the caller's REMOTE_ADDR and other META keys."""

    def __init__(self, client: Client) -> None:
        super().__init__(client)
        self.meta: dict[str, str] = {}

    def raw(self, query: str, variables: dict[str, Any] | None = None):
        return self.client.post(
            "/graphql/",
            data=json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json",
            headers=self.headers,
            **self.meta,
        )

    def mutate(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The payload of a one-field mutation (asserting no top-level errors)."""
        data = self.data(query, variables)
        (payload,) = data.values()
        return payload

    def use_token(self, token: str) -> None:
        self.headers["Authorization"] = f"Bearer {token}"


@pytest.fixture
def gql(db) -> AccountClient:
    return AccountClient(Client())


@pytest.fixture
def buyer(db):
    return factories.user(email="buyer@example.cn", password="Village-pass-2026")


def link_params(body: str) -> dict[str, str]:
    """`email` and `token` from the link in an account e-mail's body."""
    url = next(word for word in body.split() if word.startswith("http"))
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def codes(errors: list[dict[str, Any]]) -> set[tuple[str | None, str]]:
    return {(error["field"], error["code"]) for error in errors}
