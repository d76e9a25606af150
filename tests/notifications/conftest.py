"""The Aliyun SMS sandbox really running on an ephemeral 127.0.0.1 port, stopped after
the test, with settings pointing the adapter at it. Quiet hours are off unless a test
turns them on, so no outcome depends on the hour the suite runs at."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from marketplace.notifications.sms_sandbox import AliyunSmsSandbox
from tests.api.conftest import gql  # noqa: F401  (fixture)
from tests.logistics.conftest import adapter, sandbox, shipped  # noqa: F401  (fixtures)

KEY_ID, SECRET, SIGN = "test-key-id-9", "test-secret-9", "乡村集市测试"
REPORT_TOKEN = "report-token-9"
REPORT_PATH = f"/notifications/aliyun/sms-report/?token={REPORT_TOKEN}"


@pytest.fixture(autouse=True)
def _notification_settings(settings):
    settings.NOTIFY_QUIET_HOURS = ""
    settings.NOTIFY_SMS_PER_PHONE_PER_HOUR = 5
    settings.ALIYUN_SMS_REPORT_TOKEN = REPORT_TOKEN


@pytest.fixture
def sms(settings) -> Iterator[AliyunSmsSandbox]:
    running = AliyunSmsSandbox(
        access_key_id=KEY_ID, access_key_secret=SECRET, sign_name=SIGN
    ).start()
    settings.ALIYUN_SMS_ENDPOINT = running.url
    settings.ALIYUN_SMS_ACCESS_KEY_ID = KEY_ID
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = SECRET
    settings.ALIYUN_SMS_SIGN_NAME = SIGN
    yield running
    running.stop()
