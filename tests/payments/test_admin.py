"""Payments in the back office: platform admins see attempts with their events; a shop's
manager sees its own refunds and nobody else's; nothing can be added or edited by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from marketplace.accounts.models import Role
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.orders.models import ShopOrder
from marketplace.payments.initialize import transaction_initialize
from marketplace.payments.models import GatewayId, Refund, TransactionItem
from marketplace.payments.notify import alipay_notification_handle
from marketplace.payments.refunds import shop_order_refund
from tests import factories
from tests.payments.conftest import ready_checkout

pytestmark = pytest.mark.django_db


@pytest.fixture
def refunded(channel, alipay_sandbox):
    checkout = ready_checkout(channel)
    result = transaction_initialize(checkout=checkout, gateway_id=GatewayId.ALIPAY, method="PAGE")
    alipay_sandbox.open_pay_url(result.data["payUrl"])
    params = alipay_sandbox.pay(result.transaction.psp_reference, deliver=False)
    alipay_notification_handle(params=params)
    order = checkout_complete(checkout=checkout)
    shop_order = ShopOrder.objects.get(order=order)
    admin_user = factories.user(role=Role.PLATFORM_ADMIN, is_staff=True)
    return shop_order_refund(
        shop_order=shop_order, actor=admin_user, reason="破损", amount=Decimal("5.00")
    ), admin_user


def test_platform_admin_sees_attempts_events_and_refunds(client, refunded):
    refund, admin_user = refunded
    client.force_login(admin_user)
    tx = TransactionItem.objects.get()
    listing = client.get(reverse("admin:payments_transactionitem_changelist"))
    assert listing.status_code == 200 and tx.psp_reference in listing.content.decode()
    page = client.get(reverse("admin:payments_transactionitem_change", args=[tx.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "CHARGE_SUCCESS" in body and "REFUND_SUCCESS" in body
    refunds = client.get(reverse("admin:payments_refund_changelist"))
    assert refund.out_request_no in refunds.content.decode()
    assert client.get(reverse("admin:payments_refund_add")).status_code == 403


def test_managers_see_only_their_own_refunds(client, refunded):
    refund, _ = refunded
    own = factories.user(role=Role.SHOP_MANAGER, shop_obj=refund.shop_order.shop, is_staff=True)
    other = factories.user(role=Role.SHOP_MANAGER, shop_obj=factories.shop(), is_staff=True)
    url = reverse("admin:payments_refund_changelist")
    client.force_login(own)
    assert refund.out_request_no in client.get(url).content.decode()
    assert client.get(reverse("admin:payments_transactionitem_changelist")).status_code == 403
    client.force_login(other)
    response = client.get(url)
    assert response.status_code == 200 and refund.out_request_no not in response.content.decode()
    detail = reverse("admin:payments_refund_change", args=[refund.pk])
    assert client.get(detail).status_code in (302, 404)
    assert Refund.objects.count() == 1
