"""Alipay's wire vocabulary, shared by the adapter and the local sandbox.

Owns: trade states, the result codes we act on, how amounts and times are written on the
wire (amounts as yuan strings with exactly two decimals, times as Beijing wall-clock
`yyyy-MM-dd HH:mm:ss`), and how a method name becomes its response key. Imports nothing
from Django so the sandbox can run without it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from enum import StrEnum

# China has had no daylight saving since 1991, so a fixed offset is exact and needs no tzdata.
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
SUCCESS_CODE = "10000"
CENT = Decimal("0.01")
# Alipay's ceiling for one trade (100 million yuan).
MAX_AMOUNT = Decimal("100000000.00")
_AMOUNT_RE = re.compile(r"^\d{1,9}(\.\d{1,2})?$")


class TradeState(StrEnum):
    """`trade_status` values, plus NOT_EXIST for a trade Alipay does not know (yet)."""

    WAIT_BUYER_PAY = "WAIT_BUYER_PAY"
    TRADE_SUCCESS = "TRADE_SUCCESS"
    TRADE_FINISHED = "TRADE_FINISHED"
    TRADE_CLOSED = "TRADE_CLOSED"
    NOT_EXIST = "NOT_EXIST"

    @property
    def is_paid(self) -> bool:
        return self in (TradeState.TRADE_SUCCESS, TradeState.TRADE_FINISHED)


class Method(StrEnum):
    PAGE_PAY = "alipay.trade.page.pay"
    WAP_PAY = "alipay.trade.wap.pay"
    PRECREATE = "alipay.trade.precreate"
    QUERY = "alipay.trade.query"
    REFUND = "alipay.trade.refund"
    REFUND_QUERY = "alipay.trade.fastpay.refund.query"
    CLOSE = "alipay.trade.close"


# Sub-codes (business errors come back with code 40004, argument errors with 40002).
TRADE_NOT_EXIST = "ACQ.TRADE_NOT_EXIST"
TRADE_STATUS_ERROR = "ACQ.TRADE_STATUS_ERROR"
SYSTEM_ERROR = "ACQ.SYSTEM_ERROR"


def response_key(method: str) -> str:
    """`alipay.trade.query` answers under `alipay_trade_query_response`."""
    return method.replace(".", "_") + "_response"


def format_amount(amount: Decimal) -> str:
    """Yuan as Alipay wants them: a string with exactly two decimals, e.g. "12.50".

    Refuses rather than rounds: a third decimal means a bug upstream, and silently charging
    a different amount than the order says is worse than failing loudly.
    """
    if not isinstance(amount, Decimal):
        raise TypeError(f"amount must be a Decimal, not {type(amount).__name__}")
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise ValueError(f"amount must have at most two decimal places: {amount}")
    if amount <= 0 or amount > MAX_AMOUNT:
        raise ValueError(f"amount out of range: {amount}")
    return f"{amount.quantize(CENT):f}"


def parse_amount(text: str | None) -> Decimal | None:
    """An amount as Alipay writes it, or None when absent or not a plain decimal."""
    if text is None or not _AMOUNT_RE.match(text):
        return None
    try:
        return Decimal(text).quantize(CENT)
    except InvalidOperation:
        return None


def format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("Alipay times need an aware datetime")
    return moment.astimezone(CHINA_TZ).strftime(TIME_FORMAT)


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    # Refund times come with milliseconds ("2015-04-28 15:45:57.320"); seconds are enough.
    text = text.split(".", 1)[0]
    try:
        return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=CHINA_TZ)
    except ValueError:
        return None


def now_in_china() -> datetime:
    return datetime.now(CHINA_TZ).replace(microsecond=0)
