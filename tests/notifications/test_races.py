"""Idempotency under real concurrency: threads against the real PostgreSQL, each in its
own connection and transaction, so the unique outbox row and the row lock decide."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from marketplace.notifications.delivery import outbox_deliver
from marketplace.notifications.models import Channel, OutboxMessage, OutboxStatus
from marketplace.notifications.services import notification_send

pytestmark = pytest.mark.django_db(transaction=True)
PICKUP = {"station": "冰岛村服务站", "carrier": "中通", "waybill": "ZT100200300", "code": "482913"}


def _together(worker, count: int = 6) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            worker()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    close_old_connections()
    return errors


def test_six_concurrent_sends_of_one_notice_send_one_sms(sms):
    def send() -> None:
        # Outside any transaction: each call commits and its delivery task runs at once.
        notification_send(
            event_key="parcel:9:code",
            template="pickup_code",
            context=PICKUP,
            phone="13800138000",
            channels=[Channel.SMS],
        )

    assert _together(send) == []
    (row,) = OutboxMessage.objects.filter(event_key="parcel:9:code")
    assert row.status == OutboxStatus.SENT
    assert len(sms.messages) == 1


def test_six_concurrent_deliveries_of_one_row_send_it_once(sms):
    from django.db import transaction

    with transaction.atomic():
        # Queued inside a transaction the test then rolls back its on-commit hook for:
        # the delivery runs only from the threads below.
        (row,) = notification_send(
            event_key="parcel:10:code",
            template="pickup_code",
            context=PICKUP,
            phone="13800138000",
            channels=[Channel.SMS],
        )
        transaction.get_connection().run_on_commit.clear()

    assert _together(lambda: outbox_deliver(message_id=row.pk, secrets={"code": "482913"})) == []
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 1)
    assert len(sms.messages) == 1


def test_concurrent_sms_over_the_limit_wait_and_the_sweep_sends_them_after_the_window(
    sms, settings
):
    """Four notices to one number at once with room for two: two go out, two wait for the
    hour (none dropped), and the beat's sweep sends those once it has passed."""
    from datetime import timedelta

    from django.db import transaction

    from marketplace.notifications.delivery import outbox_dispatch_due

    settings.NOTIFY_SMS_PER_PHONE_PER_HOUR = 2
    rows = []
    with transaction.atomic():
        for n in range(4):
            (row,) = notification_send(
                event_key=f"supervision:reminder:{n}",
                template="supervision_reminder",
                context={"subject": "待审批", "text": f"第{n}件待审批"},
                phone="13700137000",
                channels=[Channel.SMS],
            )
            rows.append(row)
        transaction.get_connection().run_on_commit.clear()
    pending = iter(rows)
    lock = threading.Lock()

    def deliver_one() -> None:
        with lock:
            row = next(pending)
        outbox_deliver(message_id=row.pk)

    assert _together(deliver_one, count=4) == []
    statuses = sorted(OutboxMessage.objects.values_list("status", flat=True))
    assert statuses == ["SENT", "SENT", "THROTTLED", "THROTTLED"]
    assert len(sms.messages) == 2
    held = OutboxMessage.objects.filter(status=OutboxStatus.THROTTLED)
    window_end = max(OutboxMessage.objects.filter(status="SENT").values_list("sent_at", flat=True))
    assert all(r.scheduled_for <= window_end + timedelta(hours=1) for r in held)

    assert outbox_dispatch_due(now=window_end + timedelta(minutes=30)) == 0
    after = window_end + timedelta(hours=1, minutes=3)
    assert outbox_dispatch_due(now=after) == 2
    assert sorted(OutboxMessage.objects.values_list("status", flat=True)) == ["SENT"] * 4
    assert len(sms.messages) == 4
    # A second sweep finds nothing waiting: each notice went out once.
    assert outbox_dispatch_due(now=after) == 0 and len(sms.messages) == 4
