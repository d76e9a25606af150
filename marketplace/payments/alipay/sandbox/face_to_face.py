"""Face-to-face payment in the sandbox: `alipay.trade.pay` (the operator scans the buyer's
payment code, scene `bar_code`) and `alipay.trade.cancel`.

Behaves as Alipay's counter API does:
- a payment code is 16–24 digits starting 25–30, and good once: a second use is refused
  with ACQ.PAYMENT_AUTH_CODE_INVALID;
- above `password_threshold` (or when a test asks, `require_password`) the buyer must
  confirm on the phone: the call answers 10003 with the trade WAIT_BUYER_PAY, which the
  merchant polls with `alipay.trade.query` until the buyer confirms (`confirm_password`) or
  the merchant gives up and cancels;
- cancel closes an unpaid trade (action "close") and refunds a paid one in full (action
  "refund"); cancelling twice is a no-op success.

Standard library only, like the rest of the sandbox; `AlipaySandbox` dispatches to
`FaceToFace.handle` and holds one instance as `sandbox.face_to_face`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marketplace.payments.alipay.protocol import TradeState, format_time, now_in_china
from marketplace.payments.alipay.sandbox.trades import (
    INVALID_ARGUMENTS,
    MISSING_ARGUMENTS,
    BizError,
    SandboxTrade,
    TradeBook,
)

PAY = "alipay.trade.pay"
CANCEL = "alipay.trade.cancel"
METHODS = (PAY, CANCEL)
USER_PAYING_CODE = "10003"
AUTH_CODE_INVALID = "ACQ.PAYMENT_AUTH_CODE_INVALID"
_AUTH_CODE_RE = re.compile(r"^(2[5-9]|30)\d{14,22}$")


class FaceToFace:
    def __init__(self, book: TradeBook, *, password_threshold: Decimal = Decimal("1000.00")):
        self.book = book
        self.password_threshold = password_threshold
        self._lock = threading.Lock()
        self._used_codes: set[str] = set()
        self._password_next = 0

    # --- test hooks ---------------------------------------------------------------------

    def require_password(self, times: int = 1) -> None:
        """The next `times` payments wait for the buyer's password (answer 10003)."""
        with self._lock:
            self._password_next += times

    def confirm_password(self, out_trade_no: str) -> SandboxTrade:
        """The buyer typed the password on the phone: the waiting trade is paid."""
        return self.book.pay(out_trade_no)

    @staticmethod
    def new_auth_code(seed: int) -> str:
        """A well-formed payment code, as a buyer's phone would show it."""
        return f"28{seed % 10**16:016d}"

    # --- the gateway --------------------------------------------------------------------

    def handle(self, method: str, params: Mapping[str, str], biz: dict[str, Any]) -> dict[str, str]:
        if method == PAY:
            return self._pay(params, biz)
        return self._cancel(biz)

    def _pay(self, params: Mapping[str, str], biz: dict[str, Any]) -> dict[str, str]:
        if biz.get("scene") not in ("bar_code", "wave_code"):
            raise BizError("isv.invalid-parameter", "scene 须为 bar_code", code=INVALID_ARGUMENTS)
        auth_code = str(biz.get("auth_code") or "")
        if not auth_code:
            raise BizError("isv.missing-parameter", "缺少 auth_code", code=MISSING_ARGUMENTS)
        if not _AUTH_CODE_RE.match(auth_code):
            raise BizError(AUTH_CODE_INVALID, "付款码无效 / not a payment code")
        with self._lock:
            if auth_code in self._used_codes:
                raise BizError(AUTH_CODE_INVALID, "付款码已使用 / payment code already used")
            self._used_codes.add(auth_code)
        trade = self.book.open_for_payment(
            app_id=params["app_id"],
            method=PAY,
            biz=biz,
            notify_url=params.get("notify_url", ""),
            return_url="",
            visible=True,
        )
        with self._lock:
            needs_password = self._password_next > 0 or trade.total_amount > self.password_threshold
            if self._password_next > 0:
                self._password_next -= 1
        if needs_password:
            return {
                "code": USER_PAYING_CODE,
                "msg": "Waiting for user confirmation",
                **_trade_fields(trade),
            }
        paid = self.book.pay(trade.out_trade_no)
        return {"code": "10000", "msg": "Success", **_trade_fields(paid)}

    def _cancel(self, biz: dict[str, Any]) -> dict[str, str]:
        out_trade_no = str(biz.get("out_trade_no") or "")
        if not out_trade_no:
            raise BizError("isv.missing-parameter", "缺少 out_trade_no", code=MISSING_ARGUMENTS)
        trade = self.book.snapshot(out_trade_no)
        if trade is None:
            raise BizError("ACQ.TRADE_NOT_EXIST", "交易不存在 / no such trade")
        action = "close"
        if trade.status is TradeState.WAIT_BUYER_PAY:
            self.book.close(out_trade_no)
        elif trade.status is TradeState.TRADE_SUCCESS:
            self.book.refund(
                out_trade_no=out_trade_no,
                out_request_no=f"cancel-{out_trade_no}",
                amount_text=str(trade.total_amount - trade.refunded_total),
                reason="cancel",
            )
            action = "refund"
        elif trade.was_paid:
            action = "refund"
        return {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade.trade_no,
            "out_trade_no": out_trade_no,
            "retry_flag": "N",
            "action": action,
            "gmt_refund_pay": format_time(now_in_china()) if action == "refund" else "",
        }


def _trade_fields(trade: SandboxTrade) -> dict[str, str]:
    paid = trade.was_paid
    amount = str(trade.total_amount)
    fields = {
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "total_amount": amount,
        "buyer_pay_amount": amount if paid else "0.00",
        "receipt_amount": amount if paid else "0.00",
        "buyer_user_id": trade.buyer_id,
        "buyer_logon_id": trade.buyer_logon_id,
        "gmt_payment": trade.gmt_payment,
    }
    return {k: v for k, v in fields.items() if v}
