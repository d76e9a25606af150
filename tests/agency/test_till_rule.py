"""One rule for the cash in a Red Supermarket's till, read two ways: all of it (what a
withdrawal may pay out) and what moved through it since a moment (a shift's takings)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from marketplace.agency.ledger import till_balance
from marketplace.red_supermarket.counter.ledger import till_cash_since
from tests.agency.test_orders import pay
from tests.agency.world import put_cash_in_till

pytestmark = pytest.mark.django_db


def test_the_balance_and_the_takings_since_read_the_same_till(sandbox, counter):
    village = counter.supermarket.shop.village
    before = timezone.now() - timedelta(seconds=1)
    put_cash_in_till(counter.supermarket, Decimal("300.00"))
    pay(counter, request_id="till-rule-0001", amount="45.50")
    assert till_balance(supermarket=counter.supermarket) == Decimal("345.50")
    assert till_cash_since(village=village, since=before) == Decimal("345.50")
    # Since a later moment, only what came after counts; the balance still counts it all.
    later = timezone.now()
    pay(counter, request_id="till-rule-0002", amount="10.00")
    assert till_cash_since(village=village, since=later) == Decimal("10.00")
    assert till_balance(supermarket=counter.supermarket) == Decimal("355.50")
