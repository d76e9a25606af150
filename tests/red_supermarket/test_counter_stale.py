"""Stale PENDING counter sales (the page was closed before the buyer paid): the beat sweep
asks Alipay, finishes the sale if it was paid, otherwise cancels the trade at Alipay and
gives the held stock back. Re-running it, or two sweepers at once, settle each sale once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from collective_econ.models import JournalTransaction
from marketplace.payments.alipay.gateway import gateway_from_settings
from marketplace.red_supermarket.counter.services import (
    PaymentInput,
    SaleLineInput,
    counter_sale_create,
    counter_sale_poll,
    counter_sale_settle_stale,
)
from marketplace.red_supermarket.models import CounterSale, CounterSaleStatus, Receipt
from marketplace.red_supermarket.tasks import settle_stale_pending_task
from tests.celery_worker import wait_for
from tests.payments.test_races import race
from tests.red_supermarket.counter_world import counter_world


def code_sale(counter, sandbox, gateway, *, seed, request_id):
    """A payment-code sale waiting for the buyer's password, its stock held."""
    sandbox.face_to_face.require_password()
    sale = counter_sale_create(
        supermarket=counter.supermarket,
        operator=counter.operator,
        request_id=request_id,
        lines=[SaleLineInput(variant_id=counter.goods[0].pk, quantity=2)],
        payment=PaymentInput(
            method="ALIPAY_CODE", auth_code=sandbox.face_to_face.new_auth_code(seed)
        ),
        gateway=gateway,
    )
    assert sale.status == CounterSaleStatus.PENDING
    return sale


def age(sale, seconds=None):
    older = (seconds or django_settings.COUNTER_STALE_PENDING_SECONDS) + 30
    CounterSale.objects.filter(pk=sale.pk).update(
        created_at=timezone.now() - timedelta(seconds=older)
    )


def status(sale) -> str:
    return CounterSale.objects.get(pk=sale.pk).status


def postings(sale) -> int:
    return JournalTransaction.objects.filter(idempotency_key=f"counter-sale:{sale.pk}").count()


def stock_of(counter):
    stock = counter.stock(counter.goods[0])
    return stock.quantity, stock.quantity_allocated


@pytest.mark.django_db
def test_the_sweep_finishes_a_paid_sale_cancels_an_unpaid_one_and_leaves_young_ones(
    counter, sandbox, gateway
):
    paid = code_sale(counter, sandbox, gateway, seed=11, request_id="stale-paid-0001")
    unpaid = code_sale(counter, sandbox, gateway, seed=12, request_id="stale-unpaid-01")
    young = code_sale(counter, sandbox, gateway, seed=13, request_id="stale-young-001")
    qr = counter_sale_create(
        supermarket=counter.supermarket,
        operator=counter.operator,
        request_id="stale-qr-00001",
        lines=[SaleLineInput(variant_id=counter.goods[0].pk, quantity=1)],
        payment=PaymentInput(method="ALIPAY_QR"),
        gateway=gateway,
    )
    # The buyer typed the password after the operator closed the page.
    sandbox.face_to_face.confirm_password(paid.out_trade_no)
    for sale in (paid, unpaid, qr):
        age(sale)
    assert stock_of(counter) == (20, 7)

    assert settle_stale_pending_task() == 3
    assert status(paid) == CounterSaleStatus.PAID
    assert postings(paid) == 1
    assert Receipt.objects.filter(reference=CounterSale.objects.get(pk=paid.pk).receipt_reference)
    assert status(unpaid) == status(qr) == CounterSaleStatus.CANCELLED
    assert sandbox.trade(unpaid.out_trade_no).status.value == "TRADE_CLOSED"
    assert status(young) == CounterSaleStatus.PENDING
    # Paid: 2 units out of stock; cancelled: their holds given back; young: still held.
    assert stock_of(counter) == (18, 2)

    # A second run finds nothing more to do and posts nothing twice.
    assert settle_stale_pending_task() == 0
    assert postings(paid) == 1 and postings(unpaid) == 0
    assert stock_of(counter) == (18, 2)


@pytest.mark.django_db
def test_alipay_not_answering_leaves_the_sale_pending_for_the_next_sweep(counter, sandbox, gateway):
    sale = code_sale(counter, sandbox, gateway, seed=21, request_id="stale-silent-01")
    age(sale)
    sandbox.inject_error("alipay.trade.query")
    assert counter_sale_settle_stale(sale_pk=sale.pk, gateway=gateway).status == "PENDING"
    assert stock_of(counter) == (20, 2)
    sandbox.inject_error("alipay.trade.cancel")
    assert counter_sale_settle_stale(sale_pk=sale.pk, gateway=gateway) is None
    assert status(sale) == CounterSaleStatus.PENDING
    # Alipay is back: the next sweep cancels and gives the stock back.
    assert counter_sale_settle_stale(sale_pk=sale.pk, gateway=gateway).status == "CANCELLED"
    assert stock_of(counter) == (20, 0)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_settles_stale_sales_from_the_beat_task(sandbox, celery_worker):
    counter = counter_world()
    gateway = gateway_from_settings()
    paid = code_sale(counter, sandbox, gateway, seed=31, request_id="stale-worker-01")
    unpaid = code_sale(counter, sandbox, gateway, seed=32, request_id="stale-worker-02")
    sandbox.face_to_face.confirm_password(paid.out_trade_no)
    age(paid)
    age(unpaid)

    result = settle_stale_pending_task.delay()
    assert result.id  # queued for the worker, not run here
    wait_for(lambda: status(paid) == CounterSaleStatus.PAID)
    wait_for(lambda: status(unpaid) == CounterSaleStatus.CANCELLED)
    assert postings(paid) == 1
    assert stock_of(counter) == (18, 0)


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_and_the_operators_poll_at_once_settle_a_paid_sale_once(sandbox):
    counter = counter_world()
    sales = [
        code_sale(
            counter, sandbox, gateway_from_settings(), seed=40 + i, request_id=f"stale-race-{i:04d}"
        )
        for i in range(3)
    ]
    sandbox.face_to_face.confirm_password(sales[0].out_trade_no)  # paid; the others never
    for sale in sales:
        age(sale)

    def work(i: int):
        if i < 2:
            return settle_stale_pending_task()
        return counter_sale_poll(
            sale=CounterSale.objects.select_related("supermarket").get(pk=sales[0].pk),
            operator=counter.operator,
        ).status

    results = race(3, work)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert status(sales[0]) == CounterSaleStatus.PAID, results
    assert [status(s) for s in sales[1:]] == [CounterSaleStatus.CANCELLED] * 2, (
        results,
        [CounterSale.objects.get(pk=s.pk).failure_reason for s in sales],
    )
    assert postings(sales[0]) == 1
    # The paid trade was never cancelled (which would have refunded the buyer).
    assert sandbox.trade(sales[0].out_trade_no).refunded_total == 0
    assert stock_of(counter) == (18, 0)
