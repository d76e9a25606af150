"""Delivering outbox rows, and what the SMS provider reports about them afterwards.

`outbox_deliver` is what the Celery task runs. It locks the row (`select_for_update`) for
the whole delivery: a second run of the same task — a retry, a redelivered broker message,
the periodic sweep — waits, then finds the row no longer waiting and sends nothing. The
per-number SMS limit is counted under a transaction-scoped advisory lock on the number, so
two messages to one phone cannot both slip under it; the one over the limit is THROTTLED,
scheduled for when the rolling hour lets it through, and tried again then (by its task,
re-queued with its secrets, or by the sweep).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from marketplace.notifications.aliyun_sms import (
    SEND_STATUS_DELIVERED,
    SEND_STATUS_FAILED,
    AliyunSmsClient,
    SmsProviderError,
)
from marketplace.notifications.backends import CHINA, backend_for
from marketplace.notifications.models import (
    WAITING_STATUSES,
    Channel,
    DeliveryStatus,
    OutboxMessage,
    OutboxStatus,
)
from marketplace.notifications.templates import template_get

logger = logging.getLogger(__name__)
REDACTED = "[redacted]"
# A send with no answer is tried again this many times in all, then given up as FAILED.
MAX_ATTEMPTS = 5
# The sweep leaves rows this young to the task scheduled for them after commit (which
# alone carries their secrets).
SWEEP_GRACE = timedelta(minutes=2)
RATE_WINDOW = timedelta(hours=1)
# The provider's flow control does not say when it lifts: try again after this long.
PROVIDER_THROTTLE_RETRY = timedelta(minutes=30)
# A notice throttled for longer than this is stale news: given up as FAILED.
THROTTLED_GIVE_UP = timedelta(days=1)


def _sms_rate_free_at(phone: str, *, now: datetime) -> datetime | None:
    """None when another SMS to `phone` may go out now; else the moment the rolling hour
    next has room (the oldest send that must leave the window, plus the window)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"sms-rate:{phone}"])
    sent = list(
        OutboxMessage.objects.filter(
            channel=Channel.SMS,
            phone=phone,
            status=OutboxStatus.SENT,
            sent_at__gt=now - RATE_WINDOW,
        )
        .order_by("sent_at")
        .values_list("sent_at", flat=True)
    )
    limit = settings.NOTIFY_SMS_PER_PHONE_PER_HOUR
    if limit <= 0:
        return now + RATE_WINDOW  # SMS switched off: held until given up
    if len(sent) < limit:
        return None
    leaving = sent[len(sent) - limit]
    return (leaving or now) + RATE_WINDOW


def _throttle(message: OutboxMessage, *, until: datetime, code: str, text: str) -> None:
    message.status = OutboxStatus.THROTTLED
    message.scheduled_for = until
    message.error_code, message.error_message = code[:64], text[:512]


def outbox_deliver(
    *, message_id: int, secrets: dict[str, str] | None = None, now: datetime | None = None
) -> OutboxMessage | None:
    """Deliver one waiting outbox row now, unless it is not due yet; returns the row as it
    ends (None if it does not exist). Never raises for a provider's failure: that is the
    row's status."""
    now = now or timezone.now()
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status not in WAITING_STATUSES:
            return message
        if message.scheduled_for > now:
            return message
        template = template_get(message.template)
        context: dict[str, Any] = {**message.context, **(secrets or {})}
        fields = ["status", "attempts", "error_code", "error_message", "updated_at"]
        message.attempts += 1
        if template is None or any(context.get(k) == REDACTED for k in template.secret_params):
            # The secret travelled only in the task that was lost; a new notice must be
            # asked for (e.g. the operator reissues the pickup code).
            message.status = OutboxStatus.FAILED
            message.error_code = "SECRET_LOST" if template else "UNKNOWN_TEMPLATE"
            message.error_message = "The delivery task that carried this message's secret is gone."
            message.save(update_fields=fields)
            return message
        if message.status == OutboxStatus.THROTTLED and now - message.created_at > (
            THROTTLED_GIVE_UP
        ):
            message.status = OutboxStatus.FAILED
            message.error_code = "RATE_LIMITED"
            message.error_message = "Held back by the rate limit for too long; not sent."
            message.save(update_fields=fields)
            return message
        free_at = (
            _sms_rate_free_at(message.phone, now=now) if message.channel == Channel.SMS else None
        )
        if free_at is not None:
            message.attempts -= 1  # nothing was tried
            _throttle(
                message,
                until=free_at,
                code="RATE_LIMITED",
                text=f"{settings.NOTIFY_SMS_PER_PHONE_PER_HOUR} SMS to this number in the "
                "last hour; tried again when the hour lets it through.",
            )
            message.save(update_fields=[*fields, "scheduled_for"])
            return message
        outcome = backend_for(message.channel).deliver(
            message=message, template=template, context=context
        )
        message.status = outcome.status
        message.error_code, message.error_message = outcome.error_code, outcome.error_message
        if outcome.status == OutboxStatus.THROTTLED:
            _throttle(
                message,
                until=now + PROVIDER_THROTTLE_RETRY,
                code=outcome.error_code,
                text=outcome.error_message,
            )
            fields.append("scheduled_for")
        if outcome.status == OutboxStatus.PENDING and message.attempts >= MAX_ATTEMPTS:
            message.status = OutboxStatus.FAILED
        if outcome.status == OutboxStatus.SENT:
            message.sent_at = now
            message.provider_id = outcome.provider_id or message.provider_id
            fields += ["sent_at", "provider_id"]
            if message.channel == Channel.SMS:
                message.delivery_status = DeliveryStatus.WAITING
                fields.append("delivery_status")
        message.save(update_fields=fields)
        return message


def outbox_dispatch_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Periodic: deliver rows whose time has come and whose task never ran (a broker that
    was down, the end of quiet hours). Returns how many it tried."""
    now = now or timezone.now()
    due = list(
        OutboxMessage.objects.filter(
            status__in=WAITING_STATUSES, scheduled_for__lte=now - SWEEP_GRACE
        )
        .order_by("scheduled_for", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        outbox_deliver(message_id=pk, now=now)
    return len(due)


def _parse_local(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
    except (TypeError, ValueError):
        return None


def sms_reports_apply(*, reports: list[dict[str, Any]]) -> int:
    """Record Aliyun's SmsReport push (a JSON array); returns how many rows it matched. A
    replayed report writes the same values again."""
    updated = 0
    for report in reports:
        biz_id, phone = str(report.get("biz_id", "")), str(report.get("phone_number", ""))
        if not biz_id:
            continue
        success = report.get("success") is True
        updated += OutboxMessage.objects.filter(
            channel=Channel.SMS, provider_id=biz_id, phone=phone
        ).update(
            delivery_status=DeliveryStatus.DELIVERED if success else DeliveryStatus.FAILED,
            delivered_at=_parse_local(str(report.get("report_time", ""))) or timezone.now(),
            error_code="" if success else str(report.get("err_code", ""))[:64],
            error_message="" if success else str(report.get("err_msg", ""))[:500],
            updated_at=timezone.now(),
        )
    return updated


def sms_delivery_poll(
    *, now: datetime | None = None, client: AliyunSmsClient | None = None, limit: int = 100
) -> int:
    """Periodic: ask QuerySendDetails about SMS still waiting for a receipt after five
    minutes (a lost SmsReport push); returns how many got an answer."""
    now = now or timezone.now()
    waiting = OutboxMessage.objects.filter(
        channel=Channel.SMS,
        status=OutboxStatus.SENT,
        delivery_status=DeliveryStatus.WAITING,
        sent_at__lte=now - timedelta(minutes=5),
        sent_at__gte=now - timedelta(days=2),
    ).exclude(provider_id="")[:limit]
    client = client or AliyunSmsClient()
    answered = 0
    for message in waiting:
        assert message.sent_at is not None
        try:
            details = client.query_send_details(
                phone=message.phone,
                biz_id=message.provider_id,
                send_date=f"{message.sent_at.astimezone(CHINA):%Y%m%d}",
            )
        except SmsProviderError:
            logger.warning("QuerySendDetails failed for outbox %s", message.pk)
            continue
        for detail in details:
            if detail.send_status not in (SEND_STATUS_DELIVERED, SEND_STATUS_FAILED):
                continue
            delivered = detail.send_status == SEND_STATUS_DELIVERED
            OutboxMessage.objects.filter(pk=message.pk).update(
                delivery_status=DeliveryStatus.DELIVERED if delivered else DeliveryStatus.FAILED,
                delivered_at=_parse_local(detail.receive_date) or now,
                error_code="" if delivered else detail.err_code[:64],
                updated_at=now,
            )
            answered += 1
            break
    return answered
