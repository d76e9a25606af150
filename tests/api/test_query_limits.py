"""The cost, width and alias limits: refused documents run no SQL at all; storefront pages pass.

A document with 60 aliases of `products(first: 100)` once ran for 1.5 s and answered 200. Its
aliased, fragment-spread and nested variants must all be refused before anything runs, with a
code and the figures, and an ordinary storefront page must not be mistaken for one.
"""

from __future__ import annotations

import pytest
from django.test import override_settings
from graphql import parse

from storefront_api.core.limits import check_query_limits, document_width_errors
from storefront_api.schema import schema
from tests.api.storefront_documents import PRODUCT_LIST
from tests.api_checkout.conftest import CHECKOUT_FIELDS

PRODUCTS = (
    'products(first: 100, channel: "urban-retail") { edges { node { id name variants { id } } } }'
)


def _aliased(count: int) -> str:
    return "{ " + " ".join(f"p{i}: {PRODUCTS}" for i in range(count)) + " }"


def _errors(response) -> list[dict]:
    body = response.json()
    assert "data" not in body or body["data"] is None, body
    return body["errors"]


def _error(response) -> dict:
    (error,) = _errors(response)
    return error


def _cost(query: str, variables: dict | None = None) -> int:
    """The cost the limit computes, read from its refusal under a limit nothing meets."""
    with override_settings(GRAPHQL_MAX_COST=-1):
        errors = check_query_limits(parse(query), variables or {}, schema.graphql_schema)
    costs = [e.extensions["cost"]["requestedQueryCost"] for e in errors if "cost" in e.extensions]
    return costs[0]


@pytest.fixture
def no_width_limits(settings):
    """Let the cost limit alone judge (the width limits would refuse some of these first)."""
    settings.GRAPHQL_MAX_ALIASES = 1000
    settings.GRAPHQL_MAX_ROOT_FIELDS = 1000


def test_the_reported_sixty_aliases_are_refused_before_running(
    gql, channel, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = gql.raw(_aliased(60))
    codes = {error["extensions"]["exception"]["code"] for error in _errors(response)}
    assert codes == {"QUERY_TOO_WIDE", "TOO_MANY_ALIASES"}


def test_aliases_are_each_counted_by_cost(gql, channel, no_width_limits, django_assert_num_queries):
    with django_assert_num_queries(0):
        error = _error(gql.raw(_aliased(60)))
    assert error["extensions"]["exception"]["code"] == "QUERY_TOO_COMPLEX"
    cost = error["extensions"]["cost"]
    assert cost["maximumAvailable"] == 50000
    assert cost["requestedQueryCost"] == 60 * _cost("{ " + PRODUCTS + " }")
    assert str(cost["requestedQueryCost"]) in error["message"] and "50000" in error["message"]


def test_fragment_spreads_are_each_counted(
    gql, channel, no_width_limits, django_assert_num_queries
):
    query = (
        "fragment Page on ProductCountableConnection { edges { node { id name variants { id } } } }"
        " { "
        + " ".join(
            f'p{i}: products(first: 100, channel: "urban-retail") {{ ...Page }}' for i in range(40)
        )
        + " }"
    )
    with django_assert_num_queries(0):
        error = _error(gql.raw(query))
    assert error["extensions"]["exception"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["cost"]["requestedQueryCost"] == _cost(_aliased(40))


def test_nested_connections_multiply_by_their_page_sizes(gql, channel, django_assert_num_queries):
    query = "{ categories(first: 100) { edges { node { " + PRODUCTS + " } } } }"
    with django_assert_num_queries(0):
        error = _error(gql.raw(query))
    assert error["extensions"]["exception"]["code"] == "QUERY_TOO_COMPLEX"
    inner = _cost("{ " + PRODUCTS + " }")
    # categories(1) + 100 × (edges(1) + node(1) + the products connection)
    assert error["extensions"]["cost"]["requestedQueryCost"] == 1 + 100 * (2 + inner)


def test_a_list_without_paging_counts_as_several_values():
    one = _cost('{ products(first: 1, channel: "urban-retail") { edges { node { id } } } }')
    with_variants = _cost(
        '{ products(first: 1, channel: "urban-retail") { edges { node { id variants { id } } } } }'
    )
    assert with_variants - one == 1 + 10  # the variants field, and ten assumed ids


def test_variables_count_with_their_value_or_their_default():
    query = """query($first: Int = 9, $last: Int) {
        products(first: $first, last: $last, channel: "urban-retail") { edges { node { id } } } }"""
    assert _cost(query) == 1 + 9 * 3
    assert _cost(query, {"first": 2}) == 1 + 2 * 3
    # Paging backwards: first is null, last gives the size.
    assert _cost(query, {"first": None, "last": 4}) == 1 + 4 * 3
    # No size at all: refused when it runs, and counted as the largest page meanwhile.
    assert _cost(query, {"first": None}) == 1 + 100 * 3


def test_too_many_root_fields_are_refused(gql, channel, django_assert_num_queries):
    query = "{ " + " ".join(["shop { name }"] * 21) + " }"
    with django_assert_num_queries(0):
        error = _error(gql.raw(query))
    assert error["extensions"]["exception"]["code"] == "QUERY_TOO_WIDE"
    assert "21" in error["message"] and "20" in error["message"]
    assert document_width_errors(parse("{ " + " ".join(["shop { name }"] * 20) + " }")) == []


def test_root_fields_spread_from_fragments_count(settings):
    settings.GRAPHQL_MAX_ROOT_FIELDS = 3
    query = "fragment Roots on Query { shop { name } channels { slug } } { ...Roots ...Roots }"
    (error,) = document_width_errors(parse(query))
    assert error.extensions["exception"]["code"] == "QUERY_TOO_WIDE"


def test_too_many_aliases_are_refused(gql, channel, django_assert_num_queries):
    query = "{ shop { " + " ".join(f"n{i}: name" for i in range(31)) + " } }"
    with django_assert_num_queries(0):
        error = _error(gql.raw(query))
    assert error["extensions"]["exception"]["code"] == "TOO_MANY_ALIASES"


# --- storefront-sized documents pass ----------------------------------------------------------

PRODUCT_CARD = """fragment Card on Product {
    id name slug
    pricing { onSale priceRange {
        start { gross { amount currency } } stop { gross { amount currency } } }
      priceRangeUndiscounted {
        start { gross { amount currency } } stop { gross { amount currency } } } }
    category { id name }
    thumbnail(size: 1024, format: WEBP) { url alt }
    media { url(size: 512, format: WEBP) alt type }
}"""

PRODUCT_PAGE = (
    PRODUCT_CARD
    + """
query($first: Int, $last: Int, $after: String, $before: String, $channel: String!) {
    products(first: $first, last: $last, after: $after, before: $before, channel: $channel) {
        totalCount
        edges { cursor node { ...Card } }
        pageInfo { endCursor hasNextPage startCursor hasPreviousPage }
    }
}"""
)

PRODUCT_DETAILS = """query($slug: String!, $channel: String!) {
    product(slug: $slug, channel: $channel) {
        id name slug description seoTitle seoDescription
        pricing { priceRange { start { gross { amount currency } } } }
        category { id name slug }
        thumbnail(size: 1024) { url alt }
        media { url alt type }
        attributes { attribute { id name slug } values { id name } }
        variants {
            id name sku quantityAvailable
            attributes { attribute { id name } values { id name } }
            pricing { price { gross { amount currency } } }
        }
    }
}"""


@pytest.mark.parametrize("page_size", [9, 12, 100])
def test_a_storefront_product_list_passes(gql, channel, page_size):
    body = gql(PRODUCT_PAGE, {"first": page_size, "channel": "urban-retail"})
    assert "errors" not in body, body
    assert _cost(PRODUCT_PAGE, {"first": page_size}) < 50000


def test_a_storefront_product_page_and_checkout_pass(gql, channel):
    assert _cost(PRODUCT_DETAILS, {"slug": "x"}) < 50000
    checkout = "query($id: ID) { checkout(id: $id) { " + CHECKOUT_FIELDS + " } }"
    assert _cost(checkout) < 50000
    body = gql(PRODUCT_DETAILS, {"slug": "nothing-here", "channel": "urban-retail"})
    assert "errors" not in body and body["data"]["product"] is None


def test_the_storefront_product_list_page_of_nine_passes(gql, channel):
    """Saleor's storefront lists 9 products with their variants and attributes: it once
    counted 99,601, refused; nested unpaged lists now share one estimate."""
    assert _cost(PRODUCT_LIST, {"first": 9}) < 50000
    body = gql(PRODUCT_LIST, {"first": 9, "channel": "urban-retail"})
    assert "errors" not in body, body
    # A page of 100 of these is still too much.
    assert _cost(PRODUCT_LIST, {"first": 100}) > 50000


def test_nested_lists_share_the_estimate_but_a_way_back_up_multiplies_again():
    page = '{ products(first: 1, channel: "urban-retail") { edges { node { %s } } } }'
    flat = _cost(page % "variants { id }")
    # A variant's attributes and each one's values: ten values in all, not ten per level.
    nested = _cost(page % "variants { attributes { values { id } } }")
    assert nested - flat == 10 * (1 + 1 * (1 + 1)) - 10
    # variants → product → variants is a cycle, not what one product owns: it multiplies.
    cycle = _cost(page % "variants { product { variants { id } } }")
    assert cycle - flat == 10 * (1 + (1 + 10)) - 10


def test_a_given_limit_is_the_multiplier():
    page = '{ products(first: 1, channel: "urban-retail") { edges { node { %s } } } }'
    three = _cost(page % "assignedAttributes(limit: 3) { attribute { id } }")
    estimated = _cost(page % "assignedAttributes { attribute { id } }")
    assert estimated - three == (10 - 3) * 2
