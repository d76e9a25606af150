"""The SMS sandbox configured like the adapter: same key pair and sign name, reports pushed
to our callback."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from marketplace.notifications.sms_sandbox.server import AliyunSmsSandbox


def sandbox_from_settings(*, host: str | None = None, port: int | None = None) -> AliyunSmsSandbox:
    where = urlsplit(settings.ALIYUN_SMS_SANDBOX_URL)
    return AliyunSmsSandbox(
        access_key_id=settings.ALIYUN_SMS_ACCESS_KEY_ID,
        access_key_secret=settings.ALIYUN_SMS_ACCESS_KEY_SECRET,
        sign_name=settings.ALIYUN_SMS_SIGN_NAME,
        report_url=settings.ALIYUN_SMS_REPORT_URL,
        host=host or where.hostname or "127.0.0.1",
        port=port if port is not None else (where.port or 8003),
    )
