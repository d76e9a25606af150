"""Order notices, through the notification service (`marketplace.notifications`): e-mail,
and the buyer's in-app inbox when the order has an account.

Each notice is one outbox row per recipient and channel, unique per event, so a retried
task sends nothing twice; an EMAIL_SENT order event per recipient still records it on the
order's history (what the back office shows, and what the callers read to skip recipients
already served). Notices: the order was placed (buyer and shops), shop orders were
cancelled (buyer), and the payments domain's notices through `order_mail_send`.
"""

from __future__ import annotations

from uuid import UUID

from django.conf import settings

from marketplace.accounts.models import Role, RoleAssignment
from marketplace.notifications.models import Channel
from marketplace.notifications.services import notification_send
from marketplace.orders.models import Order, OrderEvent, OrderEventType, OrderStatus
from marketplace.orders.selectors import order_get
from marketplace.organisations.models import Shop

PLACED = "order_placed"
CANCELED = "shop_order_canceled"


def mail_sender() -> str:
    return getattr(settings, "DEFAULT_FROM_EMAIL", "noreply@ruralmart.local")


def order_mail_send(
    *,
    order: Order,
    email: str,
    notification: str,
    to: str,
    subject: str,
    body: str,
    shop: Shop | None = None,
) -> None:
    """Queue one plain-text mail about the order and record it as an EMAIL_SENT event: the
    record a retried send reads to skip whoever was served. Shared with the payments
    domain's notices."""
    notification_send(
        event_key=f"order:{order.pk}:{notification}:{to}:{shop.pk if shop else ''}",
        template="order_notice",
        context={"subject": subject, "text": body},
        email=email,
        channels=[Channel.EMAIL],
    )
    _record_mail(order, email=email, notification=notification, to=to, shop=shop)


def _record_mail(
    order: Order, *, email: str, notification: str, to: str, shop: Shop | None = None
) -> None:
    OrderEvent.objects.create(
        order=order,
        type=OrderEventType.EMAIL_SENT,
        shop=shop,
        parameters={"email": email, "notification": notification, "to": to},
    )


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
    sent = 0
    if order.user_email and (order.user_email, PLACED) not in sent_before:
        shops = ", ".join(so.shop.name for so in order.shop_orders.select_related("shop"))
        notification_send(
            event_key=f"order:{order.pk}:{PLACED}:customer",
            template="order_placed_customer",
            context={
                "number": order.number,
                "text": f"Thank you. Order #{order.number} from {shops}: "
                f"total ¥{order.total_amount}.",
            },
            recipient=order.user,
            email=order.user_email,
            channels=[Channel.EMAIL, Channel.INBOX],
        )
        _record_mail(order, email=order.user_email, notification=PLACED, to="customer")
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
            notification_send(
                event_key=f"order:{order.pk}:{PLACED}:shop:{shop_order.pk}",
                template="order_placed_shop",
                context={
                    "number": order.number,
                    "shop": shop_order.shop.name,
                    "text": f"{lines}\nShop total ¥{shop_order.total_amount}.",
                },
                email=email,
                channels=[Channel.EMAIL],
            )
            _record_mail(order, email=email, notification=PLACED, to="shop", shop=shop_order.shop)
            sent += 1
    return sent


def order_canceled_notify(*, order_id: UUID | str, shop_order_ids: list[int]) -> int:
    """Tell the buyer which shops called their part of the order off, and why; returns how
    many mails went out (0 or 1). A shop order already announced (an EMAIL_SENT event
    naming it) is left out, so a retried task mails nothing new."""
    order = order_get(order_id=order_id)
    if order is None or not order.user_email:
        return 0
    announced = {
        event.parameters.get("shop_order")
        for event in OrderEvent.objects.filter(
            order=order, type=OrderEventType.EMAIL_SENT, parameters__notification=CANCELED
        )
    }
    shop_orders = [
        so
        for so in order.shop_orders.select_related("shop").filter(
            pk__in=shop_order_ids, status=OrderStatus.CANCELED
        )
        if so.pk not in announced
    ]
    if not shop_orders:
        return 0
    shop_ids = [so.shop_id for so in shop_orders]
    reasons = {
        event.shop_id: event.parameters.get("message", "")
        for event in OrderEvent.objects.filter(
            order=order, type=OrderEventType.CANCELED, shop_id__in=shop_ids
        )
    }
    body = "\n".join(
        f"{so.shop.name} (¥{so.total_amount}): {reasons.get(so.shop_id, '')}" for so in shop_orders
    )
    notification_send(
        event_key=f"order:{order.pk}:{CANCELED}:{'-'.join(str(so.pk) for so in shop_orders)}",
        template="order_canceled",
        context={
            "number": order.number,
            "text": f"Part of order #{order.number} was cancelled:\n{body}\n"
            "Anything you paid for it is refunded to where it came from.",
        },
        recipient=order.user,
        email=order.user_email,
        channels=[Channel.EMAIL, Channel.INBOX],
    )
    OrderEvent.objects.bulk_create(
        OrderEvent(
            order=order,
            type=OrderEventType.EMAIL_SENT,
            shop_id=so.shop_id,
            parameters={
                "email": order.user_email,
                "notification": CANCELED,
                "to": "customer",
                "shop_order": so.pk,
            },
        )
        for so in shop_orders
    )
    return 1
