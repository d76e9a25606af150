"""Background work of the notification service. Thin: each calls one delivery function."""

from __future__ import annotations

import logging

from celery import shared_task

from marketplace.notifications.delivery import (
    outbox_deliver,
    outbox_dispatch_due,
    sms_delivery_poll,
)
from marketplace.notifications.models import OutboxStatus

logger = logging.getLogger(__name__)


@shared_task(name="notifications.deliver", acks_late=True)
def deliver_outbox_message(message_id: int, secrets: dict[str, str] | None = None) -> str:
    """Scheduled after commit. Secrets (codes, links with tokens) travel only here, so a
    message the rate limit held back is queued again, with them, for when it may go."""
    message = outbox_deliver(message_id=message_id, secrets=secrets)
    if message is None:
        return "MISSING"
    if message.status == OutboxStatus.THROTTLED:
        try:
            deliver_outbox_message.apply_async((message.pk, secrets), eta=message.scheduled_for)
        except Exception:
            # The periodic sweep (notifications.dispatch_due) tries it again later.
            logger.exception("Could not re-queue throttled outbox message %s", message.pk)
    return message.status


@shared_task(name="notifications.dispatch_due", acks_late=True)
def dispatch_due() -> int:
    return outbox_dispatch_due()


@shared_task(name="notifications.poll_sms_delivery", acks_late=True)
def poll_sms_delivery() -> int:
    return sms_delivery_poll()
