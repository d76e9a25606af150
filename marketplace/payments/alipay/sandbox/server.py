"""`AlipaySandbox`: a local HTTP service speaking Alipay's open-API gateway protocol.

In: requests to `/gateway.do` signed RSA2 with the app's key (GET or form POST, as the
SDKs send them) for page and WAP pay, precreate, query, refund, fastpay refund query and
close. Out: signed JSON envelopes `{"<method>_response": {...}, "sign": "..."}` (signed with
the sandbox's own key, standing in for Alipay's), a bilingual cashier page, signed async
notifications POSTed to notify_url, and the signed redirect to return_url.

Runs on the standard library only (no Django), in a background thread for tests
(`start()`/`stop()`, or as a context manager) or in the foreground for the demo
(`serve_forever()`, what `ruralmart alipay_sandbox` runs). Test hooks act directly on the
sandbox object, not over HTTP: pay, replay or tamper with notifications, inject errors and
read trade state.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from marketplace.payments.alipay import keys
from marketplace.payments.alipay.protocol import (
    SUCCESS_CODE,
    TIME_FORMAT,
    Method,
    TradeState,
    format_time,
    now_in_china,
    response_key,
)
from marketplace.payments.alipay.sandbox import bills, face_to_face, pages
from marketplace.payments.alipay.sandbox.notifier import DeliveryAttempt, Notifier
from marketplace.payments.alipay.sandbox.trades import (
    INVALID_ARGUMENTS,
    MISSING_ARGUMENTS,
    BizError,
    SandboxTrade,
    TradeBook,
    as_text,
)
from marketplace.payments.alipay.sandbox.transfers import TRANSFER_METHODS, TransferBook
from marketplace.payments.alipay.signing import Rsa2Signer, Rsa2Verifier

logger = logging.getLogger("ruralmart.payments.alipay.sandbox")

DEFAULT_SELLER_ID = "2088000000000001"
DEFAULT_RETRY_DELAYS = (2.0, 10.0, 30.0, 120.0)
STATE_FILE_NAME = "sandbox_trades.json"
PAY_METHODS = (Method.PAGE_PAY, Method.WAP_PAY)
API_METHODS = (
    Method.PRECREATE,
    Method.QUERY,
    Method.REFUND,
    Method.REFUND_QUERY,
    Method.CLOSE,
    *TRANSFER_METHODS,
    bills.BILL_DOWNLOAD_METHOD,
    *face_to_face.METHODS,
)
MAX_BODY_BYTES = 1_000_000


@dataclass(frozen=True)
class ReceivedRequest:
    """A gateway call as the sandbox saw it, and whether its signature checked out."""

    method: str
    params: Mapping[str, str]
    accepted: bool


@dataclass
class _Reply:
    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


class SandboxRejected(Exception):
    """A hook was asked to act on a request the gateway would refuse."""

    def __init__(self, error: BizError) -> None:
        self.error = error
        super().__init__(str(error))


class AlipaySandbox:
    def __init__(
        self,
        *,
        data_dir: Path,
        app_id: str,
        seller_id: str = DEFAULT_SELLER_ID,
        app_public_key_pem: str | None = None,
        host: str = "127.0.0.1",
        port: int = 8001,
        public_url: str | None = None,
        persist: bool = False,
        notify_retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        notify_on_refund: bool = True,
        notify_on_close: bool = True,
    ) -> None:
        """`data_dir` holds the key pairs (`$RURALMART_DATA_DIR/alipay/` in the demo). The
        app's public key is `app_public_key_pem` or, by default, the app pair there."""
        self.data_dir = Path(data_dir)
        self.app_id = app_id
        self.seller_id = seller_id
        own = keys.ensure_key_pair(self.data_dir, keys.SANDBOX_KEY_NAME)
        self.public_key_pem = own.public_key_pem
        self._signer = Rsa2Signer(own.private_key_pem)
        app_public = (
            app_public_key_pem
            or keys.ensure_key_pair(self.data_dir, keys.APP_KEY_NAME).public_key_pem
        )
        self._app_verifier = Rsa2Verifier(keys.normalise_pem(app_public, private=False))
        self.book = TradeBook(self.data_dir / STATE_FILE_NAME if persist else None)
        self.transfers = TransferBook()
        self.face_to_face = face_to_face.FaceToFace(self.book)
        self.notifier = Notifier(notify_retry_delays)
        self.notify_on_refund = notify_on_refund
        self.notify_on_close = notify_on_close
        self._host, self._port = host, port
        self._public_url = public_url.rstrip("/") if public_url else None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._received: deque[ReceivedRequest] = deque(maxlen=1000)
        self._injected: dict[str, list[BizError]] = {}

    # --- running ------------------------------------------------------------------------

    def bind(self) -> AlipaySandbox:
        if self._server is None:
            self._server = _Server((self._host, self._port), _Handler)
            self._server.sandbox = self
            self._port = self._server.server_address[1]
        return self

    def start(self) -> AlipaySandbox:
        """Serve in a daemon thread (port 0 picks a free port; see `url`)."""
        server = self.bind()._server
        assert server is not None
        # A short poll interval keeps stop() quick (shutdown waits for the next poll).
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="alipay-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        server = self.bind()._server
        assert server is not None
        try:
            server.serve_forever()
        finally:
            self.stop()

    def stop(self) -> None:
        self.notifier.stop()
        server, self._server = self._server, None
        if server is not None:
            if self._thread is not None:
                server.shutdown()
                self._thread.join(timeout=5)
                self._thread = None
            server.server_close()

    def __enter__(self) -> AlipaySandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Where browsers reach the sandbox (QR codes and pay pages point here)."""
        return self._public_url or f"http://{self._host}:{self._port}"

    @property
    def gateway_url(self) -> str:
        return f"{self.url}/gateway.do"

    # --- test hooks ---------------------------------------------------------------------

    def trade(self, out_trade_no: str) -> SandboxTrade | None:
        """A copy of the trade as the sandbox holds it (None if never seen)."""
        return self.book.snapshot(out_trade_no)

    def trades(self) -> list[SandboxTrade]:
        return self.book.all()

    @property
    def received(self) -> list[ReceivedRequest]:
        with self._lock:
            return list(self._received)

    @property
    def deliveries(self) -> list[DeliveryAttempt]:
        return self.notifier.attempts

    def open_pay_url(self, url: str) -> str:
        """Act as the buyer's browser opening a page/WAP pay URL; returns out_trade_no."""
        params = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
        try:
            method, biz = self._accept(params, allowed=PAY_METHODS)
            trade = self._open_pay_trade(method, params, biz, visible=True)
        except BizError as exc:
            raise SandboxRejected(exc) from exc
        return trade.out_trade_no

    def scan(self, qr_code: str) -> str:
        """Act as the buyer's phone scanning a precreate QR code; returns out_trade_no."""
        token = urlsplit(qr_code).path.rstrip("/").rsplit("/", 1)[-1]
        out_trade_no = self.book.out_trade_no_for_token(token)
        if out_trade_no is None:
            raise KeyError(qr_code)
        return self.book.reveal(out_trade_no).out_trade_no

    def pay(self, out_trade_no: str, *, deliver: bool = True) -> dict[str, str]:
        """The buyer pays: TRADE_SUCCESS, and the signed notification (returned) is posted
        to the trade's notify_url unless `deliver` is False."""
        try:
            trade = self.book.pay(out_trade_no)
        except BizError as exc:
            raise SandboxRejected(exc) from exc
        return self._notify(trade, deliver=deliver, wait=True)

    def finish(self, out_trade_no: str, *, deliver: bool = True) -> dict[str, str]:
        """The refund window ends: TRADE_FINISHED, notified like Alipay does."""
        try:
            trade = self.book.finish(out_trade_no)
        except BizError as exc:
            raise SandboxRejected(exc) from exc
        return self._notify(trade, deliver=deliver, wait=True)

    def last_notification(self, out_trade_no: str) -> dict[str, str] | None:
        trade = self.book.snapshot(out_trade_no)
        return dict(trade.last_notification) if trade and trade.last_notification else None

    def build_notification(
        self,
        out_trade_no: str,
        *,
        changes: Mapping[str, str] | None = None,
        private_key_pem: str | None = None,
    ) -> dict[str, str]:
        """A fresh notification for the trade's current state with `changes` applied, then
        signed: by the sandbox, or with `private_key_pem` to forge one. Not sent."""
        trade = self.book.snapshot(out_trade_no)
        if trade is None:
            raise KeyError(out_trade_no)
        params = {**self._notification_fields(trade), **(changes or {})}
        signer = Rsa2Signer(private_key_pem) if private_key_pem else self._signer
        return signer.sign_params(params)

    def tampered_notification(self, out_trade_no: str, /, **changes: str) -> dict[str, str]:
        """The last notification with `changes` applied after signing (so the signature no
        longer matches), e.g. `total_amount="0.01"`."""
        params = self.last_notification(out_trade_no) or self.build_notification(out_trade_no)
        return {**params, **changes}

    def send(self, out_trade_no: str, params: Mapping[str, str]) -> DeliveryAttempt:
        """POST `params` once to the trade's notify_url, no retries."""
        trade = self.book.snapshot(out_trade_no)
        if trade is None or not trade.notify_url:
            raise KeyError(f"{out_trade_no}: unknown trade or no notify_url")
        attempt = self.notifier.deliver(trade.notify_url, params, retry=False, wait=True)
        assert attempt is not None
        return attempt

    def replay_notification(self, out_trade_no: str) -> DeliveryAttempt:
        """Send the last notification again, byte for byte (same notify_id and sign)."""
        params = self.last_notification(out_trade_no)
        if params is None:
            raise KeyError(f"{out_trade_no}: nothing notified yet")
        return self.send(out_trade_no, params)

    def send_tampered_notification(self, out_trade_no: str, /, **changes: str) -> DeliveryAttempt:
        return self.send(out_trade_no, self.tampered_notification(out_trade_no, **changes))

    def inject_error(
        self,
        method: str,
        *,
        code: str = "20000",
        sub_code: str = "ACQ.SYSTEM_ERROR",
        sub_msg: str = "系统繁忙 / system busy",
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` answer this (signed) error instead."""
        with self._lock:
            self._injected.setdefault(str(method), []).extend(
                BizError(sub_code, sub_msg, code=code) for _ in range(times)
            )

    def wait_for_deliveries(self, timeout: float = 10.0) -> bool:
        return self.notifier.wait_idle(timeout)

    # --- the gateway --------------------------------------------------------------------

    def handle(self, http_method: str, path: str, params: dict[str, str]) -> _Reply:
        route = urlsplit(path).path.rstrip("/") or "/"
        if route == "/gateway.do":
            return self._gateway(params)
        if route.startswith(("/pay/", "/qr/")):
            token = route.rsplit("/", 1)[-1]
            return self._cashier(token, confirm=http_method == "POST")
        if route == "/" and http_method == "GET":
            return _html(
                HTTPStatus.OK, pages.index_page(self.trades(), gateway_url=self.gateway_url)
            )
        if route == bills.BILL_ROUTE and http_method == "GET":
            status, body, content_type = bills.serve(
                path=path, app_id=self.app_id, trades=self.book.all()
            )
            return _Reply(status, body, content_type)
        if route == "/sandbox_public_key.pem" and http_method == "GET":
            return _Reply(HTTPStatus.OK, self.public_key_pem.encode(), "text/plain")
        return _Reply(HTTPStatus.NOT_FOUND, b"not found", "text/plain")

    def _gateway(self, params: dict[str, str]) -> _Reply:
        method = params.get("method", "")
        if method in PAY_METHODS:
            try:
                _, biz = self._accept(params, allowed=PAY_METHODS)
                trade = self._open_pay_trade(method, params, biz, visible=True)
            except BizError as exc:
                return _html(
                    HTTPStatus.BAD_REQUEST, pages.error_page(exc.code, exc.sub_code, exc.sub_msg)
                )
            # Like Alipay, hand the browser on to a cashier URL of its own.
            return _Reply(HTTPStatus.FOUND, headers={"Location": f"{self.url}/pay/{trade.token}"})
        if method not in API_METHODS:
            sub = "isv.missing-method" if not method else "isv.invalid-method"
            error = BizError(sub, f"不存在的方法名 / unknown method {method!r}", code="40002")
            return self._signed_json("error_response", error.body())
        try:
            _, biz = self._accept(params, allowed=API_METHODS)
            with self._lock:
                pending = self._injected.get(method)
                injected = pending.pop(0) if pending else None
            if injected is not None:
                raise injected
            body = self._api(method, params, biz)
        except BizError as exc:
            body = exc.body()
        return self._signed_json(response_key(method), body)

    def _accept(
        self, params: Mapping[str, str], *, allowed: Sequence[str]
    ) -> tuple[str, dict[str, Any]]:
        """Check the common parameters and the app's signature; returns (method, biz)."""
        method = params.get("method", "")
        accepted = False
        try:
            if method not in allowed:
                raise BizError("isv.invalid-method", f"unknown method {method!r}", code="40002")
            if not params.get("app_id"):
                raise BizError("isv.missing-app-id", "缺少 app_id", code=MISSING_ARGUMENTS)
            if params["app_id"] != self.app_id:
                raise BizError("isv.invalid-app-id", "无效的AppID参数", code=INVALID_ARGUMENTS)
            if not params.get("sign"):
                raise BizError("isv.missing-signature", "缺少签名参数", code=MISSING_ARGUMENTS)
            if params.get("sign_type") != "RSA2":
                raise BizError(
                    "isv.invalid-signature-type", "签名类型须为 RSA2", code=INVALID_ARGUMENTS
                )
            if not self._app_verifier.verify_params(params, request=True):
                raise BizError(
                    "isv.invalid-signature",
                    "验签出错，签名与请求内容不符 / signature does not match",
                    code=INVALID_ARGUMENTS,
                )
            if (params.get("charset") or "utf-8").lower() != "utf-8":
                raise BizError("isv.invalid-charset", "只支持 utf-8", code=INVALID_ARGUMENTS)
            if not _is_timestamp(params.get("timestamp", "")):
                raise BizError("isv.invalid-timestamp", "非法的时间戳参数", code=INVALID_ARGUMENTS)
            try:
                biz = json.loads(params.get("biz_content") or "{}")
            except ValueError:
                biz = None
            if not isinstance(biz, dict):
                raise BizError(
                    "isv.invalid-parameter", "biz_content 不是 JSON 对象", code=INVALID_ARGUMENTS
                )
            accepted = True
            return method, biz
        finally:
            with self._lock:
                self._received.append(ReceivedRequest(method, dict(params), accepted))

    def _open_pay_trade(
        self, method: str, params: Mapping[str, str], biz: dict[str, Any], *, visible: bool
    ) -> SandboxTrade:
        return self.book.open_for_payment(
            app_id=params["app_id"],
            method=method,
            biz=biz,
            notify_url=params.get("notify_url", ""),
            return_url=params.get("return_url", ""),
            visible=visible,
        )

    def _api(self, method: str, params: Mapping[str, str], biz: dict[str, Any]) -> dict[str, str]:
        if method in TRANSFER_METHODS:
            return self.transfers.handle(method, biz)
        if method in face_to_face.METHODS:
            return self.face_to_face.handle(method, params, biz)
        out_trade_no = str(biz.get("out_trade_no") or "")
        if method == bills.BILL_DOWNLOAD_METHOD:
            return bills.download_url(base_url=self.url, app_id=self.app_id, biz=biz)
        if method == Method.PRECREATE:
            trade = self._open_pay_trade(method, params, biz, visible=False)
            return _ok(out_trade_no=trade.out_trade_no, qr_code=self._qr_code(trade))
        if not out_trade_no:
            raise BizError("isv.missing-parameter", "缺少 out_trade_no", code=MISSING_ARGUMENTS)
        if method == Method.QUERY:
            return _ok(**_query_fields(self.book.visible_trade(out_trade_no)))
        if method == Method.REFUND:
            trade, refund, fund_change = self.book.refund(
                out_trade_no=out_trade_no,
                out_request_no=str(biz.get("out_request_no") or out_trade_no),
                amount_text=as_text(biz.get("refund_amount")),
                reason=str(biz.get("refund_reason") or ""),
            )
            if fund_change and self.notify_on_refund:
                self._notify(
                    trade,
                    deliver=True,
                    wait=False,
                    extra={
                        "refund_fee": str(trade.refunded_total),
                        "out_biz_no": refund.out_request_no,
                        "gmt_refund": refund.gmt_refund_pay,
                    },
                )
            return _ok(
                trade_no=trade.trade_no,
                out_trade_no=trade.out_trade_no,
                buyer_logon_id=trade.buyer_logon_id,
                buyer_user_id=trade.buyer_id,
                fund_change="Y" if fund_change else "N",
                refund_fee=str(trade.refunded_total),
                send_back_fee=str(refund.refund_amount) if fund_change else "0.00",
                gmt_refund_pay=refund.gmt_refund_pay,
            )
        if method == Method.REFUND_QUERY:
            trade = self.book.visible_trade(out_trade_no)
            out_request_no = str(biz.get("out_request_no") or "")
            found = trade.refunds.get(out_request_no)
            if found is None:
                return _ok(out_trade_no=trade.out_trade_no, out_request_no=out_request_no)
            return _ok(
                trade_no=trade.trade_no,
                out_trade_no=trade.out_trade_no,
                out_request_no=out_request_no,
                total_amount=str(trade.total_amount),
                refund_amount=str(found.refund_amount),
                refund_status="REFUND_SUCCESS",
                gmt_refund_pay=found.gmt_refund_pay,
            )
        if method == Method.CLOSE:
            trade, changed = self.book.close(out_trade_no)
            if changed and trade.visible and self.notify_on_close:
                self._notify(trade, deliver=True, wait=False)
            return _ok(trade_no=trade.trade_no, out_trade_no=trade.out_trade_no)
        raise BizError("isv.invalid-method", method, code=INVALID_ARGUMENTS)

    def _cashier(self, token: str, *, confirm: bool) -> _Reply:
        out_trade_no = self.book.out_trade_no_for_token(token)
        if out_trade_no is None:
            return _html(
                HTTPStatus.NOT_FOUND,
                pages.error_page("40004", "ACQ.TRADE_NOT_EXIST", "交易不存在 / no such trade"),
            )
        try:
            if not confirm:
                trade = self.book.reveal(out_trade_no)
                if trade.status is not TradeState.WAIT_BUYER_PAY:
                    raise BizError(
                        "ACQ.TRADE_STATUS_ERROR", f"交易状态 / trade is {trade.status.value}"
                    )
                return _html(HTTPStatus.OK, pages.pay_page(trade, confirm_path=f"/pay/{token}"))
            trade = self.book.pay(out_trade_no)
        except BizError as exc:
            return _html(
                HTTPStatus.BAD_REQUEST, pages.error_page(exc.code, exc.sub_code, exc.sub_msg)
            )
        # Notify first (one attempt now, retries later) so that by the time the browser is
        # back on the shop's return page, the shop usually knows it has been paid.
        self._notify(trade, deliver=True, wait=True)
        if not trade.return_url:
            return _html(HTTPStatus.OK, pages.done_page(trade))
        separator = "&" if "?" in trade.return_url else "?"
        location = f"{trade.return_url}{separator}{urlencode(self._return_params(trade))}"
        return _Reply(HTTPStatus.FOUND, headers={"Location": location})

    # --- what the sandbox sends ---------------------------------------------------------

    def _notify(
        self,
        trade: SandboxTrade,
        *,
        deliver: bool,
        wait: bool,
        extra: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        params = self._signer.sign_params({**self._notification_fields(trade), **(extra or {})})
        self.book.remember_notification(trade.out_trade_no, params)
        if deliver and trade.notify_url:
            self.notifier.deliver(trade.notify_url, params, retry=True, wait=wait)
        return params

    def _notification_fields(self, trade: SandboxTrade) -> dict[str, str]:
        paid = trade.was_paid
        amount = str(trade.total_amount)
        fields = {
            "notify_time": format_time(now_in_china()),
            "notify_type": "trade_status_sync",
            "notify_id": uuid.uuid4().hex,
            "charset": "utf-8",
            "version": "1.0",
            "app_id": trade.app_id,
            "auth_app_id": trade.app_id,
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "seller_id": self.seller_id,
            "trade_status": trade.status.value,
            "total_amount": amount,
            "subject": trade.subject,
            "gmt_create": trade.gmt_create,
        }
        if paid:
            fields.update(
                buyer_id=trade.buyer_id,
                buyer_logon_id=trade.buyer_logon_id,
                receipt_amount=amount,
                invoice_amount=amount,
                buyer_pay_amount=amount,
                point_amount="0.00",
                gmt_payment=trade.gmt_payment,
                fund_bill_list=json.dumps(
                    [{"amount": amount, "fundChannel": "ALIPAYACCOUNT"}], separators=(",", ":")
                ),
            )
        if trade.refunds:
            fields["refund_fee"] = str(trade.refunded_total)
        if trade.gmt_close:
            fields["gmt_close"] = trade.gmt_close
        return fields

    def _return_params(self, trade: SandboxTrade) -> dict[str, str]:
        return self._signer.sign_params(
            {
                "charset": "utf-8",
                "method": f"{trade.source_method}.return",
                "out_trade_no": trade.out_trade_no,
                "trade_no": trade.trade_no,
                "total_amount": str(trade.total_amount),
                "app_id": trade.app_id,
                "auth_app_id": trade.app_id,
                "seller_id": self.seller_id,
                "version": "1.0",
                "timestamp": format_time(now_in_china()),
            }
        )

    def _qr_code(self, trade: SandboxTrade) -> str:
        return f"{self.url}/qr/{trade.token}"

    def _signed_json(self, key: str, body: dict[str, str]) -> _Reply:
        # Alipay signs the exact text of the inner object, so build the envelope by hand
        # around the very bytes that were signed.
        inner = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        envelope = f'{{"{key}":{inner},"sign":"{self._signer.sign(inner)}"}}'
        return _Reply(HTTPStatus.OK, envelope.encode("utf-8"), "text/html;charset=utf-8")


def _ok(**fields: str) -> dict[str, str]:
    return {"code": SUCCESS_CODE, "msg": "Success", **{k: v for k, v in fields.items() if v}}


def _query_fields(trade: SandboxTrade) -> dict[str, str]:
    paid = trade.was_paid
    amount = str(trade.total_amount)
    return {
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "trade_status": trade.status.value,
        "total_amount": amount,
        "buyer_logon_id": trade.buyer_logon_id,
        "buyer_user_id": trade.buyer_id,
        "buyer_pay_amount": amount if paid else "0.00",
        "receipt_amount": amount if paid else "0.00",
        "point_amount": "0.00",
        "send_pay_date": trade.gmt_payment,
    }


def _is_timestamp(text: str) -> bool:
    try:
        datetime.strptime(text, TIME_FORMAT)
    except ValueError:
        return False
    return True


def _html(status: int, text: str) -> _Reply:
    return _Reply(status, text.encode("utf-8"))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    sandbox: AlipaySandbox


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "AlipaySandbox/1.0"

    def do_GET(self) -> None:
        self._respond("GET")

    def do_POST(self) -> None:
        self._respond("POST")

    def _respond(self, http_method: str) -> None:
        params = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        if http_method == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                self._write(_Reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, b"too large", "text/plain"))
                return
            form = self.rfile.read(length).decode("utf-8", "replace") if length else ""
            params.update(parse_qsl(form, keep_blank_values=True))
        try:
            reply = self.server.sandbox.handle(http_method, self.path, params)
        except Exception:
            logger.exception("Alipay sandbox failed on %s %s", http_method, self.path)
            reply = _Reply(HTTPStatus.INTERNAL_SERVER_ERROR, b"sandbox error", "text/plain")
        self._write(reply)

    def _write(self, reply: _Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)


__all__ = ["AlipaySandbox", "ReceivedRequest", "SandboxRejected"]
