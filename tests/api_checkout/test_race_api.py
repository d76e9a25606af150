"""The reported buyer race, through the GraphQL endpoint: 20 buyers, 43 units.

`checkoutCreate` selecting `chargeStatus` once failed for every new cart, so all 20 buyers were
refused and all 43 units stayed unsold. Here every buyer is a thread with its own HTTP client and
database connection, released together; each asks for 3 units and, once it has a cart, pays and
completes it. Every unit that can be sold is sold, and every refusal is explained by stock.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.test import Client

from marketplace.checkout.models import Checkout
from marketplace.inventory.models import Stock
from marketplace.orders.models import OrderLine
from tests.api.conftest import GraphQLClient
from tests.api_checkout.conftest import ERRORS, line
from tests.checkout import helpers
from tests.checkout.test_races import race

pytestmark = pytest.mark.django_db(transaction=True)

BUYERS = 20
UNITS = 43
EACH = 3

CREATE = (
    "mutation($input: CheckoutCreateInput!) { checkoutCreate(input: $input) { "
    + ERRORS
    + " checkout { id chargeStatus authorizeStatus } } }"
)
COMPLETE = (
    "mutation($id: ID) { checkoutComplete(id: $id) { "
    + ERRORS
    + " order { id status chargeStatus } } }"
)


def test_twenty_buyers_race_for_forty_three_units(channel):
    shop = helpers.shop_with_delivery(express_price="10.00")
    tea = helpers.goods(shop=shop, channel=channel, price="20.00", stock=UNITS)

    def buyer(i: int) -> tuple[str, Any]:
        gql = GraphQLClient(Client())
        variables = {
            "input": {
                "channel": "urban-retail",
                "email": f"racer{i}@example.cn",
                "lines": [line(tea, EACH)],
            }
        }
        created = gql.data(CREATE, variables)["checkoutCreate"]
        if created["errors"]:
            return ("refused", [e["code"] for e in created["errors"]])
        assert created["checkout"]["chargeStatus"] == "NONE"
        assert created["checkout"]["authorizeStatus"] == "NONE"
        helpers.ready(Checkout.objects.get(email=f"racer{i}@example.cn"))
        completed = gql.data(COMPLETE, {"id": created["checkout"]["id"]})["checkoutComplete"]
        if completed["errors"]:
            return ("refused at completion", [e["code"] for e in completed["errors"]])
        assert completed["order"]["chargeStatus"] == "FULL"
        return ("sold", completed["order"]["id"])

    # The shared runner: threads released together, each on its own connection.
    outcomes = [result if kind == "ok" else (kind, result) for kind, result in race(BUYERS, buyer)]

    kinds = Counter(kind for kind, _ in outcomes)
    assert kinds == {"sold": UNITS // EACH, "refused": BUYERS - UNITS // EACH}, outcomes
    refusals = {tuple(codes) for kind, codes in outcomes if kind == "refused"}
    assert refusals == {("INSUFFICIENT_STOCK",)}, outcomes
    sold = sum(OrderLine.objects.filter(variant=tea).values_list("quantity", flat=True))
    assert sold == (UNITS // EACH) * EACH
    # Whatever is left is less than one buyer's request: nothing sellable was refused.
    assert UNITS - sold < EACH
    assert Stock.objects.get(product_variant=tea).quantity_allocated == sold
