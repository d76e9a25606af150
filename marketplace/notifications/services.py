"""Writes of the notification service: ask for a notice, mark inbox messages read.

`notification_send` only records and schedules: it writes one outbox row per channel (or
finds the one an earlier call wrote: the row is unique per event, recipient and channel)
and queues its delivery task once the caller's transaction commits. Nothing is sent for a
write that rolls back, and asking twice sends once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from marketplace.core.errors import refuse
from marketplace.notifications.addresses import mainland_mobile
from marketplace.notifications.delivery import REDACTED
from marketplace.notifications.error_codes import NotificationErrorCode
from marketplace.notifications.models import Channel, InboxMessage, OutboxMessage, OutboxStatus
from marketplace.notifications.quiet_hours import quiet_hours_end
from marketplace.notifications.tasks import deliver_outbox_message
from marketplace.notifications.templates import Template, template_get

if TYPE_CHECKING:
    from marketplace.accounts.models import User

logger = logging.getLogger(__name__)
ALL_CHANNELS: tuple[Channel, ...] = (Channel.INBOX, Channel.SMS, Channel.EMAIL)
MAX_MARK_READ_IDS = 100


def _schedule(message: OutboxMessage, secrets: dict[str, str]) -> None:
    def send() -> None:
        try:
            if message.status == OutboxStatus.DEFERRED:
                deliver_outbox_message.apply_async((message.pk, secrets), eta=message.scheduled_for)
            else:
                deliver_outbox_message.delay(message.pk, secrets)
        except Exception:
            # The periodic sweep (notifications.dispatch_due) delivers it later.
            logger.exception("Could not queue delivery of outbox message %s", message.pk)

    transaction.on_commit(send)


def _check(template_key: str, context: dict[str, Any]) -> Template:
    template = template_get(template_key)
    if template is None:
        raise refuse(
            "template",
            f"No notification template {template_key!r}.",
            NotificationErrorCode.UNKNOWN_TEMPLATE,
        )
    missing = [name for name in template.params if name not in context]
    if missing:
        raise refuse(
            "context",
            f"Template {template_key} needs {', '.join(missing)}.",
            NotificationErrorCode.MISSING_PARAMETER,
        )
    return template


def _addresses(
    *,
    channels: Iterable[Channel],
    recipient: User | None,
    phone: str,
    email: str,
    template: Template,
) -> list[tuple[Channel, str, str]]:
    """(channel, phone, email) for each channel this recipient can be reached on."""
    mobile = ""
    if phone:
        found = mainland_mobile(phone)
        if found is None:
            raise refuse(
                "phone",
                f"{phone} is not a mainland mobile number.",
                NotificationErrorCode.INVALID_PHONE,
            )
        mobile = found
    address = email or (recipient.email if recipient is not None else "")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise refuse(
                "email", f"{email} is not an e-mail address.", NotificationErrorCode.INVALID_EMAIL
            ) from None
    reachable: list[tuple[Channel, str, str]] = []
    for channel in dict.fromkeys(channels):
        if channel == Channel.SMS and mobile and template.sms_code:
            reachable.append((channel, mobile, ""))
        elif channel == Channel.EMAIL and address:
            reachable.append((channel, "", address))
        elif channel == Channel.INBOX and recipient is not None:
            reachable.append((channel, "", ""))
    return reachable


def notification_send(
    *,
    event_key: str,
    template: str,
    context: dict[str, Any],
    recipient: User | None = None,
    phone: str = "",
    email: str = "",
    channels: Sequence[Channel] = ALL_CHANNELS,
    urgent: bool | None = None,
    now: datetime | None = None,
) -> list[OutboxMessage]:
    """Queue the notice `template` (rendered with `context`) about `event_key` — a stable
    name of what happened, e.g. "parcel:17:logged-in" — to one recipient on each of
    `channels` they can be reached on: SMS needs a mainland mobile (`phone`), e-mail an
    address (`email`, else the recipient's), the inbox a user. Channels they cannot be
    reached on are skipped; a malformed phone or address is refused.

    Returns the outbox rows, new or found. Urgency defaults to the template's: a non-urgent
    SMS asked for during quiet hours is DEFERRED to their end. Call it inside the writing
    transaction; delivery starts after commit.
    """
    chosen = _check(template, context)
    if not event_key or len(event_key) > 200:
        raise refuse(
            "event_key", "An event key of 1 to 200 characters.", NotificationErrorCode.INVALID
        )
    now = now or timezone.now()
    is_urgent = chosen.urgent if urgent is None else urgent
    stored = {
        key: REDACTED if key in chosen.secret_params else value for key, value in context.items()
    }
    secrets = {key: str(context[key]) for key in chosen.secret_params if key in context}
    rows: list[OutboxMessage] = []
    for channel, mobile, address in _addresses(
        channels=channels, recipient=recipient, phone=phone, email=email, template=chosen
    ):
        if recipient is not None:
            recipient_key = f"user:{recipient.pk}"
        else:
            recipient_key = (
                f"phone:{mobile}" if channel == Channel.SMS else f"email:{address.lower()}"
            )
        quiet_end = quiet_hours_end(now) if channel == Channel.SMS and not is_urgent else None
        message = OutboxMessage(
            event_key=event_key,
            recipient_key=recipient_key,
            channel=channel,
            recipient=recipient,
            phone=mobile,
            email=address,
            template=chosen.key,
            context=stored,
            urgent=is_urgent,
            status=OutboxStatus.DEFERRED if quiet_end else OutboxStatus.PENDING,
            scheduled_for=quiet_end or now,
        )
        try:
            with transaction.atomic():
                message.save(force_insert=True)
        except IntegrityError:
            existing = OutboxMessage.objects.filter(
                event_key=event_key, recipient_key=recipient_key, channel=channel
            ).first()
            if existing is None:
                raise  # another constraint: a bug, not a repeat
            rows.append(existing)
            continue
        _schedule(message, secrets)
        rows.append(message)
    return rows


@transaction.atomic
def inbox_mark_read(
    *, user: User, ids: Sequence[int], now: datetime | None = None
) -> list[InboxMessage]:
    """Mark these of `user`'s inbox messages read (already read ones keep their time).
    An id that is not theirs is refused, and nothing is marked."""
    wanted = list(dict.fromkeys(ids))
    if len(wanted) > MAX_MARK_READ_IDS:
        raise refuse(
            "ids", f"At most {MAX_MARK_READ_IDS} at once.", NotificationErrorCode.TOO_MANY_IDS
        )
    owned = {
        message.pk: message
        for message in InboxMessage.objects.select_for_update().filter(pk__in=wanted, user=user)
    }
    if len(owned) != len(wanted):
        raise refuse(
            "ids", "Some of these notifications are not yours.", NotificationErrorCode.NOT_YOURS
        )
    now = now or timezone.now()
    InboxMessage.objects.filter(pk__in=wanted, read_at__isnull=True).update(read_at=now)
    for message in owned.values():
        message.read_at = message.read_at or now
    return [owned[pk] for pk in wanted]
