"""Reminders: an outbox of messages owed (who, what, why, when due), sent by `_deliver`.

A reminder is recorded once per (kind, business key, recipient) by the database's UNIQUE
constraint, so a task that runs twice records and sends nothing new. Sending happens after
the recording transaction commits. `_deliver` is the one place that sends; it mails through
Django for now (the notification service takes over at merge).
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.notifications.services import notification_send
from marketplace.supervision.models import Reminder

logger = logging.getLogger(__name__)


def reminder_record(
    *,
    kind: str,
    business_key: str,
    recipient: User,
    subject: str,
    body: str,
    reason: str,
    due_at: datetime.datetime | None = None,
) -> Reminder | None:
    """Record a reminder and send it after commit; None when it was recorded before."""
    reminder, created = Reminder.objects.get_or_create(
        kind=kind,
        business_key=business_key,
        recipient=recipient,
        defaults={
            "subject": subject[:200],
            "body": body,
            "reason": reason[:200],
            "due_at": due_at or timezone.now(),
        },
    )
    if not created:
        return None
    pk = reminder.pk
    transaction.on_commit(lambda: reminders_send(reminder_ids=[pk]))
    return reminder


def reminders_send(*, reminder_ids: list[int] | None = None) -> int:
    """Send the given (or all) unsent reminders; returns how many went out. Each row is
    claimed under a lock that skips rows another worker holds, so none goes out twice."""
    sent = 0
    rows = Reminder.objects.filter(sent_at__isnull=True)
    if reminder_ids is not None:
        rows = rows.filter(pk__in=reminder_ids)
    for pk in rows.values_list("pk", flat=True):
        with transaction.atomic():
            reminder = (
                Reminder.objects.select_for_update(skip_locked=True)
                .select_related("recipient")
                .filter(pk=pk, sent_at__isnull=True)
                .first()
            )
            if reminder is None:
                continue
            try:
                _deliver(reminder)
            except Exception as exc:  # the outbox keeps it for the next sweep
                logger.exception("reminder %s not delivered", pk)
                reminder.failure = str(exc)[:300]
                reminder.save(update_fields=["failure"])
                continue
            reminder.sent_at = timezone.now()
            reminder.failure = ""
            reminder.save(update_fields=["sent_at", "failure"])
            sent += 1
    return sent


def _deliver(reminder: Reminder) -> None:
    """Hand one reminder to the notification service: the administrator's inbox, e-mail and
    SMS (where they have a phone), once per reminder and channel however often this runs."""
    notification_send(
        event_key=f"supervision:{reminder.kind}:{reminder.business_key}",
        template="supervision_reminder",
        context={"subject": reminder.subject, "text": reminder.body},
        recipient=reminder.recipient,
    )
