"""Order notifications through Django's email backend (the console or a file in the demo).

A placeholder for the notification backend that payments and fulfilment will share: it
sends plain-text mail and records one EMAIL_SENT event per recipient, which is also what
makes a retried send skip recipients already served.
"""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.core.mail import send_mail

from marketplace.accounts.models import Role, RoleAssignment
from marketplace.orders.models import Order, OrderEvent, OrderEventType
from marketplace.orders.selectors import order_get

PLACED = "order_placed"


def _already_sent(order: Order) -> set[tuple[str, str]]:
    return {
        (event.parameters.get("email", ""), event.parameters.get("notification", ""))
        for event in OrderEvent.objects.filter(order=order, type=OrderEventType.EMAIL_SENT)
    }


def order_placed_notify(*, order_id: UUID | str) -> int:
    """Mail the buyer the whole order and each shop's managers their shop order."""
    order = order_get(order_id=order_id)
    if order is None:
        return 0
    sent_before = _already_sent(order)
    sender = getattr(settings, "DEFAULT_FROM_EMAIL", "noreply@ruralmart.local")
    sent = 0
    if order.user_email and (order.user_email, PLACED) not in sent_before:
        shops = ", ".join(so.shop.name for so in order.shop_orders.select_related("shop"))
        send_mail(
            f"Ruralmart order #{order.number} received",
            f"Thank you. Order #{order.number} from {shops}: total ¥{order.total_amount}.",
            sender,
            [order.user_email],
        )
        OrderEvent.objects.create(
            order=order,
            type=OrderEventType.EMAIL_SENT,
            parameters={"email": order.user_email, "notification": PLACED, "to": "customer"},
        )
        sent += 1
    for shop_order in order.shop_orders.select_related("shop"):
        managers = RoleAssignment.objects.filter(
            role=Role.SHOP_MANAGER, shop_id=shop_order.shop_id, user__is_active=True
        ).values_list("user__email", flat=True)
        for email in sorted(set(managers)):
            if (email, PLACED) in sent_before:
                continue
            lines = "\n".join(
                f"{line.quantity} × {line.product_name} {line.variant_name} ({line.product_sku})"
                for line in shop_order.lines.all()
            )
            send_mail(
                f"New order #{order.number} for {shop_order.shop.name}",
                f"{lines}\nShop total ¥{shop_order.total_amount}.",
                sender,
                [email],
            )
            OrderEvent.objects.create(
                order=order,
                type=OrderEventType.EMAIL_SENT,
                shop=shop_order.shop,
                parameters={"email": email, "notification": PLACED, "to": "shop"},
            )
            sent += 1
    return sent
