"""Bad input gets a clear GraphQL error with a code, never a 500."""

from __future__ import annotations

import base64

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def _code(body):
    return body["errors"][0]["extensions"]["exception"]["code"]


@pytest.fixture
def two_channels(channel):
    factories.channel("village-counter")
    factories.product(channel_obj=channel)
    return channel


@pytest.mark.smoke
def test_malformed_query_is_a_graphql_error(gql, two_channels):
    response = gql.raw("{ products(first: 1 { edges }")
    assert response.status_code == 400
    assert "Syntax Error" in response.json()["errors"][0]["message"]


def test_unknown_field_is_a_validation_error(gql, two_channels):
    response = gql.raw(
        '{ products(first: 1, channel: "urban-retail") { edges { node { price } } } }'
    )
    assert response.status_code == 400
    assert "Cannot query field 'price'" in response.json()["errors"][0]["message"]


def test_id_of_the_wrong_type(gql, two_channels):
    category_id = base64.b64encode(b"Category:1").decode()
    body = gql(
        'query($id: ID) { product(id: $id, channel: "urban-retail") { name } }', {"id": category_id}
    )
    assert body["errors"][0]["message"] == "Must receive a Product id."
    assert body["data"]["product"] is None


def test_garbage_id(gql, two_channels):
    body = gql('{ product(id: "not-an-id", channel: "urban-retail") { name } }')
    assert "Couldn't resolve id" in body["errors"][0]["message"]


def test_first_over_100(gql, two_channels):
    body = gql('{ products(first: 101, channel: "urban-retail") { edges { node { name } } } }')
    assert "exceeds the `first` limit of 100" in body["errors"][0]["message"]
    assert body["data"]["products"] is None


def test_first_or_last_required(gql, two_channels):
    body = gql('{ products(channel: "urban-retail") { edges { node { name } } } }')
    assert "You must provide a `first` or `last` value" in body["errors"][0]["message"]


def test_unknown_channel(gql, two_channels):
    body = gql('{ products(first: 5, channel: "moon-base") { edges { node { name } } } }')
    assert body["errors"][0]["message"] == "Channel with 'moon-base' slug does not exist."
    assert _code(body) == "NOT_FOUND"


def test_missing_channel_when_several_exist(gql, two_channels):
    body = gql("{ products(first: 5) { edges { node { name } } } }")
    assert _code(body) == "MISSING_CHANNEL_SLUG"
    assert "urban-retail" in body["errors"][0]["message"]


def test_channel_may_be_omitted_when_only_one_exists(gql, channel):
    factories.product(channel_obj=channel, name="核桃")
    data = gql.data("{ products(first: 5) { edges { node { name } } } }")
    assert [e["node"]["name"] for e in data["products"]["edges"]] == ["核桃"]


def test_too_deep_query_is_refused_before_running(gql, two_channels, django_assert_num_queries):
    nested = "name " + "parent { " * 14 + "name" + " }" * 14
    with django_assert_num_queries(0):
        response = gql.raw("{ categories(first: 1) { edges { node { %s } } } }" % nested)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["exception"]["code"] == "QUERY_TOO_DEEP"


def test_too_costly_query_is_refused_before_running(gql, two_channels, django_assert_num_queries):
    query = """{ categories(first: 100) { edges { node {
        children(first: 100) { edges { node { products(first: 100, channel: "urban-retail") {
          edges { node { name slug } } } } } } } } } }"""
    with django_assert_num_queries(0):
        response = gql.raw(query)
    assert response.json()["errors"][0]["extensions"]["exception"]["code"] == "QUERY_TOO_COMPLEX"


def test_cost_uses_variables(gql, two_channels):
    query = """query($n: Int) { categories(first: $n) { edges { node {
        children(first: $n) { edges { node { products(first: $n, channel: "urban-retail") {
          edges { node { name slug } } } } } } } } } }"""
    assert gql(query, {"n": 2}).get("errors") is None
    assert (
        gql.raw(query, {"n": 100}).json()["errors"][0]["extensions"]["exception"]["code"]
        == "QUERY_TOO_COMPLEX"
    )


def test_bad_bearer_token_is_a_clear_error(gql, two_channels):
    gql.headers["Authorization"] = "Bearer not-a-token"
    body = gql("{ channels { slug } }")
    assert _code(body) == "InvalidTokenError"


def test_invalid_cursor(gql, two_channels):
    body = gql(
        '{ products(first: 5, after: "%%%", channel: "urban-retail") { edges { node { name } } } }'
    )
    assert "cursor is invalid" in body["errors"][0]["message"]


def test_non_json_body_is_a_400_not_a_500(gql, two_channels):
    response = gql.client.post("/graphql/", data="{not json", content_type="application/json")
    assert response.status_code == 400


def test_a_failing_loader_fails_only_its_field(gql, channel, monkeypatch):
    from storefront_api.catalog.dataloaders import CategoryByIdLoader

    factories.product(channel_obj=channel, category_obj=factories.category(name="茶叶"))

    def broken(self, keys):
        raise RuntimeError("database went away")

    monkeypatch.setattr(CategoryByIdLoader, "batch_load", broken)
    body = gql("{ products(first: 5) { edges { node { name category { name } } } } }")
    assert body["data"]["products"]["edges"][0]["node"]["category"] is None
    assert body["errors"][0]["extensions"]["exception"]["code"] == "INTERNAL_ERROR"


def test_nul_character_is_refused_before_running(gql, channel, django_assert_num_queries):
    # PostgreSQL text cannot hold U+0000; whether it comes as a variable or as the \u0000
    # escape in a literal, nothing runs and the answer says why.
    literal = r'{ products(first: 1, channel: "urban-retail", filter: {search: "茶\u0000"}) { totalCount } }'
    variable = """query($f: ProductFilterInput) { products(first: 1, channel: "urban-retail",
                  filter: $f) { totalCount } }"""
    with django_assert_num_queries(0):
        by_literal = gql.raw(literal).json()
        by_variable = gql.raw(variable, {"f": {"slugs": ["ok", "bad\x00"]}}).json()
    assert by_literal["errors"][0]["extensions"]["exception"]["code"] == "GRAPHQL_ERROR"
    assert "NUL" in by_literal["errors"][0]["message"]
    error = by_variable["errors"][0]
    assert error["extensions"]["exception"]["code"] == "GRAPHQL_ERROR"
    assert "$f.slugs.1" in error["message"]
