"""Which gateways each channel offers, and cash at the village counter: a pending cash
attempt lets the checkout complete unpaid; the counter's confirmation charges the order
and sends the "order paid" mail."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from marketplace.accounts.models import Role
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.core.errors import PermissionRefused
from marketplace.orders.models import Order, OrderEvent
from marketplace.payments import gateways, selectors
from marketplace.payments.cash import cash_payment_confirm
from marketplace.payments.initialize import transaction_initialize
from marketplace.payments.models import GatewayId, TransactionStatus
from tests import factories
from tests.payments.conftest import ready_checkout

pytestmark = pytest.mark.django_db


def test_alipay_everywhere_cash_only_at_the_village_counter(channel, alipay_sandbox):
    counter = factories.channel("village-counter")
    assert [g.id for g in gateways.available_gateways(channel=channel)] == [
        "ruralmart.payments.alipay"
    ]
    offered = gateways.available_gateways(channel=counter)
    assert [g.id for g in offered] == ["ruralmart.payments.alipay", "ruralmart.payments.cash"]
    assert offered[0].methods == ("PAGE", "WAP", "QR") and offered[1].methods == ("CASH",)
    assert offered[0].currencies == ("CNY",)


def test_cash_is_refused_outside_the_village_counter(channel, alipay_sandbox):
    checkout = ready_checkout(channel)
    with pytest.raises(ValidationError):
        transaction_initialize(checkout=checkout, gateway_id=GatewayId.CASH)
    assert not selectors.checkout_pays_at_counter(checkout_id=checkout.pk)


def test_cash_at_the_counter_end_to_end(alipay_sandbox, django_capture_on_commit_callbacks):
    counter = factories.channel("village-counter")
    checkout = ready_checkout(counter)
    shop = checkout.lines.get().variant.product.shop
    factories.user(role=Role.SHOP_MANAGER, shop_obj=shop, email="manager@example.cn")
    result = transaction_initialize(checkout=checkout, gateway_id=GatewayId.CASH)
    tx = result.transaction
    assert result.data == {"payAtCounter": True, "amount": "60.00"}
    assert tx.status == TransactionStatus.PENDING and tx.psp_reference.startswith("CASH")
    assert selectors.checkout_pays_at_counter(checkout_id=checkout.pk)

    order = checkout_complete(checkout=checkout, allow_unpaid=True)
    assert order.charge_status == "NONE"
    # Its shops may hand it over before the cash is taken, and only until then.
    assert selectors.order_pays_on_handover(order=order)

    with pytest.raises(PermissionRefused):
        cash_payment_confirm(transaction_id=tx.pk, actor=factories.user())
    operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=shop)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cash_payment_confirm(transaction_id=tx.pk, actor=operator)
    order = Order.objects.get(pk=order.pk)
    tx.refresh_from_db()
    assert tx.status == TransactionStatus.CHARGED and tx.order_id == order.pk
    assert order.charge_status == "FULL" and order.charged_amount == Decimal("60.00")
    assert not selectors.order_pays_on_handover(order=order)
    assert sorted(m.to[0] for m in mail.outbox) == ["buyer@example.cn", "manager@example.cn"]
    assert all("paid" in m.subject for m in mail.outbox)

    # Confirming again changes nothing and mails nobody.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cash_payment_confirm(transaction_id=tx.pk, actor=operator)
    assert tx.events.filter(type="CHARGE_SUCCESS").count() == 1
    assert mail.outbox == []
    assert OrderEvent.objects.filter(order=order, type="ORDER_FULLY_PAID").count() == 1


def test_choosing_alipay_after_cash_cancels_the_cash_attempt(alipay_sandbox):
    counter = factories.channel("village-counter")
    checkout = ready_checkout(counter)
    cash = transaction_initialize(checkout=checkout, gateway_id=GatewayId.CASH)
    transaction_initialize(checkout=checkout, gateway_id=GatewayId.ALIPAY, method="QR")
    cash.transaction.refresh_from_db()
    assert cash.transaction.status == TransactionStatus.CANCELLED
    assert not selectors.checkout_pays_at_counter(checkout_id=checkout.pk)


def test_an_order_paid_with_alipay_is_not_paid_on_handover(channel, alipay_sandbox):
    checkout = ready_checkout(channel)
    transaction_initialize(checkout=checkout, gateway_id=GatewayId.ALIPAY, method="QR")
    order = checkout_complete(checkout=checkout, allow_unpaid=True)
    assert order.charge_status == "NONE"
    assert not selectors.order_pays_on_handover(order=order)
