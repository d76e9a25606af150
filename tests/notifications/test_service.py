"""notification_send: one outbox row per (event, recipient, channel), delivered after
commit; secrets kept out of the table; rate limits, quiet hours, receipts."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from marketplace.notifications.delivery import (
    REDACTED,
    outbox_deliver,
    outbox_dispatch_due,
    sms_delivery_poll,
)
from marketplace.notifications.models import (
    Channel,
    DeliveryStatus,
    InboxMessage,
    OutboxMessage,
    OutboxStatus,
)
from marketplace.notifications.quiet_hours import quiet_hours_end
from marketplace.notifications.services import inbox_mark_read, notification_send
from tests import factories
from tests.notifications.conftest import REPORT_PATH

pytestmark = pytest.mark.django_db
CHINA = ZoneInfo("Asia/Shanghai")
PICKUP = {"station": "冰岛村服务站", "carrier": "中通", "waybill": "ZT100200300", "code": "482913"}


def _code(error: ValidationError) -> str:
    return next(iter(error.error_dict.values()))[0].code


def test_a_pickup_code_goes_by_sms_once_and_is_never_stored(
    sms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        (row,) = notification_send(
            event_key="parcel:1:code",
            template="pickup_code",
            context=PICKUP,
            phone="+86 138 0013 8000",
            channels=[Channel.SMS],
        )
        again = notification_send(
            event_key="parcel:1:code",
            template="pickup_code",
            context=PICKUP,
            phone="13800138000",
            channels=[Channel.SMS],
        )
    row.refresh_from_db()
    assert [r.pk for r in again] == [row.pk]
    assert (row.status, row.phone, row.delivery_status) == (
        OutboxStatus.SENT,
        "13800138000",
        DeliveryStatus.WAITING,
    )
    assert row.context["code"] == REDACTED and row.provider_id == sms.messages[0].biz_id
    (sent,) = sms.messages
    assert "482913" in sent.content and sent.template_code == "SMS_PICKUP_CODE"
    assert sent.out_id == str(row.pk)
    # A second run of the delivery task finds the work done.
    assert outbox_deliver(message_id=row.pk, secrets={"code": "482913"}).status == OutboxStatus.SENT
    assert len(sms.messages) == 1


def test_delivery_reports_by_push_and_by_query(sms, client, django_capture_on_commit_callbacks):
    sms.undeliverable.add("13900139000")
    with django_capture_on_commit_callbacks(execute=True):
        (good,) = notification_send(
            event_key="e:1",
            template="pickup_code",
            context=PICKUP,
            phone="13800138000",
            channels=[Channel.SMS],
        )
        (bad,) = notification_send(
            event_key="e:1",
            template="pickup_code",
            context=PICKUP,
            phone="13900139000",
            channels=[Channel.SMS],
        )
    reports = sms.take_reports()
    assert (
        client.post(
            REPORT_PATH.replace("token=", "token=x"), reports, content_type="application/json"
        ).status_code
        == 403
    )
    answer = client.post(REPORT_PATH, reports, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["code"] == 0
    assert client.post(REPORT_PATH, {"a": 1}, content_type="application/json").status_code == 400
    good.refresh_from_db(), bad.refresh_from_db()
    assert good.delivery_status == DeliveryStatus.DELIVERED and good.delivered_at
    assert (bad.delivery_status, bad.error_code) == (DeliveryStatus.FAILED, "MOBILE_NOT_ON_SERVICE")

    # A lost push: QuerySendDetails answers instead.
    with django_capture_on_commit_callbacks(execute=True):
        (late,) = notification_send(
            event_key="e:2",
            template="pickup_code",
            context=PICKUP,
            phone="13700137000",
            channels=[Channel.SMS],
        )
    sms.settle()
    late.refresh_from_db()
    assert sms_delivery_poll(now=late.sent_at + timedelta(minutes=1)) == 0  # too soon to ask
    assert sms_delivery_poll(now=late.sent_at + timedelta(minutes=6)) == 1
    late.refresh_from_db()
    assert late.delivery_status == DeliveryStatus.DELIVERED


def test_email_and_inbox_for_a_user(django_capture_on_commit_callbacks):
    buyer = factories.user(email="villager@example.cn")
    other = factories.user()
    context = {"waybill": "ZT1", "station": "冰岛村服务站", "count": 1}
    with django_capture_on_commit_callbacks(execute=True):
        rows = notification_send(
            event_key="r:1", template="pickup_reminder", context=context, recipient=buyer
        )
    # No phone given: no SMS; the inbox and e-mail go.
    assert sorted(r.channel for r in rows) == [Channel.EMAIL, Channel.INBOX]
    assert mail.outbox[-1].to == ["villager@example.cn"] and "ZT1" in mail.outbox[-1].body
    (inbox,) = InboxMessage.objects.filter(user=buyer)
    assert not inbox.is_read and "冰岛村服务站" in inbox.body
    with pytest.raises(ValidationError) as refused:
        inbox_mark_read(user=other, ids=[inbox.pk])
    assert _code(refused.value) == "not_yours"
    (read,) = inbox_mark_read(user=buyer, ids=[inbox.pk, inbox.pk])
    assert read.is_read


def test_bad_input_is_refused_before_anything_is_written():
    cases = [
        (dict(template="nope", context={}, phone="13800138000"), "unknown_template"),
        (
            dict(template="pickup_code", context={"code": "1"}, phone="13800138000"),
            "missing_parameter",
        ),
        (dict(template="pickup_code", context=PICKUP, phone="021-12345678"), "invalid_phone"),
        (dict(template="pickup_code", context=PICKUP, email="not-an-address"), "invalid_email"),
    ]
    for kwargs, code in cases:
        with pytest.raises(ValidationError) as refused:
            notification_send(event_key="bad", **kwargs)
        assert _code(refused.value) == code
    assert not OutboxMessage.objects.exists()


def test_rate_limit_per_number_is_recorded(sms, settings, django_capture_on_commit_callbacks):
    settings.NOTIFY_SMS_PER_PHONE_PER_HOUR = 2
    with django_capture_on_commit_callbacks(execute=True):
        rows = [
            notification_send(
                event_key=f"burst:{n}",
                template="pickup_code",
                context=PICKUP,
                phone="13800138000",
                channels=[Channel.SMS],
            )[0]
            for n in range(3)
        ]
    statuses = [OutboxMessage.objects.get(pk=r.pk).status for r in rows]
    assert statuses == [OutboxStatus.SENT, OutboxStatus.SENT, OutboxStatus.RATE_LIMITED]
    assert len(sms.messages) == 2
    # The provider's own flow control is recorded the same way.
    sms.limit_per_hour = 0
    with django_capture_on_commit_callbacks(execute=True):
        (row,) = notification_send(
            event_key="burst:other",
            template="pickup_code",
            context=PICKUP,
            phone="13900139000",
            channels=[Channel.SMS],
        )
    row.refresh_from_db()
    assert (row.status, row.error_code) == (OutboxStatus.RATE_LIMITED, "isv.BUSINESS_LIMIT_CONTROL")


def test_quiet_hours_defer_reminders_not_pickup_codes(
    sms, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_QUIET_HOURS = "21:00-08:00"
    late = datetime(2026, 12, 3, 22, 30, tzinfo=CHINA)
    assert quiet_hours_end(late) == datetime(2026, 12, 4, 8, 0, tzinfo=CHINA)
    assert quiet_hours_end(datetime(2026, 12, 4, 7, 59, tzinfo=CHINA)) == datetime(
        2026, 12, 4, 8, 0, tzinfo=CHINA
    )
    assert quiet_hours_end(datetime(2026, 12, 4, 12, 0, tzinfo=CHINA)) is None
    reminder = {"waybill": "ZT1", "station": "冰岛", "count": 1}
    with django_capture_on_commit_callbacks(execute=True):
        (deferred,) = notification_send(
            event_key="q:1",
            template="pickup_reminder",
            context=reminder,
            phone="13800138000",
            channels=[Channel.SMS],
            now=late,
        )
        (urgent,) = notification_send(
            event_key="q:2",
            template="pickup_code",
            context=PICKUP,
            phone="13800138000",
            channels=[Channel.SMS],
            now=late,
        )
    deferred.refresh_from_db(), urgent.refresh_from_db()
    assert deferred.status == OutboxStatus.DEFERRED
    assert deferred.scheduled_for == datetime(2026, 12, 4, 8, 0, tzinfo=CHINA)
    assert urgent.status == OutboxStatus.SENT and len(sms.messages) == 1
    # Too early, the sweep leaves it; after the quiet hours it goes.
    assert outbox_dispatch_due(now=datetime(2026, 12, 4, 7, 0, tzinfo=CHINA)) == 0
    assert outbox_dispatch_due(now=datetime(2026, 12, 4, 8, 3, tzinfo=CHINA)) == 1
    deferred.refresh_from_db()
    assert deferred.status == OutboxStatus.SENT and len(sms.messages) == 2


def test_a_secret_whose_task_was_lost_is_not_sent_blank(sms):
    # Queued outside any on-commit capture: the delivery task never runs.
    (row,) = notification_send(
        event_key="lost:1",
        template="pickup_code",
        context=PICKUP,
        phone="13800138000",
        channels=[Channel.SMS],
        now=datetime(2026, 12, 3, 10, 0, tzinfo=CHINA),
    )
    outbox_dispatch_due(now=datetime(2026, 12, 3, 10, 5, tzinfo=CHINA))
    row.refresh_from_db()
    assert (row.status, row.error_code) == (OutboxStatus.FAILED, "SECRET_LOST")
    assert sms.messages == []


def test_an_unreachable_provider_leaves_the_row_to_retry(
    settings, django_capture_on_commit_callbacks
):
    settings.ALIYUN_SMS_ENDPOINT = "http://127.0.0.1:9"
    reminder = {"waybill": "ZT1", "station": "冰岛", "count": 1}
    with django_capture_on_commit_callbacks(execute=True):
        (row,) = notification_send(
            event_key="down:1",
            template="pickup_reminder",
            context=reminder,
            phone="13800138000",
            channels=[Channel.SMS],
        )
    row.refresh_from_db()
    assert (row.status, row.error_code, row.attempts) == (OutboxStatus.PENDING, "UNREACHABLE", 1)
