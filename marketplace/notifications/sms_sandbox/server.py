"""The SMS sandbox: Aliyun's Dysmsapi over HTTP on 127.0.0.1. State lives in memory.

`GET /?Action=SendSms&...` and `GET /?Action=QuerySendDetails&...` are checked the way
Aliyun checks them — a known AccessKeyId, HMAC-SHA1 signature over the canonical query, a
Timestamp within 15 minutes, a SignatureNonce never seen before — then the sign name, the
template code and its parameters, the mobile number (isv.MOBILE_NUMBER_ILLEGAL) and the
per-number flow control (isv.BUSINESS_LIMIT_CONTROL). Accepted messages are stored with
their rendered text (`messages`, `GET /messages.json`, and the page `GET /sms/` listing
"SMS sent"), wait in SendStatus 1, and get a delivery report: pushed as Aliyun's SmsReport
(a JSON array POSTed to `report_url`) by `push_reports()`, or handed back undelivered by
`take_reports()` so a test can post it into its own transaction. Numbers in `undeliverable`
get a failed report.

The signature check is written from the documentation on its own (quote_plus, then the
three substitutions the documentation lists), not with the client's encoder, so the two
keep each other honest.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import itertools
import json
import re
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

from marketplace.notifications.templates import SMS_TEMPLATE_TEXTS

CHINA = ZoneInfo("Asia/Shanghai")
MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
COMMON = ("AccessKeyId", "SignatureMethod", "SignatureVersion", "SignatureNonce", "Timestamp")


def _documented_encode(value: str) -> str:
    return (
        urllib.parse.quote_plus(value, encoding="utf-8")
        .replace("+", "%20")
        .replace("*", "%2A")
        .replace("%7E", "~")
    )


def expected_signature(params: dict[str, str], secret: str) -> str:
    pairs = "&".join(
        f"{_documented_encode(k)}={_documented_encode(params[k])}" for k in sorted(params)
    )
    to_sign = "GET&%2F&" + _documented_encode(pairs)
    digest = hmac.new((secret + "&").encode(), to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@dataclass
class SandboxSms:
    biz_id: str
    phone: str
    sign_name: str
    template_code: str
    params: dict[str, str]
    content: str
    out_id: str
    send_time: datetime
    send_status: int = 1  # 1 waiting, 2 failed, 3 delivered
    err_code: str = ""
    receive_time: datetime | None = None
    reported: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "biz_id": self.biz_id,
            "phone": self.phone,
            "template_code": self.template_code,
            "params": self.params,
            "content": self.content,
            "out_id": self.out_id,
            "send_time": self.send_time.isoformat(),
            "send_status": self.send_status,
        }


@dataclass
class AliyunSmsSandbox:
    access_key_id: str
    access_key_secret: str
    sign_name: str
    report_url: str = ""
    host: str = "127.0.0.1"
    port: int = 0
    # Aliyun's default flow control is per number; the platform's own limit is lower.
    limit_per_hour: int = 10
    undeliverable: set[str] = field(default_factory=set)
    messages: list[SandboxSms] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self._nonces: set[str] = set()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None

    # --- life cycle ---------------------------------------------------------------------

    def bind(self) -> AliyunSmsSandbox:
        sandbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                if parts.path == "/messages.json":
                    with sandbox.lock:
                        rows = [m.as_json() for m in sandbox.messages]
                    self._answer(200, rows)
                    return
                if parts.path == "/sms/":
                    self._page(sandbox.page())
                    return
                query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
                status, answer = sandbox.handle(query)
                self._answer(status, answer)

            def _answer(self, status: int, answer: Any) -> None:
                body = json.dumps(answer, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _page(self, text: str) -> None:
                body = text.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "text/html;charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self.port = self._server.server_address[1]
        return self

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def serve_forever(self) -> None:
        assert self._server is not None, "bind() first"
        self._server.serve_forever(poll_interval=0.1)

    def start(self) -> AliyunSmsSandbox:
        if self._server is None:
            self.bind()
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # --- protocol -----------------------------------------------------------------------

    def handle(self, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        refusal = self._check_signed(query)
        if refusal is not None:
            return refusal
        action = query.get("Action")
        if query.get("Version") != "2017-05-25":
            return 400, self._error("InvalidVersion", "Specified parameter Version is not valid.")
        if action == "SendSms":
            return self._send(query)
        if action == "QuerySendDetails":
            return self._details(query)
        return 400, self._error("InvalidAction.NotFound", f"Specified api is not found: {action}")

    def _error(self, code: str, message: str) -> dict[str, Any]:
        return {"Code": code, "Message": message, "RequestId": self._request_id()}

    def _request_id(self) -> str:
        return f"SANDBOX-{next(self._ids):08d}"

    def _check_signed(self, query: dict[str, str]) -> tuple[int, dict[str, Any]] | None:
        missing = [name for name in (*COMMON, "Signature", "Action") if not query.get(name)]
        if missing:
            return 400, self._error("MissingParameter", f"{missing[0]} is mandatory.")
        if query["AccessKeyId"] != self.access_key_id:
            return 404, self._error("InvalidAccessKeyId.NotFound", "AccessKeyId not found.")
        if query["SignatureMethod"] != "HMAC-SHA1" or query["SignatureVersion"] != "1.0":
            return 400, self._error("InvalidSignatureMethod", "Unsupported signature method.")
        try:
            stamp = datetime.strptime(query["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return 400, self._error("InvalidTimeStamp.Format", "Timestamp is not ISO 8601 UTC.")
        if abs(datetime.now(UTC) - stamp) > timedelta(minutes=15):
            return 400, self._error("InvalidTimeStamp.Expired", "Timestamp is expired.")
        unsigned = {k: v for k, v in query.items() if k != "Signature"}
        if not hmac.compare_digest(
            query["Signature"], expected_signature(unsigned, self.access_key_secret)
        ):
            return 400, self._error(
                "SignatureDoesNotMatch", "Specified signature is not matched with our calculation."
            )
        with self.lock:
            if query["SignatureNonce"] in self._nonces:
                return 400, self._error("SignatureNonceUsed", "Specified nonce was used already.")
            self._nonces.add(query["SignatureNonce"])
        return None

    def _send(self, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        phone = query.get("PhoneNumbers", "")
        if not MOBILE.match(phone):
            return 200, self._error("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        if query.get("SignName") != self.sign_name:
            return 200, self._error("isv.SMS_SIGNATURE_ILLEGAL", "短信签名不合法")
        text = SMS_TEMPLATE_TEXTS.get(query.get("TemplateCode", ""))
        if text is None:
            return 200, self._error("isv.SMS_TEMPLATE_ILLEGAL", "短信模板不合法")
        try:
            params = json.loads(query.get("TemplateParam") or "{}")
            content = "【" + self.sign_name + "】" + text.format_map(params)
        except (ValueError, KeyError, AttributeError, TypeError):
            return 200, self._error("isv.TEMPLATE_MISSING_PARAMETERS", "模板缺少变量")
        now = datetime.now(CHINA)
        with self.lock:
            recent = [
                m
                for m in self.messages
                if m.phone == phone and m.send_time > now - timedelta(hours=1)
            ]
            if len(recent) >= self.limit_per_hour:
                return 200, self._error("isv.BUSINESS_LIMIT_CONTROL", "触发小时级流控Permits:1")
            biz_id = f"{next(self._ids):06d}^{int(now.timestamp() * 1000)}"
            self.messages.append(
                SandboxSms(
                    biz_id=biz_id,
                    phone=phone,
                    sign_name=self.sign_name,
                    template_code=query["TemplateCode"],
                    params={k: str(v) for k, v in params.items()},
                    content=content,
                    out_id=query.get("OutId", ""),
                    send_time=now,
                )
            )
        return 200, {
            "Code": "OK",
            "Message": "OK",
            "BizId": biz_id,
            "RequestId": self._request_id(),
        }

    def _details(self, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        phone, biz_id, day = (
            query.get("PhoneNumber", ""),
            query.get("BizId", ""),
            query.get("SendDate", ""),
        )
        if not MOBILE.match(phone):
            return 200, self._error("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        if not re.fullmatch(r"\d{8}", day):
            return 200, self._error("isv.INVALID_PARAMETERS", "SendDate 格式错误")
        with self.lock:
            rows = [
                m
                for m in self.messages
                if m.phone == phone
                and m.send_time.strftime("%Y%m%d") == day
                and (not biz_id or m.biz_id == biz_id)
            ]
            dtos = [
                {
                    "PhoneNum": m.phone,
                    "SendStatus": m.send_status,
                    "ErrCode": m.err_code or ("DELIVERED" if m.send_status == 3 else ""),
                    "TemplateCode": m.template_code,
                    "Content": m.content,
                    "SendDate": m.send_time.strftime("%Y-%m-%d %H:%M:%S"),
                    "ReceiveDate": m.receive_time.strftime("%Y-%m-%d %H:%M:%S")
                    if m.receive_time
                    else "",
                    "OutId": m.out_id,
                }
                for m in rows
            ]
        return 200, {
            "Code": "OK",
            "Message": "OK",
            "RequestId": self._request_id(),
            "TotalCount": len(dtos),
            "SmsSendDetailDTOs": {"SmsSendDetailDTO": dtos},
        }

    # --- delivery receipts --------------------------------------------------------------

    def settle(self) -> None:
        """The handsets answer: every waiting message is delivered or (for a number in
        `undeliverable`) fails."""
        now = datetime.now(CHINA)
        with self.lock:
            for message in self.messages:
                if message.send_status == 1:
                    failed = message.phone in self.undeliverable
                    message.send_status = 2 if failed else 3
                    message.err_code = "MOBILE_NOT_ON_SERVICE" if failed else "DELIVERED"
                    message.receive_time = now

    def take_reports(self) -> list[dict[str, Any]]:
        """Settle, then the SmsReport array not yet pushed (marked pushed)."""
        self.settle()
        with self.lock:
            due = [m for m in self.messages if m.send_status != 1 and not m.reported]
            for message in due:
                message.reported = True
        return [
            {
                "phone_number": m.phone,
                "send_time": m.send_time.strftime("%Y-%m-%d %H:%M:%S"),
                "report_time": (m.receive_time or m.send_time).strftime("%Y-%m-%d %H:%M:%S"),
                "success": m.send_status == 3,
                "err_code": m.err_code,
                "err_msg": "用户接收成功" if m.send_status == 3 else "用户停机或空号",
                "sms_size": "1",
                "biz_id": m.biz_id,
                "out_id": m.out_id,
            }
            for m in due
        ]

    def push_reports(self) -> int:
        """POST the due reports to `report_url` as Aliyun does; returns how many went."""
        reports = self.take_reports()
        if not reports or not self.report_url:
            return 0
        request = urllib.request.Request(
            self.report_url,
            data=json.dumps(reports, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
        except OSError:
            # Aliyun retries later; the sandbox forgets it pushed, so the next push resends.
            with self.lock:
                pushed = {r["biz_id"] for r in reports}
                for message in self.messages:
                    if message.biz_id in pushed:
                        message.reported = False
            return 0
        return len(reports)

    def page(self) -> str:
        with self.lock:
            rows = "".join(
                f"<tr><td>{m.send_time:%Y-%m-%d %H:%M:%S}</td><td>{html.escape(m.phone)}</td>"
                f"<td>{html.escape(m.template_code)}</td><td>{html.escape(m.content)}</td>"
                f"<td>{ {1: '等待回执', 2: '失败', 3: '已送达'}[m.send_status] }</td></tr>"
                for m in reversed(self.messages)
            )
        return (
            "<!doctype html><html lang='zh-Hans'><meta charset='utf-8'><title>SMS sent</title>"
            "<h1>短信沙箱 · SMS sent</h1><table border='1' cellpadding='4'><tr><th>时间</th>"
            f"<th>号码</th><th>模板</th><th>内容</th><th>状态</th></tr>{rows}</table></html>"
        )
