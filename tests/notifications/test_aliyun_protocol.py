"""The adapter and the sandbox agree on Aliyun's RPC signature, and the sandbox refuses
what Aliyun refuses."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

from marketplace.notifications.aliyun_sms import AliyunSmsClient, canonical_query, signature
from marketplace.notifications.sms_sandbox.server import expected_signature
from tests.notifications.conftest import SECRET


def _get(url: str) -> dict:
    try:
        with urllib.request.urlopen(url) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return json.loads(exc.read())


def test_both_encoders_give_the_documented_signature():
    params = {
        "TemplateParam": '{"station":"冰岛村 服务站","code":"012345"}',
        "SignName": "乡村集市",
        "Odd": "a*b~c+d/e",
        "Timestamp": "2026-12-03T10:00:00Z",
    }
    # Space as %20, * as %2A, ~ kept, sorted by name.
    assert "Odd=a%2Ab~c%2Bd%2Fe" in canonical_query(params)
    assert "%20" in canonical_query(params) and "+" not in canonical_query(params)
    assert canonical_query(params).startswith("Odd=")
    assert signature(params, secret=SECRET) == expected_signature(params, SECRET)
    assert signature(params, secret=SECRET) != expected_signature(params, SECRET + "x")


def test_sandbox_refuses_tampering_replay_and_bad_numbers(sms):
    client = AliyunSmsClient()
    query = client.signed_query(
        "SendSms",
        {
            "PhoneNumbers": "13800138000",
            "SignName": client.sign_name,
            "TemplateCode": "SMS_PICKUP_REMINDER",
            "TemplateParam": json.dumps({"waybill": "ZT1", "station": "冰岛"}),
        },
    )
    assert _get(f"{sms.url}/?{query}")["Code"] == "OK"
    assert _get(f"{sms.url}/?{query}")["Code"] == "SignatureNonceUsed"
    tampered = query.replace("13800138000", "13800138001")
    assert _get(f"{sms.url}/?{tampered}")["Code"] == "SignatureDoesNotMatch"

    result = client.send_sms(phone="12345", template_code="SMS_PICKUP_REMINDER", params={})
    assert (result.accepted, result.code) == (False, "isv.MOBILE_NUMBER_ILLEGAL")
    result = client.send_sms(phone="13800138000", template_code="SMS_NOPE", params={})
    assert result.code == "isv.SMS_TEMPLATE_ILLEGAL"
    result = client.send_sms(phone="13800138000", template_code="SMS_PICKUP_REMINDER", params={})
    assert result.code == "isv.TEMPLATE_MISSING_PARAMETERS"
    wrong_key = AliyunSmsClient(access_key_secret="not-it")
    result = wrong_key.send_sms(
        phone="13800138000",
        template_code="SMS_PICKUP_REMINDER",
        params={"waybill": "ZT1", "station": "冰岛"},
    )
    assert result.code == "SignatureDoesNotMatch"
    assert len(sms.messages) == 1


def test_flow_control_and_query_send_details(sms):
    sms.limit_per_hour = 1
    client = AliyunSmsClient()
    params = {"waybill": "ZT1", "station": "冰岛"}
    first = client.send_sms(
        phone="13900139000", template_code="SMS_PICKUP_REMINDER", params=params, out_id="7"
    )
    second = client.send_sms(
        phone="13900139000", template_code="SMS_PICKUP_REMINDER", params=params
    )
    assert first.accepted and first.biz_id
    assert second.code == "isv.BUSINESS_LIMIT_CONTROL"
    day = sms.messages[0].send_time.strftime("%Y%m%d")
    (waiting,) = client.query_send_details(phone="13900139000", biz_id=first.biz_id, send_date=day)
    assert (waiting.send_status, waiting.out_id) == (1, "7")
    assert "冰岛" in waiting.content and waiting.content.startswith("【")
    sms.settle()
    (done,) = client.query_send_details(phone="13900139000", biz_id=first.biz_id, send_date=day)
    assert (done.send_status, done.err_code) == (3, "DELIVERED")
    page = urllib.request.urlopen(f"{sms.url}/sms/").read().decode()
    assert "SMS sent" in page and "13900139000" in page
