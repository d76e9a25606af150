"""Alipay face-to-face calls the counter needs beyond the shared adapter: `alipay.trade.pay`
(scene bar_code, the buyer's payment code) and `alipay.trade.cancel`.

They go through the shared `AlipayGateway`'s SDK client and error handling, so keys,
the sandbox URL and signature checks are the same as for every other Alipay call; only the
answers differ: `trade.pay` may answer 10003 (the buyer must confirm on the phone), which
is a state to poll, not an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import cast

from marketplace.payments.alipay.gateway import AlipayError, AlipayGateway
from marketplace.payments.alipay.protocol import Method, format_amount

PAY_METHOD = cast(Method, "alipay.trade.pay")
CANCEL_METHOD = cast(Method, "alipay.trade.cancel")
USER_PAYING_CODE = "10003"
# Alipay's answers that mean "this payment code cannot pay", used or expired.
AUTH_CODE_REFUSALS = frozenset({"ACQ.PAYMENT_AUTH_CODE_INVALID", "ACQ.AUTH_CODE_INVALID"})
_PAYMENT_CODE_RE = re.compile(r"^\d{16,24}$")


def is_payment_code(value: str) -> bool:
    """Whether `value` looks like a scanned payment code (16 to 24 digits); Alipay has the
    last word on whether it pays."""
    return bool(_PAYMENT_CODE_RE.match(value))


class CodePayState(StrEnum):
    PAID = "PAID"
    USER_PAYING = "USER_PAYING"
    REFUSED = "REFUSED"
    # No answer we can trust (network, system error): query before doing anything else.
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class CodePayResult:
    state: CodePayState
    trade_no: str = ""
    buyer_logon_id: str = ""
    sub_code: str = ""
    message: str = ""


def trade_pay(
    gateway: AlipayGateway,
    *,
    out_trade_no: str,
    auth_code: str,
    total_amount: Decimal,
    subject: str,
) -> CodePayResult:
    try:
        response = gateway._call(
            PAY_METHOD,
            lambda: gateway._sdk.api_alipay_trade_pay(
                out_trade_no,
                "bar_code",
                auth_code,
                subject,
                total_amount=format_amount(total_amount),
            ),
        )
    except AlipayError as exc:
        if exc.code == USER_PAYING_CODE:
            return CodePayResult(CodePayState.USER_PAYING, message=exc.message)
        if exc.code in ("40004", "40002") and not exc.retryable:
            return CodePayResult(CodePayState.REFUSED, sub_code=exc.sub_code, message=exc.message)
        return CodePayResult(CodePayState.UNKNOWN, sub_code=exc.sub_code, message=exc.message)
    return CodePayResult(
        CodePayState.PAID,
        trade_no=str(response.get("trade_no") or ""),
        buyer_logon_id=str(response.get("buyer_logon_id") or ""),
    )


def trade_cancel(gateway: AlipayGateway, *, out_trade_no: str) -> str:
    """Cancel the trade; returns Alipay's action ("close", "refund", or "" when Alipay never
    saw it). Raises AlipayError when the outcome is unknown."""
    try:
        response = gateway._call(
            CANCEL_METHOD,
            lambda: gateway._sdk.api_alipay_trade_cancel(out_trade_no=out_trade_no),
        )
    except AlipayError as exc:
        if exc.sub_code == "ACQ.TRADE_NOT_EXIST":
            return ""
        raise
    return str(response.get("action") or "close")
