"""`updateMetadata` on what the storefront owns: its checkout and the buyer's account. Only
the checkout's holder (or owner) and the user themself may write; bad input is coded."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from marketplace.checkout.models import Checkout
from tests import factories
from tests.api_checkout.conftest import create, gid, line

UPDATE = """mutation($id: ID!, $input: [MetadataInput!]!) { updateMetadata(id: $id, input: $input) {
    errors { field message code } metadataErrors { code }
    item { __typename metadata { key value } metafield(key: "payment") metafields } } }"""

READ = """query($id: ID) { checkout(id: $id) { metadata { key value } metafield(key: "a") } }"""


def _update(client, object_id, pairs):
    items = [{"key": key, "value": value} for key, value in pairs]
    body = client(UPDATE, {"id": object_id, "input": items})
    return body


def test_the_checkout_holder_writes_and_reads_back_metadata(gql, channel, tea):
    checkout_id = create(gql, [line(tea)])["checkout"]["id"]
    payload = _update(gql, checkout_id, [("a", "1"), ("payment", "dummy")])["data"][
        "updateMetadata"
    ]
    assert payload["errors"] == [] and payload["metadataErrors"] == []
    assert payload["item"]["__typename"] == "Checkout"
    assert payload["item"]["metafield"] == "dummy"
    # Later writes keep the other keys.
    _update(gql, checkout_id, [("a", "2")])
    read = gql.data(READ, {"id": checkout_id})["checkout"]
    assert read == {
        "metadata": [{"key": "a", "value": "2"}, {"key": "payment", "value": "dummy"}],
        "metafield": "2",
    }


def test_another_caller_cannot_write_a_buyers_checkout(gql, other_gql, channel, tea):
    # An anonymous checkout's ID is its secret; a buyer's checkout is theirs alone.
    gql.login(factories.user())
    checkout_id = create(gql, [line(tea)])["checkout"]["id"]
    payload = _update(other_gql, checkout_id, [("a", "1")])["data"]["updateMetadata"]
    assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"] and payload["item"] is None
    assert Checkout.objects.get().metadata == {}


def test_a_user_writes_only_their_own_metadata(gql, channel):
    buyer, other = factories.user(), factories.user()
    gql.login(buyer)
    payload = _update(gql, gid("User", buyer.pk), [("newsletter", "yes")])["data"]
    assert payload["updateMetadata"]["item"]["metadata"] == [{"key": "newsletter", "value": "yes"}]
    buyer.refresh_from_db()
    assert buyer.metadata == {"newsletter": "yes"}
    body = _update(gql, gid("User", other.pk), [("x", "y")])
    assert body["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    other.refresh_from_db()
    assert other.metadata == {}


def test_anonymous_callers_cannot_write_a_user(gql, channel):
    buyer = factories.user()
    body = _update(gql, gid("User", buyer.pk), [("x", "y")])
    assert body["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"


@pytest.mark.parametrize(
    ("object_id", "pairs", "code"),
    [
        ("bm90LWFuLWlk", [("a", "1")], "NOT_FOUND"),  # "not-an-id": no type we write
        ("%%%", [("a", "1")], "GRAPHQL_ERROR"),
        (None, [(" ", "1")], "REQUIRED"),
        (None, [("k" * 300, "1")], "INVALID"),
    ],
)
def test_bad_input_is_a_coded_error_and_writes_nothing(gql, channel, tea, object_id, pairs, code):
    checkout_id = create(gql, [line(tea)])["checkout"]["id"]
    payload = _update(gql, object_id or checkout_id, pairs)["data"]["updateMetadata"]
    assert [e["code"] for e in payload["errors"]] == [code]
    assert Checkout.objects.get().metadata == {}


def test_too_many_keys_are_refused(gql, channel, tea):
    checkout_id = create(gql, [line(tea)])["checkout"]["id"]
    payload = _update(gql, checkout_id, [(f"k{i}", "v") for i in range(101)])["data"]
    assert [e["code"] for e in payload["updateMetadata"]["errors"]] == ["INVALID"]


def test_the_database_keeps_metadata_an_object(channel, tea):
    from marketplace.checkout import services
    from tests.checkout import helpers

    checkout = services.checkout_create(channel=channel, lines=[helpers.line(tea, 1)])
    with pytest.raises(IntegrityError), transaction.atomic():
        Checkout.objects.filter(pk=checkout.pk).update(metadata=["not", "an", "object"])
