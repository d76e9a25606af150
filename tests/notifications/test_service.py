"""notification_send: one outbox row per (event, recipient, channel), delivered after
commit; secrets kept out of the table; rate limits, quiet hours, receipts."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

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


def test_rate_limited_sms_waits_for_the_window_and_is_sent_then(
    sms, settings, django_capture_on_commit_callbacks, monkeypatch
):
    from marketplace.notifications import tasks

    requeued: list[tuple[tuple, object]] = []
    queue_now = tasks.deliver_outbox_message.apply_async

    def apply_async(args, kwargs=None, eta=None, **options):
        # Deliveries queued for now run (eagerly); one queued for later is recorded.
        if eta is None:
            return queue_now(args, kwargs, **options)
        requeued.append((tuple(args), eta))
        return None

    monkeypatch.setattr(tasks.deliver_outbox_message, "apply_async", apply_async)
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
    first, _, held = (OutboxMessage.objects.get(pk=r.pk) for r in rows)
    assert [r.status for r in (first, _, held)] == [
        OutboxStatus.SENT,
        OutboxStatus.SENT,
        OutboxStatus.THROTTLED,
    ]
    assert len(sms.messages) == 2
    # It waits until the first send leaves the rolling hour, and is not counted as tried.
    assert held.scheduled_for == first.sent_at + timedelta(hours=1)
    assert (held.attempts, held.error_code) == (0, "RATE_LIMITED")
    # The task queued itself again for then, with the secret it alone carries.
    assert requeued == [((held.pk, {"code": "482913"}), held.scheduled_for)]

    # Too early: still waiting, nothing sent.
    early = outbox_deliver(
        message_id=held.pk,
        secrets={"code": "482913"},
        now=held.scheduled_for - timedelta(minutes=1),
    )
    assert early.status == OutboxStatus.THROTTLED and len(sms.messages) == 2
    later = held.scheduled_for + timedelta(seconds=1)
    sent = outbox_deliver(message_id=held.pk, secrets={"code": "482913"}, now=later)
    assert sent.status == OutboxStatus.SENT and len(sms.messages) == 3
    assert "482913" in str(sms.messages[-1])
    # Once per (event, recipient): asking again or delivering again sends nothing more.
    assert outbox_deliver(message_id=held.pk, secrets={"code": "482913"}, now=later).pk == held.pk
    notification_send(
        event_key="burst:2",
        template="pickup_code",
        context=PICKUP,
        phone="13800138000",
        channels=[Channel.SMS],
    )
    assert len(sms.messages) == 3


def test_provider_flow_control_waits_and_stale_throttled_notices_are_given_up(
    sms, django_capture_on_commit_callbacks, monkeypatch
):
    from marketplace.notifications import delivery, tasks

    queue_now = tasks.deliver_outbox_message.apply_async
    monkeypatch.setattr(
        tasks.deliver_outbox_message,
        "apply_async",
        lambda args, kwargs=None, eta=None, **o: None if eta else queue_now(args, kwargs, **o),
    )
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
    assert (row.status, row.error_code) == (OutboxStatus.THROTTLED, "isv.BUSINESS_LIMIT_CONTROL")
    assert row.scheduled_for > row.updated_at + delivery.PROVIDER_THROTTLE_RETRY - timedelta(
        seconds=5
    )
    stale = row.created_at + delivery.THROTTLED_GIVE_UP + timedelta(minutes=1)
    given_up = outbox_deliver(message_id=row.pk, secrets={"code": "482913"}, now=stale)
    assert (given_up.status, given_up.error_code) == (OutboxStatus.FAILED, "RATE_LIMITED")


def test_quiet_hours_defer_reminders_not_pickup_codes(
    sms, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_QUIET_HOURS = "21:00-08:00"
    assert quiet_hours_end(datetime(2026, 12, 3, 22, 30, tzinfo=CHINA)) == datetime(
        2026, 12, 4, 8, 0, tzinfo=CHINA
    )
    assert quiet_hours_end(datetime(2026, 12, 4, 7, 59, tzinfo=CHINA)) == datetime(
        2026, 12, 4, 8, 0, tzinfo=CHINA
    )
    assert quiet_hours_end(datetime(2026, 12, 4, 12, 0, tzinfo=CHINA)) is None
    # The delivery tasks run on the real clock, so the quiet hours are put around it: they
    # began before the notices are asked for and are not over when the tasks run.
    real = timezone.now().astimezone(CHINA).replace(second=0, microsecond=0)
    settings.NOTIFY_QUIET_HOURS = (
        f"{real - timedelta(hours=1):%H:%M}-{real + timedelta(hours=2):%H:%M}"
    )
    late = real - timedelta(minutes=30)
    morning = real + timedelta(hours=2)
    assert quiet_hours_end(late) == morning
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
    assert deferred.scheduled_for == morning
    assert urgent.status == OutboxStatus.SENT and len(sms.messages) == 1
    # Too early, the sweep leaves it; after the quiet hours it goes.
    assert outbox_dispatch_due(now=morning - timedelta(hours=1)) == 0
    assert outbox_dispatch_due(now=morning + timedelta(minutes=3)) == 1
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
