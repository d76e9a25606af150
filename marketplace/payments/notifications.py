"""The "order paid" notice: mail to the buyer and to each shop's managers through Django's
email backend (console or file in the demo).

Sent when a payment completes an order that already exists (cash taken at the counter, a
late Alipay payment). An order completed from a paid checkout gets the order-placed mail
instead, which already says it is paid. One EMAIL_SENT order event per recipient records
the send, so a retried task skips whoever was served.
"""

from __future__ import annotations

import logging
from uuid import UUID

from celery import shared_task

from marketplace.accounts.models import Role, RoleAssignment
from marketplace.core.on_commit import delay_on_commit
from marketplace.orders.models import OrderChargeStatus, OrderEvent, OrderEventType
from marketplace.orders.notifications import order_mail_send
from marketplace.orders.selectors import order_get

logger = logging.getLogger("ruralmart.payments")

PAID = "order_paid"


def order_paid_notify(*, order_id: UUID | str) -> int:
    """Returns how many mails went out."""
    order = order_get(order_id=order_id)
    if order is None or order.charge_status not in (
        OrderChargeStatus.FULL,
        OrderChargeStatus.OVERCHARGED,
    ):
        return 0
    done = {
        event.parameters.get("email", "")
        for event in OrderEvent.objects.filter(order=order, type=OrderEventType.EMAIL_SENT)
        if event.parameters.get("notification") == PAID
    }
    sent = 0
    shop_orders = list(order.shop_orders.select_related("shop"))
    if order.user_email and order.user_email not in done:
        order_mail_send(
            order=order,
            email=order.user_email,
            notification=PAID,
            to="customer",
            subject=f"Ruralmart order #{order.number} is paid",
            body=f"We received ¥{order.charged_amount} for order #{order.number}. "
            f"{', '.join(so.shop.name for so in shop_orders)} will now prepare it.",
        )
        sent += 1
    managers = RoleAssignment.objects.filter(
        role=Role.SHOP_MANAGER,
        shop_id__in=[so.shop_id for so in shop_orders],
        user__is_active=True,
    ).values_list("shop_id", "user__email")
    by_shop: dict[int, set[str]] = {}
    for shop_id, email in managers:
        by_shop.setdefault(shop_id, set()).add(email)
    for shop_order in shop_orders:
        for email in sorted(by_shop.get(shop_order.shop_id, set()) - done):
            order_mail_send(
                order=order,
                email=email,
                notification=PAID,
                to="shop",
                subject=f"Order #{order.number} for {shop_order.shop.name} is paid",
                body=f"Order #{order.number} is paid: ship ¥{shop_order.total_amount} of goods.",
                shop=shop_order.shop,
            )
            sent += 1
    return sent


@shared_task(name="payments.send_order_paid_notifications", acks_late=True)
def send_order_paid_notifications(order_id: str) -> int:
    return order_paid_notify(order_id=order_id)


def order_paid_notify_after_commit(order_id: str) -> None:
    """Mail that the order is paid once the recording transaction commits."""
    delay_on_commit(
        send_order_paid_notifications,
        order_id,
        logger=logger,
        failure=f"Could not schedule the order-paid notifications of {order_id}",
    )
