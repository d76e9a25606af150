from __future__ import annotations

import pytest

from tests.checkout import helpers


@pytest.fixture
def shop(db):
    return helpers.shop_with_delivery()


@pytest.fixture
def tea(shop, channel):
    return helpers.goods(shop=shop, channel=channel, price="25.00", stock=10)
