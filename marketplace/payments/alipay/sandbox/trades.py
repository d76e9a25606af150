"""The sandbox's trade book: what Alipay would remember about each trade, and its rules.

Owns the trade lifecycle as Alipay runs it: a trade appears when the buyer opens the pay
page or scans the QR code (a precreated trade exists before that, but `query` reports
ACQ.TRADE_NOT_EXIST until it is scanned, as Alipay does); it is paid once; it is refunded in
parts up to what was paid, once per `out_request_no`; it closes when unpaid (by `close` or
by `time_expire`) or when fully refunded. Business refusals are `BizError`s carrying
Alipay's codes. Thread-safe; optionally persisted to a JSON file after every change.
"""

from __future__ import annotations

import copy
import json
import os
import secrets
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from marketplace.payments.alipay.protocol import (
    TRADE_NOT_EXIST,
    TRADE_STATUS_ERROR,
    TradeState,
    format_time,
    now_in_china,
    parse_amount,
    parse_time,
)

BUSINESS_FAILED = "40004"
INVALID_ARGUMENTS = "40002"
MISSING_ARGUMENTS = "40001"
ZERO = Decimal("0.00")


class BizError(Exception):
    """A refusal in Alipay's terms: code, msg, sub_code, sub_msg."""

    MESSAGES = {
        BUSINESS_FAILED: "Business Failed",
        INVALID_ARGUMENTS: "Invalid Arguments",
        MISSING_ARGUMENTS: "Missing Required Arguments",
        "20000": "Service Currently Unavailable",
    }

    def __init__(self, sub_code: str, sub_msg: str, *, code: str = BUSINESS_FAILED) -> None:
        self.code = code
        self.sub_code = sub_code
        self.sub_msg = sub_msg
        super().__init__(f"{code} {sub_code}: {sub_msg}")

    def body(self) -> dict[str, str]:
        return {
            "code": self.code,
            "msg": self.MESSAGES.get(self.code, "Business Failed"),
            "sub_code": self.sub_code,
            "sub_msg": self.sub_msg,
        }


@dataclass
class SandboxRefund:
    out_request_no: str
    refund_amount: Decimal
    reason: str
    gmt_refund_pay: str


@dataclass
class SandboxTrade:
    out_trade_no: str
    trade_no: str
    app_id: str
    # The method that created it: alipay.trade.page.pay, .wap.pay or .precreate.
    source_method: str
    subject: str
    total_amount: Decimal
    notify_url: str
    return_url: str
    token: str
    status: TradeState
    # False for a precreated trade nobody has scanned yet.
    visible: bool
    gmt_create: str
    time_expire: str = ""
    gmt_payment: str = ""
    gmt_close: str = ""
    buyer_id: str = ""
    buyer_logon_id: str = ""
    refunds: dict[str, SandboxRefund] = field(default_factory=dict)
    last_notification: dict[str, str] | None = None

    @property
    def refunded_total(self) -> Decimal:
        return sum((r.refund_amount for r in self.refunds.values()), ZERO)

    @property
    def was_paid(self) -> bool:
        return bool(self.gmt_payment)


def _new_trade_no() -> str:
    # Alipay's trade numbers: 28 digits starting with the date.
    return f"{now_in_china():%Y%m%d}2200{secrets.randbelow(10**16):016d}"


def _new_buyer() -> tuple[str, str]:
    user_id = f"2088{secrets.randbelow(10**12):012d}"
    return user_id, f"buy***{secrets.randbelow(1000):03d}@sandbox.com"


def require_amount(text: str | None, name: str) -> Decimal:
    amount = parse_amount(text)
    if amount is None or amount <= 0:
        raise BizError("ACQ.INVALID_PARAMETER", f"{name} 金额不合法 / invalid amount: {text!r}")
    return amount


class TradeBook:
    def __init__(self, state_file: Path | None = None) -> None:
        self._lock = threading.RLock()
        self._trades: dict[str, SandboxTrade] = {}
        self._state_file = state_file
        if state_file is not None and state_file.exists():
            self._load(state_file)

    # --- reading ------------------------------------------------------------------------

    def snapshot(self, out_trade_no: str) -> SandboxTrade | None:
        with self._lock:
            trade = self._trades.get(out_trade_no)
            if trade is not None:
                self._expire_if_due(trade)
            return copy.deepcopy(trade)

    def all(self) -> list[SandboxTrade]:
        with self._lock:
            for trade in self._trades.values():
                self._expire_if_due(trade)
            return [copy.deepcopy(t) for t in self._trades.values()]

    def out_trade_no_for_token(self, token: str) -> str | None:
        with self._lock:
            return next((t.out_trade_no for t in self._trades.values() if t.token == token), None)

    # --- creating -----------------------------------------------------------------------

    def open_for_payment(
        self,
        *,
        app_id: str,
        method: str,
        biz: dict[str, Any],
        notify_url: str,
        return_url: str,
        visible: bool,
    ) -> SandboxTrade:
        """The trade a pay page or a precreate call is about, created on first sight.

        The same out_trade_no with the same amount and subject is the same trade (a buyer
        reloading the page, a retried precreate); different details are refused, as Alipay
        refuses a reused order number.
        """
        out_trade_no = str(biz.get("out_trade_no") or "")
        subject = str(biz.get("subject") or "")
        if not out_trade_no or len(out_trade_no) > 64:
            raise BizError("isv.invalid-parameter", "out_trade_no 不合法", code=INVALID_ARGUMENTS)
        if not subject:
            raise BizError("isv.missing-parameter", "缺少 subject", code=MISSING_ARGUMENTS)
        amount = require_amount(as_text(biz.get("total_amount")), "total_amount")
        time_expire = str(biz.get("time_expire") or "")
        if time_expire and parse_time(time_expire) is None:
            raise BizError("ACQ.INVALID_PARAMETER", f"time_expire 格式错误: {time_expire}")
        with self._changing():
            trade = self._trades.get(out_trade_no)
            if trade is not None:
                self._expire_if_due(trade)
                if trade.status.is_paid:
                    raise BizError("ACQ.TRADE_HAS_SUCCESS", "交易已被支付 / already paid")
                if trade.status is TradeState.TRADE_CLOSED:
                    raise BizError("ACQ.TRADE_HAS_CLOSE", "交易已经关闭 / trade closed")
                if trade.total_amount != amount or trade.subject != subject:
                    raise BizError(
                        "ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改 / details differ for this order"
                    )
                trade.visible = trade.visible or visible
                return copy.deepcopy(trade)
            expires = parse_time(time_expire)
            if expires is not None and expires <= now_in_china():
                raise BizError("ACQ.TRADE_HAS_CLOSE", "交易已过期 / time_expire has passed")
            trade = SandboxTrade(
                out_trade_no=out_trade_no,
                trade_no=_new_trade_no(),
                app_id=app_id,
                source_method=method,
                subject=subject,
                total_amount=amount,
                notify_url=notify_url,
                return_url=return_url,
                token=secrets.token_urlsafe(16),
                status=TradeState.WAIT_BUYER_PAY,
                visible=visible,
                gmt_create=format_time(now_in_china()),
                time_expire=time_expire,
            )
            self._trades[out_trade_no] = trade
            return copy.deepcopy(trade)

    def reveal(self, out_trade_no: str) -> SandboxTrade:
        """The buyer scanned the QR code: from now on Alipay admits the trade exists."""
        with self._changing():
            trade = self._get(out_trade_no, include_hidden=True)
            trade.visible = True
            return copy.deepcopy(trade)

    # --- moving money -------------------------------------------------------------------

    def pay(self, out_trade_no: str) -> SandboxTrade:
        with self._changing():
            trade = self._get(out_trade_no, include_hidden=True)
            if trade.status.is_paid:
                raise BizError("ACQ.TRADE_HAS_SUCCESS", "交易已被支付 / already paid")
            if trade.status is TradeState.TRADE_CLOSED:
                raise BizError("ACQ.TRADE_HAS_CLOSE", "交易已经关闭 / trade closed")
            trade.visible = True
            trade.status = TradeState.TRADE_SUCCESS
            trade.gmt_payment = format_time(now_in_china())
            trade.buyer_id, trade.buyer_logon_id = _new_buyer()
            return copy.deepcopy(trade)

    def finish(self, out_trade_no: str) -> SandboxTrade:
        """The refund window ended: TRADE_SUCCESS becomes TRADE_FINISHED."""
        with self._changing():
            trade = self._get(out_trade_no)
            if trade.status is not TradeState.TRADE_SUCCESS:
                raise BizError(TRADE_STATUS_ERROR, "交易状态不合法 / trade is not TRADE_SUCCESS")
            trade.status = TradeState.TRADE_FINISHED
            return copy.deepcopy(trade)

    def refund(
        self, *, out_trade_no: str, out_request_no: str, amount_text: str | None, reason: str
    ) -> tuple[SandboxTrade, SandboxRefund, bool]:
        """(trade, refund, fund_change). A repeated out_request_no with the same amount
        returns the refund already made and moves no money."""
        amount = require_amount(amount_text, "refund_amount")
        with self._changing():
            trade = self._get(out_trade_no)
            existing = trade.refunds.get(out_request_no)
            if existing is not None:
                if existing.refund_amount != amount:
                    raise BizError(
                        "ACQ.INVALID_PARAMETER",
                        "同一退款请求号金额不一致 / out_request_no reused with another amount",
                    )
                return copy.deepcopy(trade), copy.deepcopy(existing), False
            if trade.status is not TradeState.TRADE_SUCCESS:
                raise BizError(TRADE_STATUS_ERROR, "交易状态不合法 / trade cannot be refunded")
            if trade.refunded_total + amount > trade.total_amount:
                raise BizError(
                    "ACQ.REASON_TRADE_REFUND_FEE_ERR", "退款金额超限 / more than what is left"
                )
            refund = SandboxRefund(
                out_request_no=out_request_no,
                refund_amount=amount,
                reason=reason,
                gmt_refund_pay=format_time(now_in_china()),
            )
            trade.refunds[out_request_no] = refund
            if trade.refunded_total == trade.total_amount:
                trade.status = TradeState.TRADE_CLOSED
                trade.gmt_close = refund.gmt_refund_pay
            return copy.deepcopy(trade), copy.deepcopy(refund), True

    def close(self, out_trade_no: str) -> tuple[SandboxTrade, bool]:
        """(trade, changed). Only unpaid trades close; closing a closed unpaid trade again
        is a no-op success so a retried close task cannot fail on it."""
        with self._changing():
            trade = self._get(out_trade_no, include_hidden=True)
            if trade.status is TradeState.TRADE_CLOSED and not trade.was_paid:
                return copy.deepcopy(trade), False
            if trade.status is not TradeState.WAIT_BUYER_PAY:
                raise BizError(TRADE_STATUS_ERROR, "交易状态不合法 / only unpaid trades close")
            trade.status = TradeState.TRADE_CLOSED
            trade.gmt_close = format_time(now_in_china())
            return copy.deepcopy(trade), True

    def visible_trade(self, out_trade_no: str) -> SandboxTrade:
        with self._lock:
            return copy.deepcopy(self._get(out_trade_no))

    def remember_notification(self, out_trade_no: str, params: dict[str, str]) -> None:
        with self._changing():
            self._get(out_trade_no, include_hidden=True).last_notification = dict(params)

    # --- internals ----------------------------------------------------------------------

    def _get(self, out_trade_no: str, *, include_hidden: bool = False) -> SandboxTrade:
        trade = self._trades.get(out_trade_no)
        if trade is None or not (trade.visible or include_hidden):
            raise BizError(TRADE_NOT_EXIST, "交易不存在 / no such trade")
        self._expire_if_due(trade)
        return trade

    def _expire_if_due(self, trade: SandboxTrade) -> None:
        expires = parse_time(trade.time_expire)
        if (
            trade.status is TradeState.WAIT_BUYER_PAY
            and expires is not None
            and expires <= now_in_china()
        ):
            trade.status = TradeState.TRADE_CLOSED
            trade.gmt_close = format_time(expires)

    @contextmanager
    def _changing(self) -> Iterator[None]:
        with self._lock:
            try:
                yield
            finally:
                self._save()

    def _save(self) -> None:
        if self._state_file is None:
            return
        payload = {"version": 1, "trades": [_trade_to_json(t) for t in self._trades.values()]}
        self._state_file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._state_file.parent, prefix=".sandbox-trades.")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, ensure_ascii=False, indent=1)
        os.replace(tmp, self._state_file)

    def _load(self, state_file: Path) -> None:
        payload = json.loads(state_file.read_text(encoding="utf-8"))
        for raw in payload.get("trades", []):
            trade = _trade_from_json(raw)
            self._trades[trade.out_trade_no] = trade


def as_text(value: Any) -> str | None:
    """An amount field from biz_content as text."""
    # Amounts must arrive as JSON strings; a JSON number is accepted as its literal text.
    if value is None or isinstance(value, bool):
        return None
    return value if isinstance(value, str) else json.dumps(value)


def _trade_to_json(trade: SandboxTrade) -> dict[str, Any]:
    raw = asdict(trade)
    raw["total_amount"] = str(trade.total_amount)
    raw["status"] = trade.status.value
    raw["refunds"] = [
        {**asdict(r), "refund_amount": str(r.refund_amount)} for r in trade.refunds.values()
    ]
    return raw


def _trade_from_json(raw: dict[str, Any]) -> SandboxTrade:
    refunds = {
        r["out_request_no"]: SandboxRefund(**{**r, "refund_amount": Decimal(r["refund_amount"])})
        for r in raw.pop("refunds", [])
    }
    return SandboxTrade(
        **{
            **raw,
            "total_amount": Decimal(raw["total_amount"]),
            "status": TradeState(raw["status"]),
            "refunds": refunds,
        }
    )
