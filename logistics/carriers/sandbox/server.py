"""The sandbox server. State lives in memory: a restart forgets waybills, which is what a
sandbox is for.

Routes (Kuaidi100's): `POST /label/order` (method=order) creates a waybill, `POST
/poll/query.do` answers a signed tracking query, `POST /poll` subscribes a callback URL.
Tests and the demo move a parcel on with `advance(...)`, which records the event and, for
a subscribed waybill, pushes the whole track signed with the subscription's salt (or hands
the push back undelivered, so a test can post it into its own transaction).
"""

from __future__ import annotations

import itertools
import json
import threading
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from logistics.carriers.kuaidi100 import (
    CARRIERS,
    label_sign,
    push_sign,
    query_sign,
    signs_match,
)

CHINA = ZoneInfo("Asia/Shanghai")
# Waybill number prefixes, shaped like the carriers' own (digits only, 12 to 15 long).
_PREFIX = {"zhongtong": "7831", "youzhengguonei": "9893"}
_STATE_TEXT = {
    "0": "在途",
    "1": "揽收",
    "2": "疑难",
    "3": "签收",
    "4": "退签",
    "5": "派件",
    "6": "退回",
    "501": "投柜或驿站",
}


@dataclass
class SandboxWaybill:
    carrier: str
    number: str
    events: list[dict[str, str]] = field(default_factory=list)
    callback_url: str = ""
    salt: str = ""
    state: str = "0"


class Kuaidi100Sandbox:
    def __init__(
        self,
        *,
        key: str,
        customer: str,
        secret: str,
        host: str = "127.0.0.1",
        port: int = 0,
        state_file: Path | None = None,
    ) -> None:
        self.key, self.customer, self.secret = key, customer, secret
        self.host, self.port = host, port
        self.waybills: dict[str, SandboxWaybill] = {}
        self.lock = threading.Lock()
        # With a state file the sandbox remembers its waybills across restarts, as the real
        # carrier does: the demo loads its shipments through one run, `ruralmart demo`
        # serves them from the next. Tests pass none and start from nothing.
        self.state_file = state_file
        self._load_state()
        issued = [int(number[-10:]) for number in self.waybills if number[-10:].isdigit()]
        self._numbers = itertools.count(max(issued, default=0) + 1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- state ---------------------------------------------------------------------------

    def _load_state(self) -> None:
        if self.state_file is None or not self.state_file.exists():
            return
        try:
            stored = json.loads(self.state_file.read_text())
            self.waybills = {w["number"]: SandboxWaybill(**w) for w in stored["waybills"]}
        except (ValueError, KeyError, TypeError):
            self.waybills = {}  # a damaged file: start afresh, as a new sandbox account would

    def _save_state(self) -> None:
        """Write the waybills (lock held). Atomic: a reader never sees half a file."""
        if self.state_file is None:
            return
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        partial = self.state_file.with_suffix(".tmp")
        partial.write_text(
            json.dumps(
                {"waybills": [asdict(w) for w in self.waybills.values()]}, ensure_ascii=False
            )
        )
        partial.replace(self.state_file)

    # --- life cycle ---------------------------------------------------------------------

    def bind(self) -> Kuaidi100Sandbox:
        sandbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode("utf-8")))
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                status, answer = sandbox.handle(
                    urllib.parse.urlsplit(self.path).path, {**query, **form}
                )
                body = json.dumps(answer, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
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

    def start(self) -> Kuaidi100Sandbox:
        if self._server is None:
            self.bind()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # --- protocol -----------------------------------------------------------------------

    def handle(self, path: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        try:
            if path == "/label/order":
                return self._label_order(form)
            if path == "/poll/query.do":
                return self._query(form)
            if path == "/poll":
                return self._subscribe(form)
        except (ValueError, KeyError, TypeError, AttributeError):
            return 200, _refusal("400", "参数错误")
        return 404, _refusal("404", "no such API")

    def _label_order(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        param, t = form["param"], form["t"]
        if form.get("method") != "order":
            return 200, {"success": False, "code": 400, "message": "method 错误"}
        if form.get("key") != self.key or not signs_match(
            form.get("sign", ""), label_sign(param, t, self.key, self.secret)
        ):
            return 200, {"success": False, "code": 30002, "message": "签名错误"}
        order = json.loads(param)
        carrier = order["kuaidicom"]
        if carrier not in CARRIERS:
            return 200, {"success": False, "code": 30004, "message": "不支持的快递公司"}
        with self.lock:
            number = f"{_PREFIX[carrier]}{next(self._numbers):010d}"
            self.waybills[number] = SandboxWaybill(carrier=carrier, number=number)
            self._save_state()
        return 200, {
            "success": True,
            "code": 200,
            "message": "success",
            "data": {"kuaidicom": carrier, "kuaidinum": number, "taskId": f"T{number}"},
        }

    def _query(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        param, customer = form["param"], form.get("customer", "")
        if customer != self.customer or not signs_match(
            form.get("sign", ""), query_sign(param, self.key, self.customer)
        ):
            return 200, _refusal("601", "sign 验证失败")
        asked = json.loads(param)
        with self.lock:
            waybill = self.waybills.get(str(asked["num"]))
            if waybill is None or waybill.carrier != asked["com"]:
                return 200, _refusal("500", "查询无结果，请隔段时间再查")
            return 200, self._result(waybill)

    def _subscribe(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("schema", "json") != "json":
            return 200, _refusal("701", "schema 只支持 json")
        order = json.loads(form["param"])
        if order.get("key") != self.key:
            return 200, _refusal("600", "您不是合法的订阅者（即授权Key出错）")
        with self.lock:
            waybill = self.waybills.get(str(order["number"]))
            if waybill is None or waybill.carrier != order["company"]:
                return 200, _refusal("700", "不支持的快递公司或单号")
            if waybill.callback_url:
                return 200, _refusal("501", "重复订阅")
            waybill.callback_url = str(order["parameters"]["callbackurl"])
            waybill.salt = str(order["parameters"].get("salt", ""))
            self._save_state()
        return 200, {"result": True, "returnCode": "200", "message": "提交成功"}

    def _result(self, waybill: SandboxWaybill) -> dict[str, Any]:
        return {
            "message": "ok",
            "nu": waybill.number,
            "ischeck": "1" if waybill.state in ("3", "4") else "0",
            "com": waybill.carrier,
            "status": "200",
            "condition": "F00",
            "state": waybill.state,
            # Kuaidi100 lists newest first.
            "data": list(reversed(waybill.events)),
        }

    # --- moving parcels on (demo and tests) ---------------------------------------------

    def advance(
        self,
        number: str,
        *,
        code: str,
        context: str,
        area: str = "",
        at: datetime | None = None,
        deliver: bool = True,
    ) -> dict[str, str] | None:
        """Add an event with Kuaidi100 code `code` ("1" collected, "0" in transit, "501" at
        a station, "3" signed for, ...). Returns the signed push form (`param`, `sign`) for a
        subscribed waybill, POSTed to its callback when `deliver`; None if unsubscribed."""
        moment = (at or datetime.now(CHINA)).astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")
        with self.lock:
            waybill = self.waybills[number]
            waybill.events.append(
                {
                    "time": moment,
                    "ftime": moment,
                    "context": context,
                    "areaName": area,
                    "status": _STATE_TEXT.get(code, "在途"),
                    "statusCode": code,
                }
            )
            waybill.state = "5" if code == "501" else code
            self._save_state()
            if not waybill.callback_url:
                return None
            form = self.push_form(number)
            url = waybill.callback_url
        if deliver:
            self.deliver(url, form)
        return form

    def push_form(self, number: str, *, salt: str | None = None) -> dict[str, str]:
        waybill = self.waybills[number]
        param = json.dumps(
            {
                "status": "polling",
                "billstatus": "got",
                "message": "",
                "lastResult": self._result(waybill),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return {"param": param, "sign": push_sign(param, waybill.salt if salt is None else salt)}

    @staticmethod
    def deliver(url: str, form: dict[str, str]) -> tuple[int, str]:
        request = urllib.request.Request(
            url, data=urllib.parse.urlencode(form).encode("utf-8"), method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")
        except OSError as exc:
            return 0, repr(exc)


def _refusal(code: str, message: str) -> dict[str, Any]:
    return {"result": False, "returnCode": code, "message": message}
