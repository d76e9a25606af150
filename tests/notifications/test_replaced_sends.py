"""The earlier ad-hoc sends now go through the outbox: a parcel at the station texts the
buyer's mobile the pickup code (and mails it), account links stay out of the table."""

from __future__ import annotations

import pytest
from django.core import mail

from logistics.shipment_status import ShipmentStatus
from marketplace.accounts.emails import send_password_reset
from marketplace.notifications.delivery import REDACTED
from marketplace.notifications.models import Channel, OutboxMessage, OutboxStatus
from tests import factories
from tests.logistics.conftest import push

pytestmark = pytest.mark.django_db


def test_a_parcel_at_the_station_texts_and_mails_the_buyer(
    shipped,
    sandbox,
    sms,
    client,
    django_capture_on_commit_callbacks,
):
    shipment, station, _ = shipped
    with django_capture_on_commit_callbacks(execute=True):
        form = sandbox.advance(
            shipment.tracking_number, code="501", context="已到达村级服务站", deliver=False
        )
        assert push(client, form).status_code == 200
    rows = OutboxMessage.objects.filter(
        event_key=f"shipment:{shipment.pk}:{ShipmentStatus.AT_STATION}"
    )
    by_channel = {row.channel: row for row in rows}
    assert set(by_channel) == {Channel.EMAIL, Channel.SMS}  # a guest checkout: no inbox
    assert all(row.status == OutboxStatus.SENT for row in rows)
    assert by_channel[Channel.SMS].phone == "13812345678"
    assert by_channel[Channel.SMS].context["code"] == REDACTED
    (text,) = sms.messages
    assert text.params["code"] in mail.outbox[-1].body and station.name in text.content


def test_account_links_are_mailed_but_never_stored(django_capture_on_commit_callbacks):
    user = factories.user(email="reset@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        send_password_reset(user=user, redirect_url="http://localhost:3000/reset/")
    (row,) = OutboxMessage.objects.filter(recipient=user)
    assert row.status == OutboxStatus.SENT and row.context == {"link": REDACTED}
    assert "token=" not in row.event_key
    assert "token=" in mail.outbox[-1].body and mail.outbox[-1].to == ["reset@example.cn"]
