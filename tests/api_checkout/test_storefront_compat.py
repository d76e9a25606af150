"""What Saleor's storefront sends in its checkout and gets back unchanged: the deprecated
one-line delete, `checkoutId` on promo codes, and addresses with stable IDs."""

from __future__ import annotations

from base64 import b64decode

from tests.api_checkout.conftest import ADDRESS, ERRORS, create, line, mutate

SHIPPING_ADDRESS_UPDATE = (
    "mutation Ship($id: ID!, $address: AddressInput!) { checkoutShippingAddressUpdate(id: $id, "
    "shippingAddress: $address) { " + ERRORS + " checkout { id shippingAddress { id city } "
    "billingAddress { id } } } }"
)
BILLING_ADDRESS_UPDATE = (
    "mutation Bill($id: ID!, $address: AddressInput!) { checkoutBillingAddressUpdate(id: $id, "
    "billingAddress: $address) { " + ERRORS + " checkout { shippingAddress { id } "
    "billingAddress { id city } } } }"
)
CHECKOUT_ADDRESSES = (
    "query Find($id: ID!) { checkout(id: $id) { shippingAddress { id } billingAddress { id } } }"
)
LINE_DELETE = (
    "mutation Delete($id: ID, $lineId: ID) { checkoutLineDelete(id: $id, lineId: $lineId) { "
    + ERRORS
    + " checkoutErrors { code } checkout { lines { id } } } }"
)
LINES = "query Lines($id: ID!) { checkout(id: $id) { lines { id quantity } } }"


def test_checkout_addresses_have_stable_ids(gql, channel, tea):
    checkout_id = create(gql, [line(tea)])["checkout"]["id"]
    shipped = mutate(gql, SHIPPING_ADDRESS_UPDATE, {"id": checkout_id, "address": ADDRESS})
    assert shipped["errors"] == []
    address_id = shipped["checkout"]["shippingAddress"]["id"]
    assert b64decode(address_id).decode().startswith("Address:")
    assert shipped["checkout"]["shippingAddress"]["city"] == ADDRESS["city"]

    billed = mutate(gql, BILLING_ADDRESS_UPDATE, {"id": checkout_id, "address": ADDRESS})
    assert billed["errors"] == []
    billing_id = billed["checkout"]["billingAddress"]["id"]
    # The same ID on every read, and one per address of the checkout.
    assert billed["checkout"]["shippingAddress"]["id"] == address_id
    assert billing_id != address_id
    found = gql.data(CHECKOUT_ADDRESSES, {"id": checkout_id})["checkout"]
    assert found == {"shippingAddress": {"id": address_id}, "billingAddress": {"id": billing_id}}


def test_line_delete_removes_one_line(gql, channel, tea, honey):
    checkout_id = create(gql, [line(tea), line(honey)])["checkout"]["id"]
    lines = gql.data(LINES, {"id": checkout_id})["checkout"]["lines"]
    deleted = mutate(gql, LINE_DELETE, {"id": checkout_id, "lineId": lines[0]["id"]})
    assert deleted["errors"] == [] and deleted["checkoutErrors"] == []
    assert [item["id"] for item in deleted["checkout"]["lines"]] == [lines[1]["id"]]


def test_line_delete_without_a_line_is_a_coded_error(gql, channel, tea):
    checkout_id = create(gql, [line(tea)])["checkout"]["id"]
    refused = mutate(gql, LINE_DELETE, {"id": checkout_id})
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("lineId", "REQUIRED")]
    assert refused["checkoutErrors"] == [{"code": "REQUIRED"}]
    assert len(gql.data(LINES, {"id": checkout_id})["checkout"]["lines"]) == 1


def test_promo_code_takes_the_deprecated_checkout_id(gql, channel, tea):
    checkout_id = create(gql, [line(tea)])["checkout"]["id"]
    added = mutate(
        gql,
        "mutation Add($checkoutId: ID, $code: String!) { checkoutAddPromoCode("
        "checkoutId: $checkoutId, promoCode: $code) { " + ERRORS + " checkout { id } } }",
        {"checkoutId": checkout_id, "code": "NO-SUCH-CODE"},
    )
    # The checkout was found through `checkoutId`; only the code is refused.
    assert [e["field"] for e in added["errors"]] == ["promoCode"]
    removed = mutate(
        gql,
        "mutation Remove($checkoutId: ID, $code: String) { checkoutRemovePromoCode("
        "checkoutId: $checkoutId, promoCode: $code) { " + ERRORS + " checkout { id } } }",
        {"checkoutId": checkout_id, "code": "NO-SUCH-CODE"},
    )
    assert removed["errors"] == [] and removed["checkout"]["id"] == checkout_id
