"""Aliyun Short Message Service (Dysmsapi, API version 2017-05-25), RPC style.

Every call is a GET whose query carries the common parameters and a signature:
percent-encode each name and value (RFC 3986: unreserved characters kept, space as %20,
`*` as %2A, `~` kept), sort by name, join as `name=value&...`; the string to sign is
`GET&%2F&` + the percent-encoded joined query; the signature is base64(HMAC-SHA1(secret +
"&", string to sign)). See help.aliyun.com "Signature mechanism" (RPC) and the SMS API
reference for SendSms and QuerySendDetails.

The same client talks to `https://dysmsapi.aliyuncs.com` in production and to the local
sandbox (`marketplace.notifications.sms_sandbox`) in the demo and the tests.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

API_VERSION = "2017-05-25"
TIMEOUT_SECONDS = 10
# SendStatus in QuerySendDetails.
SEND_STATUS_WAITING, SEND_STATUS_FAILED, SEND_STATUS_DELIVERED = 1, 2, 3


def percent_encode(value: str) -> str:
    return urllib.parse.quote(value, safe="-_.~", encoding="utf-8")


def canonical_query(params: dict[str, str]) -> str:
    return "&".join(
        f"{percent_encode(name)}={percent_encode(params[name])}" for name in sorted(params)
    )


def signature(params: dict[str, str], *, secret: str, method: str = "GET") -> str:
    """The Signature of `params` (which must not contain it)."""
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


class SmsProviderError(Exception):
    """The provider could not be reached or answered something that is not its protocol:
    the outcome of the call is unknown."""


@dataclass(frozen=True)
class SendResult:
    accepted: bool
    code: str  # "OK", or Aliyun's error code (isv.MOBILE_NUMBER_ILLEGAL, ...)
    message: str
    biz_id: str = ""
    request_id: str = ""


@dataclass(frozen=True)
class SendDetail:
    phone: str
    send_status: int
    err_code: str
    template_code: str
    content: str
    out_id: str
    receive_date: str


class AliyunSmsClient:
    def __init__(
        self,
        *,
        endpoint: str | None = None,
        access_key_id: str | None = None,
        access_key_secret: str | None = None,
        sign_name: str | None = None,
    ) -> None:
        self.endpoint = (endpoint or settings.ALIYUN_SMS_ENDPOINT).rstrip("/")
        self.access_key_id = access_key_id or settings.ALIYUN_SMS_ACCESS_KEY_ID
        self.access_key_secret = access_key_secret or settings.ALIYUN_SMS_ACCESS_KEY_SECRET
        self.sign_name = sign_name or settings.ALIYUN_SMS_SIGN_NAME

    def signed_query(self, action: str, params: dict[str, str]) -> str:
        common = {
            "AccessKeyId": self.access_key_id,
            "Action": action,
            "Format": "JSON",
            "RegionId": "cn-hangzhou",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
        }
        query = {**common, **params}
        signed = signature(query, secret=self.access_key_secret)
        return f"Signature={percent_encode(signed)}&{canonical_query(query)}"

    def _call(self, action: str, params: dict[str, str]) -> dict[str, Any]:
        url = f"{self.endpoint}/?{self.signed_query(action, params)}"
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            # Aliyun answers refused signatures and bad parameters with 4xx and a JSON body.
            raw = exc.read()
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsProviderError(f"Aliyun SMS unreachable: {exc}") from exc
        try:
            answer = json.loads(raw)
        except ValueError as exc:
            raise SmsProviderError("Aliyun SMS answered something that is not JSON.") from exc
        if not isinstance(answer, dict):
            raise SmsProviderError("Aliyun SMS answered something that is not an object.")
        return answer

    def send_sms(
        self, *, phone: str, template_code: str, params: dict[str, str], out_id: str = ""
    ) -> SendResult:
        query = {
            "PhoneNumbers": phone,
            "SignName": self.sign_name,
            "TemplateCode": template_code,
            "TemplateParam": json.dumps(params, ensure_ascii=False, separators=(",", ":")),
        }
        if out_id:
            query["OutId"] = out_id
        answer = self._call("SendSms", query)
        code = str(answer.get("Code", ""))
        return SendResult(
            accepted=code == "OK",
            code=code,
            message=str(answer.get("Message", "")),
            biz_id=str(answer.get("BizId", "")),
            request_id=str(answer.get("RequestId", "")),
        )

    def query_send_details(
        self, *, phone: str, biz_id: str, send_date: str, page_size: int = 10
    ) -> list[SendDetail]:
        """`send_date` is yyyyMMdd (Asia/Shanghai), the day the message was sent."""
        answer = self._call(
            "QuerySendDetails",
            {
                "PhoneNumber": phone,
                "BizId": biz_id,
                "SendDate": send_date,
                "PageSize": str(page_size),
                "CurrentPage": "1",
            },
        )
        if answer.get("Code") != "OK":
            raise SmsProviderError(f"QuerySendDetails refused: {answer.get('Code')}")
        rows = (answer.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
        return [
            SendDetail(
                phone=str(row.get("PhoneNum", "")),
                send_status=int(row.get("SendStatus", 0)),
                err_code=str(row.get("ErrCode", "")),
                template_code=str(row.get("TemplateCode", "")),
                content=str(row.get("Content", "")),
                out_id=str(row.get("OutId", "")),
                receive_date=str(row.get("ReceiveDate", "")),
            )
            for row in rows
        ]
