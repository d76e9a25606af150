"""Background work of the notification service. Thin: each calls one delivery function."""

from __future__ import annotations

from celery import shared_task

from marketplace.notifications.delivery import (
    outbox_deliver,
    outbox_dispatch_due,
    sms_delivery_poll,
)


@shared_task(name="notifications.deliver", acks_late=True)
def deliver_outbox_message(message_id: int, secrets: dict[str, str] | None = None) -> str:
    """Scheduled after commit. Secrets (codes, links with tokens) travel only here."""
    message = outbox_deliver(message_id=message_id, secrets=secrets)
    return message.status if message is not None else "MISSING"


@shared_task(name="notifications.dispatch_due", acks_late=True)
def dispatch_due() -> int:
    return outbox_dispatch_due()


@shared_task(name="notifications.poll_sms_delivery", acks_late=True)
def poll_sms_delivery() -> int:
    return sms_delivery_poll()
