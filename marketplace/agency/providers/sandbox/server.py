"""`AgencySandbox`: a local bill-payment aggregator speaking the protocol our adapter speaks.

One server, one gateway per provider (utility, telecom, insurance, tickets, acquirer) under
`/gw/<code>/`, each with its own merchant id and its own `Signature`: a shared HMAC-SHA256
key, or RSA2 with the provider's private key (answers, callbacks, statements) and our
public key (requests). Every request and answer is a JSON object signed over its canonical
fields (`providers.signing`); a request to one gateway with another's merchant id is
refused, so a provider's URL really selects its gateway.

Routes, under each `/gw/<code>`:
- `POST /api/order/submit`: synchronous ACCEPTED (with PROCESSING or SUCCESS) or REJECTED
  with a reason; idempotent by `request_id` (a repeat gets the first answer, nothing is
  charged again). The result is then POSTed, signed, to the order's `notify_url`.
- `POST /api/order/query`: an order's status (NOT_FOUND when it never arrived).
- `POST /api/order/refund`: refund a successful order where the item allows it.
- `GET /api/statement?merchant_id=&date=YYYYMMDD&sign_type=&sign=`: the day's statement
  CSV, its last line `#sign=<the gateway's signature of the lines above>`.
- `POST /api/ticket/search|hold|issue|refund`: seats by route and date, a hold, issuing
  the held seat, a refund with the fee by hours before departure (none after departure).
- `POST /api/ticket/release`: give a held seat back (OK, also when released before or
  unknown; REJECTED once issued).
- `POST /control/outcome` (at the root): tests and the demo say what the next submits
  answer.

Outcomes by account-number convention (the last four digits), when no control says
otherwise: `4444` rejected, `5555` accepted then failed, `7777` pending then success (the
query answers PROCESSING a few times first), `9999` timeout (the order succeeds but the
answer comes after the client gave up), `9990` timeout and lost (never recorded).
Anything else succeeds at once. `tamper()` makes the next answer, callback or statement
arrive altered after signing, as a man in the middle would. No Django: the standard
library and the signing module (RSA through `cryptography`) only.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from marketplace.agency.providers.signing import Signature, signed, statement_signed, verify

CHINA = ZoneInfo("Asia/Shanghai")
OUTCOMES = ("success", "reject", "fail", "pending", "timeout", "lost")
_BY_SUFFIX = {
    "4444": "reject",
    "5555": "fail",
    "7777": "pending",
    "9999": "timeout",
    "9990": "lost",
}
STATEMENT_HEADER = "request_id,provider_order_no,item_code,account,amount,status,finished_at"
TAMPERABLE = ("answer", "callback", "statement")
GATEWAY_PREFIX = "/gw/"


@dataclass(frozen=True)
class SandboxGateway:
    """One provider as the sandbox plays it: its code (the URL path), the merchant id it
    serves us under, and the provider's half of the signature."""

    code: str
    merchant_id: str
    signature: Signature


@dataclass
class SandboxOrder:
    merchant_id: str
    request_id: str
    item_code: str
    account: str
    amount: str
    outcome: str
    provider_order_no: str
    status: str
    notify_url: str = ""
    reason: str = ""
    polls_left: int = 0
    finished_at: str = ""
    answer: dict[str, Any] = field(default_factory=dict)


@dataclass
class SandboxTrip:
    trip_id: str
    mode: str
    origin: str
    destination: str
    departure_at: datetime
    seat_class: str
    price: Decimal
    seats_left: int

    def as_json(self) -> dict[str, Any]:
        return {
            "trip_id": self.trip_id,
            "mode": self.mode,
            "origin": self.origin,
            "destination": self.destination,
            "departure_at": self.departure_at.isoformat(),
            "seat_class": self.seat_class,
            "price": str(self.price),
            "seats_left": self.seats_left,
        }


@dataclass
class SandboxHold:
    booking_no: str
    trip_id: str
    request_id: str
    passenger_name: str
    status: str = "HELD"
    ticket_no: str = ""


_SCHEDULE = {
    "bus": (("07:30", "普通座"), ("11:00", "普通座"), ("15:30", "卧铺")),
    "train": (("08:12", "二等座"), ("13:45", "硬卧"), ("19:20", "二等座")),
    "air": (("09:05", "经济舱"), ("16:40", "经济舱")),
}
_BASE_PRICE = {"bus": 35, "train": 120, "air": 680}


class AgencySandbox:
    def __init__(
        self,
        *,
        gateways: Sequence[SandboxGateway],
        host: str = "127.0.0.1",
        port: int = 0,
        timeout_delay: float = 3.0,
        pending_polls: int = 2,
        auto_callback: bool = True,
        callback_delay: float = 0.2,
        seats_per_trip: int = 20,
    ) -> None:
        self.gateways = {gateway.code: gateway for gateway in gateways}
        self.merchants = {gateway.merchant_id: gateway for gateway in gateways}
        self.host, self.port = host, port
        self.timeout_delay = timeout_delay
        self.pending_polls = pending_polls
        self.auto_callback = auto_callback
        self.callback_delay = callback_delay
        self.seats_per_trip = seats_per_trip
        self.orders: dict[tuple[str, str], SandboxOrder] = {}
        self.trips: dict[str, SandboxTrip] = {}
        self.holds: dict[str, SandboxHold] = {}
        self.callbacks: list[tuple[str, dict[str, Any]]] = []
        self.statement_extra: dict[tuple[str, str], list[dict[str, str]]] = {}
        # How many release calls arrived (tests check a sweep asks once per hold).
        self.release_calls = 0
        self._forced: dict[str, list[str]] = {}
        self._tamper: dict[str, int] = {}
        self.lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- life cycle ---------------------------------------------------------------------

    def bind(self) -> AgencySandbox:
        sandbox = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "AgencySandbox/1.0"

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                status, content_type, body = sandbox.handle_get(
                    parts.path, dict(parse_qsl(parts.query))
                )
                self._write(status, content_type, body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                try:
                    payload = json.loads(raw.decode("utf-8"))
                except ValueError:
                    payload = None
                status, answer, delay = sandbox.handle_post(urlsplit(self.path).path, payload)
                if delay:
                    time.sleep(delay)
                body = json.dumps(answer, ensure_ascii=False).encode("utf-8")
                self._write(status, "application/json; charset=utf-8", body)

            def _write(self, status: int, content_type: str, body: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client timed out and went away: that is the point of a timeout

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

        self._server = Server((self.host, self.port), Handler)
        self.port = self._server.server_address[1]
        return self

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def gateway_url(self, code: str) -> str:
        """Where provider `code`'s adapter points (its AGENCY_PROVIDERS url)."""
        return f"{self.url}{GATEWAY_PREFIX}{code}"

    def serve_forever(self) -> None:
        assert self._server is not None, "bind() first"
        self._server.serve_forever(poll_interval=0.1)

    def start(self) -> AgencySandbox:
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

    def __enter__(self) -> AgencySandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- test and demo hooks ------------------------------------------------------------

    def force_outcome(self, outcome: str, *, times: int = 1) -> None:
        """The next `times` new orders (any merchant) answer `outcome`."""
        if outcome not in OUTCOMES:
            raise ValueError(outcome)
        with self.lock:
            self._forced.setdefault("*", []).extend([outcome] * times)

    def tamper(self, kind: str, *, times: int = 1) -> None:
        """The next `times` answers, callbacks or statements are altered after signing."""
        if kind not in TAMPERABLE:
            raise ValueError(kind)
        with self.lock:
            self._tamper[kind] = self._tamper.get(kind, 0) + times

    def _take_tamper(self, kind: str) -> bool:
        with self.lock:
            left = self._tamper.get(kind, 0)
            if left:
                self._tamper[kind] = left - 1
            return bool(left)

    def order(self, merchant_id: str, request_id: str) -> SandboxOrder | None:
        with self.lock:
            return self.orders.get((merchant_id, request_id))

    def callback_body(self, merchant_id: str, request_id: str) -> dict[str, Any]:
        """The signed result notification for an order, as it is POSTed to notify_url."""
        with self.lock:
            found = self.orders[(merchant_id, request_id)]
            return self._callback(found)

    def finish_pending(self, merchant_id: str, request_id: str) -> None:
        """Settle a pending order now (the demo moves it on without waiting for polls)."""
        with self.lock:
            found = self.orders[(merchant_id, request_id)]
            found.polls_left = 0
            self._advance(found)

    def add_statement_line(self, merchant_id: str, day: str, **line: str) -> None:
        """A line in the provider's statement with no order behind it (a MISSING item)."""
        with self.lock:
            self.statement_extra.setdefault((merchant_id, day), []).append(line)

    def set_amount(self, merchant_id: str, request_id: str, amount: str) -> None:
        """Make the provider's record of an order disagree with ours (a MISMATCHED item)."""
        with self.lock:
            self.orders[(merchant_id, request_id)].amount = amount

    # --- protocol -----------------------------------------------------------------------

    def handle_post(self, path: str, payload: Any) -> tuple[int, dict[str, Any], float]:
        if path == "/control/outcome":
            if not isinstance(payload, dict) or payload.get("outcome") not in OUTCOMES:
                return 400, {"code": "INVALID", "reason": "outcome?"}, 0.0
            self.force_outcome(str(payload["outcome"]), times=int(payload.get("times") or 1))
            return 200, {"code": "OK"}, 0.0
        gateway, path = self._gateway_of(path)
        if gateway is None:
            return 404, {"code": "NOT_FOUND", "reason": "no such gateway"}, 0.0
        sign = gateway.signature
        if not isinstance(payload, dict):
            return 400, signed({"code": "INVALID", "reason": "请求体须为JSON对象"}, sign), 0.0
        merchant_id = str(payload.get("merchant_id") or "")
        if merchant_id != gateway.merchant_id:
            return 200, signed({"code": "INVALID_MERCHANT", "reason": "商户号不存在"}, sign), 0.0
        if not verify(payload, sign):
            return 200, signed({"code": "INVALID_SIGN", "reason": "签名错误"}, sign), 0.0
        routes = {
            "/api/order/submit": self._submit,
            "/api/order/query": self._query,
            "/api/order/refund": self._refund,
            "/api/ticket/search": self._ticket_search,
            "/api/ticket/hold": self._ticket_hold,
            "/api/ticket/issue": self._ticket_issue,
            "/api/ticket/refund": self._ticket_refund,
            "/api/ticket/release": self._ticket_release,
        }
        route = routes.get(path)
        if route is None:
            return 404, {"code": "NOT_FOUND", "reason": "no such API"}, 0.0
        try:
            answer, delay = route(merchant_id, payload)
        except (KeyError, ValueError, TypeError, ArithmeticError) as exc:
            answer, delay = {"code": "INVALID", "reason": f"参数错误: {exc}"}, 0.0
        answer = signed({"merchant_id": merchant_id, **answer}, sign)
        if self._take_tamper("answer"):
            answer = _altered(answer)
        return 200, answer, delay

    def _gateway_of(self, path: str) -> tuple[SandboxGateway | None, str]:
        """(gateway, the path inside it) for `/gw/<code>/rest`."""
        if not path.startswith(GATEWAY_PREFIX):
            return None, path
        code, _, rest = path[len(GATEWAY_PREFIX) :].partition("/")
        return self.gateways.get(code), "/" + rest

    def _pick_outcome(self, account: str) -> str:
        forced = self._forced.get("*")
        if forced:
            return forced.pop(0)
        return _BY_SUFFIX.get(account[-4:], "success")

    def _submit(self, merchant_id: str, payload: dict[str, Any]) -> tuple[dict[str, Any], float]:
        request_id = str(payload["request_id"])
        Decimal(str(payload["amount"]))
        with self.lock:
            existing = self.orders.get((merchant_id, request_id))
            if existing is not None:
                return dict(existing.answer), 0.0
            outcome = self._pick_outcome(str(payload.get("account") or ""))
            if outcome == "lost":
                return {}, self.timeout_delay
            number = f"P{datetime.now(CHINA):%Y%m%d}{next(self._numbers):08d}"
            order = SandboxOrder(
                merchant_id=merchant_id,
                request_id=request_id,
                item_code=str(payload.get("item_code") or ""),
                account=str(payload.get("account") or ""),
                amount=str(payload["amount"]),
                outcome=outcome,
                provider_order_no=number,
                status="PROCESSING",
                notify_url=str(payload.get("notify_url") or ""),
            )
            if outcome == "reject":
                order.status, order.reason = "REJECTED", "户号不存在或已销户"
                order.answer = {
                    "code": "REJECTED",
                    "request_id": request_id,
                    "reason": order.reason,
                }
            else:
                if outcome in ("success", "timeout"):
                    self._finish(order, "SUCCESS")
                elif outcome == "pending":
                    order.polls_left = self.pending_polls
                order.answer = {
                    "code": "ACCEPTED",
                    "request_id": request_id,
                    "provider_order_no": number,
                    "status": order.status,
                }
            self.orders[(merchant_id, request_id)] = order
            if outcome == "fail":
                self._schedule(lambda: self._settle(order, "FAILED", "充值失败：运营商系统繁忙"))
            elif outcome in ("success", "timeout"):
                self._schedule(lambda: self._deliver(order))
            return dict(order.answer), self.timeout_delay if outcome == "timeout" else 0.0

    def _finish(self, order: SandboxOrder, status: str, reason: str = "") -> None:
        order.status, order.reason = status, reason
        order.finished_at = datetime.now(CHINA).isoformat(timespec="seconds")

    def _settle(self, order: SandboxOrder, status: str, reason: str = "") -> None:
        with self.lock:
            if order.status == "PROCESSING":
                self._finish(order, status, reason)
        self._deliver(order)

    def _advance(self, order: SandboxOrder) -> None:
        """A pending order moves on by one poll (lock held); the last poll settles it."""
        if order.status != "PROCESSING":
            return
        if order.outcome == "fail":
            self._finish(order, "FAILED", "充值失败：运营商系统繁忙")
            return
        if order.outcome != "pending":
            return
        if order.polls_left > 0:
            order.polls_left -= 1
            return
        self._finish(order, "SUCCESS")
        self._schedule(lambda: self._deliver(order))

    def _schedule(self, action: Any) -> None:
        if not self.auto_callback:
            return
        timer = threading.Timer(self.callback_delay, action)
        timer.daemon = True
        timer.start()

    def _callback(self, order: SandboxOrder) -> dict[str, Any]:
        return signed(
            {
                "merchant_id": order.merchant_id,
                "request_id": order.request_id,
                "provider_order_no": order.provider_order_no,
                "status": order.status,
                "amount": order.amount,
                "reason": order.reason,
                "finished_at": order.finished_at,
            },
            self.merchants[order.merchant_id].signature,
        )

    def _deliver(self, order: SandboxOrder) -> tuple[int, str] | None:
        """POST the order's signed result to its notify_url: (HTTP status, body) of the
        answer, or None when there is nothing to send or no one answered."""
        with self.lock:
            if order.status not in ("SUCCESS", "FAILED") or not order.notify_url:
                return None
            body = self._callback(order)
        if self._take_tamper("callback"):
            body = _altered(body)
        with self.lock:
            self.callbacks.append((order.notify_url, body))
        request = urllib.request.Request(
            order.notify_url,
            data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as refused:
            return refused.code, refused.read().decode("utf-8", "replace")
        except (OSError, urllib.error.URLError):
            # Our endpoint was down: the query and the statement still tell the outcome.
            return None

    def deliver_callback(self, merchant_id: str, request_id: str) -> tuple[int, str] | None:
        """Send a settled order's notification now, as the timer would (tests and the demo
        run without automatic callbacks), and say how our endpoint answered."""
        with self.lock:
            found = self.orders[(merchant_id, request_id)]
        return self._deliver(found)

    def _query(self, merchant_id: str, payload: dict[str, Any]) -> tuple[dict[str, Any], float]:
        request_id = str(payload["request_id"])
        with self.lock:
            order = self.orders.get((merchant_id, request_id))
            if order is None:
                return {"code": "OK", "request_id": request_id, "status": "NOT_FOUND"}, 0.0
            self._advance(order)
            return {
                "code": "OK",
                "request_id": request_id,
                "provider_order_no": order.provider_order_no,
                "status": order.status,
                "amount": order.amount,
                "reason": order.reason,
            }, 0.0

    def _refund(self, merchant_id: str, payload: dict[str, Any]) -> tuple[dict[str, Any], float]:
        request_id = str(payload["request_id"])
        with self.lock:
            order = self.orders.get((merchant_id, request_id))
            if order is None or order.status not in ("SUCCESS", "REFUNDED"):
                return {"code": "REJECTED", "request_id": request_id, "reason": "订单不可退"}, 0.0
            order.status = "REFUNDED"
            return {"code": "OK", "request_id": request_id, "status": "REFUNDED"}, 0.0

    # --- statements ---------------------------------------------------------------------

    def handle_get(self, path: str, query: dict[str, str]) -> tuple[int, str, bytes]:
        if path == "/":
            text = "Agency sandbox (代缴费聚合平台沙箱). Gateways: " + ", ".join(
                f"{GATEWAY_PREFIX}{g.code}/ ({g.merchant_id}, {g.signature.sign_type})"
                for g in self.gateways.values()
            )
            return 200, "text/plain; charset=utf-8", text.encode("utf-8")
        gateway, path = self._gateway_of(path)
        if gateway is None or path != "/api/statement":
            return 404, "text/plain", b"not found"
        merchant_id = query.get("merchant_id", "")
        if merchant_id != gateway.merchant_id or not verify(query, gateway.signature):
            return 403, "text/plain", b"INVALID_SIGN"
        text = self.statement(merchant_id, query["date"])
        if self._take_tamper("statement"):
            body, _, trailer = text.rpartition("#sign=")
            text = f"{body}forged-{query['date']},P0,x,x,9999.00,SUCCESS,\n#sign={trailer}"
        return 200, "text/csv; charset=utf-8", text.encode("utf-8")

    def statement(self, merchant_id: str, day: str) -> str:
        with self.lock:
            lines = [STATEMENT_HEADER]
            for order in self.orders.values():
                if order.merchant_id != merchant_id or not order.finished_at:
                    continue
                if order.status not in ("SUCCESS", "REFUNDED"):
                    continue
                if order.finished_at[:10].replace("-", "") != day:
                    continue
                lines.append(
                    ",".join(
                        [
                            order.request_id,
                            order.provider_order_no,
                            order.item_code,
                            order.account,
                            order.amount,
                            order.status,
                            order.finished_at,
                        ]
                    )
                )
            for extra in self.statement_extra.get((merchant_id, day), []):
                lines.append(
                    ",".join(extra.get(column, "") for column in STATEMENT_HEADER.split(","))
                )
            body = "\n".join(lines) + "\n"
            return statement_signed(body, self.merchants[merchant_id].signature)

    # --- tickets ------------------------------------------------------------------------

    def _ticket_search(
        self, merchant_id: str, payload: dict[str, Any]
    ) -> tuple[dict[str, Any], float]:
        mode = str(payload["mode"])
        origin, destination = str(payload["origin"]), str(payload["destination"])
        day = date.fromisoformat(str(payload["date"]))
        trips = []
        seed = int(hashlib.sha256(f"{origin}{destination}".encode()).hexdigest()[:6], 16)
        with self.lock:
            for index, (hhmm, seat_class) in enumerate(_SCHEDULE.get(mode, ())):
                hour, minute = (int(part) for part in hhmm.split(":"))
                departure = datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA)
                trip_id = f"{mode.upper()}{day:%Y%m%d}{seed % 1000:03d}{index}"
                trip = self.trips.get(trip_id)
                if trip is None:
                    price = Decimal(_BASE_PRICE.get(mode, 50) + seed % 40 + index * 5)
                    trip = SandboxTrip(
                        trip_id, mode, origin, destination, departure, seat_class,
                        price.quantize(Decimal("0.01")), self.seats_per_trip,
                    )  # fmt: skip
                    self.trips[trip_id] = trip
                trips.append(trip.as_json())
        return {"code": "OK", "trips": trips}, 0.0

    def _ticket_hold(
        self, merchant_id: str, payload: dict[str, Any]
    ) -> tuple[dict[str, Any], float]:
        request_id = str(payload["request_id"])
        with self.lock:
            for hold in self.holds.values():
                if hold.request_id == request_id:
                    return self._hold_answer(hold), 0.0
            trip = self.trips.get(str(payload["trip_id"]))
            if trip is None:
                return {"code": "REJECTED", "reason": "车次不存在，请重新查询"}, 0.0
            if trip.departure_at <= datetime.now(CHINA):
                return {"code": "REJECTED", "reason": "DEPARTED", "detail": "已发车"}, 0.0
            if trip.seats_left <= 0:
                return {"code": "REJECTED", "reason": "NO_SEATS", "detail": "余票不足"}, 0.0
            trip.seats_left -= 1
            hold = SandboxHold(
                booking_no=f"B{next(self._numbers):010d}",
                trip_id=trip.trip_id,
                request_id=request_id,
                passenger_name=str(payload["passenger_name"]),
            )
            self.holds[hold.booking_no] = hold
            return self._hold_answer(hold), 0.0

    def _hold_answer(self, hold: SandboxHold) -> dict[str, Any]:
        expires = datetime.now(CHINA) + timedelta(minutes=30)
        return {
            "code": "OK",
            "booking_no": hold.booking_no,
            "status": hold.status,
            "trip": self.trips[hold.trip_id].as_json(),
            "expires_at": expires.isoformat(timespec="seconds"),
        }

    def _ticket_issue(
        self, merchant_id: str, payload: dict[str, Any]
    ) -> tuple[dict[str, Any], float]:
        with self.lock:
            hold = self.holds.get(str(payload["booking_no"]))
            if hold is None:
                return {"code": "REJECTED", "reason": "订单不存在"}, 0.0
            if hold.status == "HELD":
                hold.status, hold.ticket_no = "ISSUED", f"E{next(self._numbers):012d}"
                trip = self.trips[hold.trip_id]
                order = SandboxOrder(
                    merchant_id=merchant_id,
                    request_id=str(payload.get("request_id") or hold.request_id),
                    item_code=trip.mode,
                    account=hold.booking_no,
                    amount=str(trip.price),
                    outcome="success",
                    provider_order_no=hold.ticket_no,
                    status="PROCESSING",
                )
                self._finish(order, "SUCCESS")
                self.orders[(merchant_id, order.request_id)] = order
            if hold.status != "ISSUED":
                return {"code": "REJECTED", "reason": f"订单状态 {hold.status}"}, 0.0
            return {
                "code": "ACCEPTED",
                "status": "SUCCESS",
                "provider_order_no": hold.ticket_no,
                "booking_no": hold.booking_no,
            }, 0.0

    def _ticket_release(
        self, merchant_id: str, payload: dict[str, Any]
    ) -> tuple[dict[str, Any], float]:
        with self.lock:
            self.release_calls += 1
            hold = self.holds.get(str(payload["booking_no"]))
            if hold is None:
                return {"code": "OK", "status": "NOT_FOUND"}, 0.0
            if hold.status == "HELD":
                hold.status = "RELEASED"
                self.trips[hold.trip_id].seats_left += 1
            if hold.status != "RELEASED":
                return {"code": "REJECTED", "reason": hold.status, "detail": "已出票"}, 0.0
            return {"code": "OK", "status": "RELEASED", "booking_no": hold.booking_no}, 0.0

    def _ticket_refund(
        self, merchant_id: str, payload: dict[str, Any]
    ) -> tuple[dict[str, Any], float]:
        with self.lock:
            hold = self.holds.get(str(payload["booking_no"]))
            if hold is None or hold.status != "ISSUED":
                return {"code": "REJECTED", "reason": "票不存在或未出票"}, 0.0
            trip = self.trips[hold.trip_id]
            left = trip.departure_at - datetime.now(CHINA)
            if left <= timedelta(0):
                return {"code": "REJECTED", "reason": "已发车，不可退票"}, 0.0
            rate = Decimal("0.05") if left >= timedelta(hours=48) else (
                Decimal("0.10") if left >= timedelta(hours=24) else Decimal("0.20")
            )  # fmt: skip
            fee = (trip.price * rate).quantize(Decimal("0.01"))
            hold.status = "REFUNDED"
            trip.seats_left += 1
            for order in self.orders.values():
                if order.merchant_id == merchant_id and order.account == hold.booking_no:
                    order.status = "REFUNDED"
            return {
                "code": "OK",
                "booking_no": hold.booking_no,
                "refund_fee": str(fee),
                "refund_amount": str(trip.price - fee),
            }, 0.0


def _altered(body: dict[str, Any]) -> dict[str, Any]:
    """A signed body changed the way a forger would: a failure turned into a success."""
    status = body.get("status")
    return {**body, "status": "FAILED" if status == "SUCCESS" else "SUCCESS"}


__all__ = ["OUTCOMES", "STATEMENT_HEADER", "AgencySandbox", "SandboxGateway"]
