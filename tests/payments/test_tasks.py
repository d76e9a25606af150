"""The periodic payment tasks on a real Celery worker (its own thread and connection):
reconcile a paid trade whose notification never came, close a trade unpaid after the
timeout and give back its reservations. Also the beat schedule that runs them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from marketplace.checkout.models import Checkout
from marketplace.inventory.models import Reservation
from marketplace.payments import tasks
from marketplace.payments.initialize import transaction_initialize
from marketplace.payments.models import GatewayId, TransactionItem, TransactionStatus
from tests.celery_worker import wait_for
from tests.payments.conftest import ready_checkout

pytestmark = pytest.mark.django_db(transaction=True)


def _age(tx: TransactionItem, minutes: int) -> None:
    TransactionItem.objects.filter(pk=tx.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes)
    )


def _status(tx: TransactionItem) -> str:
    return TransactionItem.objects.get(pk=tx.pk).status


def test_worker_reconciles_a_trade_paid_without_notification(
    channel, alipay_sandbox, celery_worker
):
    checkout = ready_checkout(channel)
    started = transaction_initialize(checkout=checkout, gateway_id=GatewayId.ALIPAY, method="PAGE")
    tx = started.transaction
    alipay_sandbox.open_pay_url(started.data["payUrl"])
    alipay_sandbox.pay(tx.psp_reference, deliver=False)  # the notification is lost
    quiet = ready_checkout(channel)  # opened but never paid: stays pending
    waiting = transaction_initialize(
        checkout=quiet, gateway_id=GatewayId.ALIPAY, method="QR"
    ).transaction
    fresh = ready_checkout(channel)  # too young to ask about
    young = transaction_initialize(
        checkout=fresh, gateway_id=GatewayId.ALIPAY, method="QR"
    ).transaction
    _age(tx, 5)
    _age(waiting, 5)

    result = tasks.reconcile_pending.delay()
    assert result.id  # queued for the worker, not run here
    wait_for(lambda: _status(tx) == TransactionStatus.CHARGED)
    wait_for(lambda: TransactionItem.objects.get(pk=waiting.pk).last_checked_at is not None)

    assert Checkout.objects.get(pk=checkout.pk).charged_amount == Decimal("60.00")
    assert TransactionItem.objects.get(pk=tx.pk).events.filter(type="CHARGE_SUCCESS").count() == 1
    assert _status(waiting) == TransactionStatus.PENDING
    assert TransactionItem.objects.get(pk=young.pk).last_checked_at is None


def test_worker_closes_unpaid_trades_and_releases_reservations(
    channel, alipay_sandbox, celery_worker
):
    checkout = ready_checkout(channel)
    started = transaction_initialize(checkout=checkout, gateway_id=GatewayId.ALIPAY, method="PAGE")
    tx = started.transaction
    alipay_sandbox.open_pay_url(started.data["payUrl"])
    assert Reservation.objects.filter(checkout_line__checkout=checkout).exists()
    # A second checkout whose buyer paid at the last minute: closing must not lose that.
    late = ready_checkout(channel)
    late_started = transaction_initialize(checkout=late, gateway_id=GatewayId.ALIPAY, method="WAP")
    alipay_sandbox.open_pay_url(late_started.data["payUrl"])
    alipay_sandbox.pay(late_started.transaction.psp_reference, deliver=False)
    _age(tx, 31)
    _age(late_started.transaction, 31)

    tasks.close_expired.delay()
    wait_for(lambda: _status(tx) == TransactionStatus.CANCELLED)
    wait_for(lambda: _status(late_started.transaction) == TransactionStatus.CHARGED)

    assert alipay_sandbox.trade(tx.psp_reference).status == "TRADE_CLOSED"
    assert not Reservation.objects.filter(checkout_line__checkout=checkout).exists()
    assert Reservation.objects.filter(checkout_line__checkout=late).exists()
    assert Checkout.objects.get(pk=late.pk).charged_amount == Decimal("60.00")


def test_beat_runs_the_periodic_tasks():
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"payments.reconcile_pending", "payments.close_expired"} <= schedule
