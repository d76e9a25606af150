"""Real races against PostgreSQL: threads, each with its own connection, on committed rows.

- the same notification delivered from 10 threads at once: one CHARGE_SUCCESS;
- a notification racing the reconciliation query: still one charge;
- a refund retried from 5 threads: one Refund, one refund at the (sandbox) Alipay.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from marketplace.accounts.models import Role
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.checkout.models import Checkout
from marketplace.orders.models import ShopOrder
from marketplace.payments.initialize import transaction_initialize
from marketplace.payments.models import (
    GatewayId,
    Refund,
    RefundStatus,
    TransactionEvent,
    TransactionItem,
)
from marketplace.payments.notify import alipay_notification_handle, transaction_reconcile
from marketplace.payments.refunds import shop_order_refund
from tests import factories
from tests.payments.conftest import ready_checkout

pytestmark = pytest.mark.django_db(transaction=True)


def race(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` in n threads released together; returns results (or exceptions)."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except Exception as exc:  # reported, not swallowed: the test asserts on it
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _pending_trade(channel, sandbox) -> TransactionItem:
    checkout = ready_checkout(channel)
    result = transaction_initialize(checkout=checkout, gateway_id=GatewayId.ALIPAY, method="WAP")
    sandbox.open_pay_url(result.data["payUrl"])
    return result.transaction


def test_same_notification_from_ten_threads_charges_once(channel, alipay_sandbox):
    tx = _pending_trade(channel, alipay_sandbox)
    params = alipay_sandbox.pay(tx.psp_reference, deliver=False)

    answers = race(10, lambda i: Client().post("/payments/alipay/notify/", params).content)

    assert answers == [b"success"] * 10
    assert TransactionEvent.objects.filter(transaction=tx, type="CHARGE_SUCCESS").count() == 1
    assert TransactionEvent.objects.filter(transaction=tx).count() == 2  # request + success
    tx.refresh_from_db()
    assert tx.charged_amount == Decimal("60.00")
    assert Checkout.objects.get(pk=tx.checkout_id).charged_amount == Decimal("60.00")


def test_notification_racing_reconciliation_charges_once(channel, alipay_sandbox):
    tx = _pending_trade(channel, alipay_sandbox)
    params = alipay_sandbox.pay(tx.psp_reference, deliver=False)

    def work(i: int) -> str:
        if i % 2:
            return alipay_notification_handle(params=params)
        return transaction_reconcile(transaction_id=tx.pk)

    results = race(8, work)
    assert not [r for r in results if isinstance(r, Exception)]
    assert TransactionEvent.objects.filter(transaction=tx, type="CHARGE_SUCCESS").count() == 1
    assert Checkout.objects.get(pk=tx.checkout_id).charged_amount == Decimal("60.00")


def test_refund_retried_from_five_threads_refunds_once(channel, alipay_sandbox):
    tx = _pending_trade(channel, alipay_sandbox)
    params = alipay_sandbox.pay(tx.psp_reference, deliver=False)
    assert alipay_notification_handle(params=params) == "success"
    order = checkout_complete(checkout=Checkout.objects.get(pk=tx.checkout_id))
    shop_order = ShopOrder.objects.get(order=order)
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=shop_order.shop)

    def work(i: int) -> int:
        refund = shop_order_refund(
            shop_order=ShopOrder.objects.get(pk=shop_order.pk),
            actor=manager,
            reason="顾客取消",
            amount=Decimal("20.00"),
        )
        return refund.pk

    results = race(5, work)
    refund = Refund.objects.get()
    assert results == [refund.pk] * 5
    assert refund.status == RefundStatus.SUCCESS
    trade = alipay_sandbox.trade(tx.psp_reference)
    assert list(trade.refunds) == [refund.out_request_no]
    assert trade.refunded_total == Decimal("20.00")
    calls = [r for r in alipay_sandbox.received if r.method == "alipay.trade.refund"]
    assert len(calls) == 1
    tx.refresh_from_db()
    assert tx.refunded_amount == Decimal("20.00")
    assert TransactionEvent.objects.filter(transaction=tx, type="REFUND_SUCCESS").count() == 1
