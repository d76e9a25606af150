from __future__ import annotations

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

FULL_SELECTION = """
query Products($first: Int, $channel: String) {
  products(first: $first, channel: $channel) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id name slug description seoTitle rating created updatedAt
      thumbnail(size: 256) { url alt }
      media { url(size: 128) alt type }
      pricing { onSale priceRange { start { gross { amount currency } } stop { gross { amount currency } } } }
      isAvailable
      category { id name slug parent { name } }
      productType { name slug }
      attributes { attribute { name slug } values { name slug } }
      variants { id name sku quantityAvailable pricing { price { gross { amount currency } } } beneficiaryKind }
      shop { name slug village { name code township { name county { name code } } } partyOrganisation { name } }
      offeringKind offeringDetails { shelfLifeDays storage rooms }
      certifications { kind number isValid }
      cancellationPolicy { source tiers { minDaysBefore refundPercent } }
      beneficiaryKind
      collections { name }
    } }
  }
}
"""


@pytest.mark.smoke
def test_products_full_selection(gql, channel):
    shop = factories.shop()
    factories.product(
        shop_obj=shop, channel_obj=channel, name="冰岛古树普洱茶", price="298.00", variants=2
    )
    data = gql.data(FULL_SELECTION, {"first": 10, "channel": "urban-retail"})
    connection = data["products"]
    assert connection["totalCount"] == 1
    node = connection["edges"][0]["node"]
    assert node["name"] == "冰岛古树普洱茶"
    assert node["pricing"]["priceRange"]["start"]["gross"] == {"amount": 298.0, "currency": "CNY"}
    assert node["pricing"]["priceRange"]["stop"]["gross"]["amount"] == 299.0
    assert node["isAvailable"] is True
    assert (
        node["shop"]["village"]["township"]["county"]["code"] == shop.village.township.county.code
    )
    assert len(node["variants"]) == 2
    assert node["variants"][0]["quantityAvailable"] == 10
    assert node["offeringKind"] == "PRODUCE"
    assert node["beneficiaryKind"] == "COLLECTIVE"
    assert node["description"]
