"""`OrderLine.thumbnail`: the sold product's picture on the order confirmation page, as
Saleor's storefront shows it, batched across lines (no query per line)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.catalog.models import ProductMedia
from marketplace.checkout import services as checkout_services
from marketplace.checkout.complete_checkout import checkout_complete
from tests.api_checkout.conftest import gid
from tests.checkout import helpers

pytestmark = pytest.mark.django_db

QUERY = """query($id: ID!) { order(id: $id) {
  lines { productName thumbnail(size: 256) { url alt } }
} }"""


def _order_with_pictures(channel, *, lines: int):
    shop = helpers.shop_with_delivery()
    variants = [helpers.goods(shop=shop, channel=channel) for _ in range(lines)]
    for index, variant in enumerate(variants):
        ProductMedia.objects.create(
            product=variant.product, image=f"products/tea-{index}.jpg", alt=f"茶园 {index}"
        )
    checkout = checkout_services.checkout_create(
        channel=channel, lines=[helpers.line(v, 1) for v in variants], email="a@b.cn"
    )
    return checkout_complete(checkout=helpers.ready(checkout), user=None)


def test_order_lines_show_their_products_picture(gql, channel):
    order = _order_with_pictures(channel, lines=1)
    body = gql(QUERY, {"id": gid("Order", order.pk)})
    [line] = body["data"]["order"]["lines"]
    assert line["thumbnail"]["url"].endswith("products/tea-0.jpg")
    assert line["thumbnail"]["alt"] == "茶园 0"


def test_a_line_whose_variant_is_gone_has_no_picture(gql, channel):
    order = _order_with_pictures(channel, lines=1)
    order_line = order.shop_orders.get().lines.get()
    order_line.variant.delete()
    body = gql(QUERY, {"id": gid("Order", order.pk)})
    [line] = body["data"]["order"]["lines"]
    assert line["productName"]  # the sold line keeps its name...
    assert line["thumbnail"] is None  # ...but not a picture of a product that is gone


def test_thumbnails_cost_the_same_queries_for_1_and_8_lines(gql, channel):
    counts = []
    for lines in (1, 8):
        order = _order_with_pictures(channel, lines=lines)
        with CaptureQueriesContext(connection) as ctx:
            body = gql(QUERY, {"id": gid("Order", order.pk)})
        assert len(body["data"]["order"]["lines"]) == lines
        assert all(line["thumbnail"] for line in body["data"]["order"]["lines"])
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
