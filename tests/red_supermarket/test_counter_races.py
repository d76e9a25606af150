"""Races against the real PostgreSQL: a submit retried while the first is still running
charges once; two tills selling the last units never oversell."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from collective_econ.models import JournalTransaction
from marketplace.red_supermarket.counter.services import (
    PaymentInput,
    SaleLineInput,
    counter_sale_create,
    till_shift_open,
)
from marketplace.red_supermarket.models import CounterSale, CounterSaleStatus
from tests.payments.test_races import race
from tests.red_supermarket.counter_world import counter_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_retried_submit_racing_the_first_charges_once() -> None:
    world = counter_world(goods=2)
    till_shift_open(supermarket=world.supermarket, operator=world.operator, float_amount="0")

    def submit(_: int) -> int:
        return counter_sale_create(
            supermarket=world.supermarket,
            operator=world.operator,
            request_id="flaky-retry-0001",
            lines=[SaleLineInput(variant_id=v.pk, quantity=3) for v in world.goods],
            payment=PaymentInput(method="CASH", cash_received="100.00"),
        ).pk

    results = race(4, submit)
    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1
    assert CounterSale.objects.count() == 1
    assert JournalTransaction.objects.filter(kind="COUNTER_SALE").count() == 1
    assert [world.stock(v).quantity for v in world.goods] == [17, 17]


def test_two_tills_selling_the_last_units_never_oversell() -> None:
    world = counter_world(goods=1, stock=5)
    till_shift_open(supermarket=world.supermarket, operator=world.operator, float_amount="0")

    def submit(i: int) -> Any:
        return counter_sale_create(
            supermarket=world.supermarket,
            operator=world.operator,
            request_id=f"last-units-{i:04d}",
            lines=[SaleLineInput(variant_id=world.goods[0].pk, quantity=2)],
            payment=PaymentInput(method="CASH", cash_received="100.00"),
        )

    results = race(4, submit)
    sold = [r for r in results if isinstance(r, CounterSale)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(sold) == 2 and len(refused) == 2, results
    assert all(s.status == CounterSaleStatus.PAID for s in sold)
    assert world.stock(world.goods[0]).quantity == 1


def test_a_retried_alipay_code_submit_charges_the_buyer_once(sandbox) -> None:  # type: ignore[no-untyped-def]
    from marketplace.payments.alipay.gateway import gateway_from_settings

    world = counter_world(goods=2)
    gateway = gateway_from_settings()
    code = sandbox.face_to_face.new_auth_code(4242)

    def submit(_: int) -> int:
        return counter_sale_create(
            supermarket=world.supermarket,
            operator=world.operator,
            request_id="flaky-alipay-0001",
            lines=[SaleLineInput(variant_id=v.pk, quantity=1) for v in world.goods],
            payment=PaymentInput(method="ALIPAY_CODE", auth_code=code),
            gateway=gateway,
        ).pk

    results = race(4, submit)
    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1
    pays = [r for r in sandbox.received if r.method == "alipay.trade.pay"]
    assert len(pays) == 1
    sale = CounterSale.objects.get()
    assert sale.status == CounterSaleStatus.PAID
    assert JournalTransaction.objects.filter(kind="COUNTER_SALE").count() == 1


def test_parcel_fees_racing_the_till_close_are_counted_or_refused() -> None:
    """A dispatch fee holds the open shift like a sale: each one racing the close either
    went in before the count (and is in `expected`) or finds the till closed and is
    refused with nothing logged. None lands in the till uncounted."""
    import uuid
    from decimal import Decimal

    from logistics.parcels.models import ParcelDispatch
    from marketplace.red_supermarket.counter.parcels import parcel_dispatch_at_counter
    from marketplace.red_supermarket.counter.services import till_shift_close
    from marketplace.red_supermarket.models import RedSupermarket, TillShift
    from tests.logistics.conftest import station_in

    world = counter_world(goods=0)
    station = station_in(world.supermarket.shop.village)
    RedSupermarket.objects.filter(pk=world.supermarket.pk).update(station=station)
    shift = till_shift_open(
        supermarket=world.supermarket, operator=world.operator, float_amount="0"
    )

    def work(i: int) -> Any:
        if i == 0:
            return till_shift_close(shift=shift, operator=world.operator, counted_amount="0")
        return parcel_dispatch_at_counter(
            station=station,
            operator=world.operator,
            request_id=uuid.uuid4(),
            carrier="zhongtong",
            waybill=f"ZT77000000{i:02d}",
            sender_phone="13900139000",
            weight_grams=500,
            fee="5.00",
        )

    results = race(6, work)
    sent = [r for r in results if isinstance(r, ParcelDispatch)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert isinstance(results[0], TillShift), results
    assert len(sent) + len(refused) == 5, results
    assert all(e.error_dict["fee"][0].code == "no_open_shift" for e in refused)
    closed = TillShift.objects.get(pk=shift.pk)
    assert closed.expected_amount == Decimal("5.00") * len(sent)
    assert ParcelDispatch.objects.count() == len(sent)
