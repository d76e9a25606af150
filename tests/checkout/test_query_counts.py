"""The checkout's hot paths issue the same number of queries for 1 line and for 10."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.checkout import services
from marketplace.checkout.complete_checkout import checkout_complete
from tests.checkout import helpers
from tests.checkout.helpers import goods, line

pytestmark = pytest.mark.django_db


def _counts(channel, variants) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as created:
        checkout = services.checkout_create(
            channel=channel, email="a@example.cn", lines=[line(v) for v in variants]
        )
    checkout = helpers.ready(checkout)
    with CaptureQueriesContext(connection) as completed:
        checkout_complete(checkout=checkout)
    return len(created), len(completed)


def test_create_and_complete_do_not_grow_with_lines(channel):
    shop = helpers.shop_with_delivery()
    variants = [goods(shop=shop, channel=channel, stock=100) for _ in range(10)]
    assert _counts(channel, variants[:1]) == _counts(channel, variants)
