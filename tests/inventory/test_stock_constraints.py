"""Stock can never go negative or be over-allocated, whatever path writes it."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from marketplace.inventory.models import Stock
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def stock() -> Stock:
    product = factories.product(stock=5)
    return Stock.objects.get(product_variant__product=product)


@pytest.mark.smoke
def test_quantity_cannot_go_below_zero(stock):
    # A negative quantity breaks both CHECKs (allocated ≥ 0 > quantity); PostgreSQL names the
    # first one it evaluates, so either name proves the row was refused by the database.
    either = "stock_quantity_non_negative|stock_allocated_within_quantity"
    with pytest.raises(IntegrityError, match=either), transaction.atomic():
        Stock.objects.filter(pk=stock.pk).update(quantity=F("quantity") - 6)
    stock.refresh_from_db()
    assert stock.quantity == 5


def test_allocation_cannot_exceed_quantity(stock):
    with (
        pytest.raises(IntegrityError, match="stock_allocated_within_quantity"),
        transaction.atomic(),
    ):
        Stock.objects.filter(pk=stock.pk).update(quantity_allocated=6)
    with (
        pytest.raises(IntegrityError, match="stock_allocated_within_quantity"),
        transaction.atomic(),
    ):
        Stock.objects.filter(pk=stock.pk).update(quantity_allocated=-1)
    # Selling what is allocated cannot leave more allocated than remains.
    Stock.objects.filter(pk=stock.pk).update(quantity_allocated=3)
    with (
        pytest.raises(IntegrityError, match="stock_allocated_within_quantity"),
        transaction.atomic(),
    ):
        Stock.objects.filter(pk=stock.pk).update(quantity=2)
    Stock.objects.filter(pk=stock.pk).update(quantity=3)
    stock.refresh_from_db()
    assert (stock.quantity, stock.quantity_allocated) == (3, 3)


def test_one_stock_row_per_variant_and_warehouse(stock):
    duplicate = Stock(warehouse_id=stock.warehouse_id, product_variant_id=stock.product_variant_id)
    with (
        pytest.raises(IntegrityError, match="one_stock_row_per_variant_warehouse"),
        transaction.atomic(),
    ):
        Stock.objects.bulk_create([duplicate])
