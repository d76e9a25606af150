"""The channels' backends. Each delivers one outbox message with its full context and
reports what happened; none writes the outbox row (the service does, under its lock).

Pluggable: `BACKENDS` maps a channel to its backend, and NOTIFY_BACKENDS (settings) may
name another class for a channel, e.g. a second SMS provider with the same interface.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from marketplace.notifications.aliyun_sms import AliyunSmsClient, SmsProviderError
from marketplace.notifications.models import Channel, InboxMessage, OutboxMessage, OutboxStatus
from marketplace.notifications.templates import Template

CHINA = ZoneInfo("Asia/Shanghai")
PROVIDER_FLOW_CONTROL = "isv.BUSINESS_LIMIT_CONTROL"


@dataclass(frozen=True)
class Outcome:
    # SENT, FAILED, THROTTLED (the provider's flow control: try again after a while);
    # PENDING means the outcome is unknown (try again later).
    status: str
    provider_id: str = ""
    error_code: str = ""
    error_message: str = ""


class Backend(Protocol):
    def deliver(
        self, *, message: OutboxMessage, template: Template, context: dict[str, Any]
    ) -> Outcome: ...


class EmailBackend:
    """Django's mail backend (console in the demo, SMTP in production)."""

    def deliver(
        self, *, message: OutboxMessage, template: Template, context: dict[str, Any]
    ) -> Outcome:
        subject = template.render(template.subject or template.title, context)
        try:
            send_mail(
                subject,
                template.render(template.body, context),
                getattr(settings, "DEFAULT_FROM_EMAIL", "noreply@ruralmart.local"),
                [message.email],
            )
        except Exception as exc:  # any mail server failure is the message's, not the caller's
            return Outcome(
                OutboxStatus.FAILED, error_code="MAIL_ERROR", error_message=str(exc)[:500]
            )
        return Outcome(OutboxStatus.SENT)


class InboxBackend:
    def deliver(
        self, *, message: OutboxMessage, template: Template, context: dict[str, Any]
    ) -> Outcome:
        assert message.recipient_id is not None
        inbox = InboxMessage.objects.create(
            user_id=message.recipient_id,
            outbox=message,
            template=template.key,
            title=template.render(template.title, context)[:200],
            body=template.render(template.body, context),
        )
        return Outcome(OutboxStatus.SENT, provider_id=f"inbox:{inbox.pk}")


class AliyunSmsBackend:
    """SendSms with the template's code and parameters; OutId is the outbox row's id, so a
    send whose answer was lost can be found again with QuerySendDetails before retrying."""

    def __init__(self, client: AliyunSmsClient | None = None) -> None:
        self.client = client

    def deliver(
        self, *, message: OutboxMessage, template: Template, context: dict[str, Any]
    ) -> Outcome:
        client = self.client or AliyunSmsClient()
        out_id = str(message.pk)
        try:
            if message.attempts > 0:
                # An earlier try had no answer: it may have gone through.
                day = (message.updated_at or datetime.now(CHINA)).astimezone(CHINA)
                for detail in client.query_send_details(
                    phone=message.phone, biz_id="", send_date=f"{day:%Y%m%d}"
                ):
                    if detail.out_id == out_id:
                        return Outcome(OutboxStatus.SENT, provider_id="", error_code="FOUND_SENT")
            result = client.send_sms(
                phone=message.phone,
                template_code=template.sms_code,
                params={name: str(context[name]) for name in template.sms_params},
                out_id=out_id,
            )
        except SmsProviderError as exc:
            return Outcome(
                OutboxStatus.PENDING, error_code="UNREACHABLE", error_message=str(exc)[:500]
            )
        if result.accepted:
            return Outcome(OutboxStatus.SENT, provider_id=result.biz_id)
        status = (
            OutboxStatus.THROTTLED if result.code == PROVIDER_FLOW_CONTROL else OutboxStatus.FAILED
        )
        return Outcome(status, error_code=result.code[:64], error_message=result.message[:500])


DEFAULT_BACKENDS: dict[str, str] = {
    Channel.SMS: "marketplace.notifications.backends.AliyunSmsBackend",
    Channel.EMAIL: "marketplace.notifications.backends.EmailBackend",
    Channel.INBOX: "marketplace.notifications.backends.InboxBackend",
}


def backend_for(channel: str) -> Backend:
    configured = {**DEFAULT_BACKENDS, **getattr(settings, "NOTIFY_BACKENDS", {})}
    backend: Backend = import_string(configured[channel])()
    return backend
