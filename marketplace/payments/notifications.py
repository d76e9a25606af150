"""The "order paid" notice: mail to the buyer and to each shop's managers through Django's
email backend (console or file in the demo).

Sent when a payment completes an order that already exists (cash taken at the counter, a
late Alipay payment). An order completed from a paid checkout gets the order-placed mail
instead, which already says it is paid. One EMAIL_SENT order event per recipient records
the send, so a retried task skips whoever was served.
"""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.core.mail import send_mail

from marketplace.accounts.models import Role, RoleAssignment
from marketplace.orders.models import OrderChargeStatus, OrderEvent, OrderEventType
from marketplace.orders.selectors import order_get

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
    sender = getattr(settings, "DEFAULT_FROM_EMAIL", "noreply@ruralmart.local")
    sent = 0
    shop_orders = list(order.shop_orders.select_related("shop"))
    if order.user_email and order.user_email not in done:
        send_mail(
            f"Ruralmart order #{order.number} is paid",
            f"We received ¥{order.charged_amount} for order #{order.number}. "
            f"{', '.join(so.shop.name for so in shop_orders)} will now prepare it.",
            sender,
            [order.user_email],
        )
        OrderEvent.objects.create(
            order=order,
            type=OrderEventType.EMAIL_SENT,
            parameters={"email": order.user_email, "notification": PAID, "to": "customer"},
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
            send_mail(
                f"Order #{order.number} for {shop_order.shop.name} is paid",
                f"Order #{order.number} is paid: ship ¥{shop_order.total_amount} of goods.",
                sender,
                [email],
            )
            OrderEvent.objects.create(
                order=order,
                type=OrderEventType.EMAIL_SENT,
                shop=shop_order.shop,
                parameters={"email": email, "notification": PAID, "to": "shop"},
            )
            sent += 1
    return sent
