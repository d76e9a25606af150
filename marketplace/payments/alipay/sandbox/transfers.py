"""The sandbox's fund transfers: `alipay.fund.trans.uni.transfer` (pay an Alipay account
from the app's balance) and `alipay.fund.trans.common.query` (what became of one).

Alipay's rules as the sandbox keeps them: product_code TRANS_ACCOUNT_NO_PWD with biz_scene
DIRECT_TRANSFER, payee by ALIPAY_LOGON_ID; `out_biz_no` is the idempotency key, so a
repeat of a transfer that succeeded answers the same order without moving money again,
and a repeat with other details is refused. A refused transfer (PAYEE_NOT_EXIST for a
payee listed in `unknown_payees`) records nothing, so it can be sent again with the same
`out_biz_no`. `lose_next_replies(n)` makes the next transfers go through but answer a
system error, the "did it or didn't it" case a client must query for.
"""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from marketplace.payments.alipay.protocol import format_time, now_in_china, parse_amount
from marketplace.payments.alipay.sandbox.trades import (
    INVALID_ARGUMENTS,
    MISSING_ARGUMENTS,
    BizError,
    as_text,
)

TRANSFER = "alipay.fund.trans.uni.transfer"
TRANSFER_QUERY = "alipay.fund.trans.common.query"
TRANSFER_METHODS = (TRANSFER, TRANSFER_QUERY)
PRODUCT_CODE = "TRANS_ACCOUNT_NO_PWD"
BIZ_SCENE = "DIRECT_TRANSFER"
IDENTITY_TYPE = "ALIPAY_LOGON_ID"
_OUT_BIZ_NO = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


@dataclass(frozen=True)
class SandboxTransfer:
    out_biz_no: str
    order_id: str
    pay_fund_order_id: str
    amount: str
    identity: str
    trans_date: str


class TransferBook:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done: dict[str, SandboxTransfer] = {}
        self.unknown_payees: set[str] = set()
        self._lost_replies = 0
        # How many times money actually moved (a test proves retries move it once).
        self.money_moved = 0

    def lose_next_replies(self, times: int = 1) -> None:
        with self._lock:
            self._lost_replies += times

    def transfer(self, out_biz_no: str) -> SandboxTransfer | None:
        with self._lock:
            return self._done.get(out_biz_no)

    def handle(self, method: str, biz: dict[str, Any]) -> dict[str, str]:
        if method == TRANSFER:
            return self._transfer(biz)
        return self._query(biz)

    def _transfer(self, biz: dict[str, Any]) -> dict[str, str]:
        out_biz_no = str(biz.get("out_biz_no") or "")
        if not _OUT_BIZ_NO.match(out_biz_no):
            raise BizError(
                "MISSING_OUT_BIZ_NO" if not out_biz_no else "INVALID_PARAMETER",
                "out_biz_no 缺失或格式错误",
                code=MISSING_ARGUMENTS,
            )
        amount = parse_amount(as_text(biz.get("trans_amount")))
        if amount is None or amount <= 0:
            raise BizError("INVALID_PARAMETER", "trans_amount 不合法", code=INVALID_ARGUMENTS)
        if biz.get("product_code") != PRODUCT_CODE:
            raise BizError("PRODUCT_NOT_SIGNED", "product_code 须为 TRANS_ACCOUNT_NO_PWD")
        if biz.get("biz_scene") != BIZ_SCENE:
            raise BizError(
                "INVALID_PARAMETER", "biz_scene 须为 DIRECT_TRANSFER", code=INVALID_ARGUMENTS
            )
        payee = biz.get("payee_info")
        if not isinstance(payee, dict) or payee.get("identity_type") != IDENTITY_TYPE:
            raise BizError(
                "INVALID_PARAMETER",
                "payee_info.identity_type 须为 ALIPAY_LOGON_ID",
                code=INVALID_ARGUMENTS,
            )
        identity = str(payee.get("identity") or "")
        if not identity:
            raise BizError("PAYEE_ACCOUNT_NOT_EXSIT", "收款账号缺失", code=MISSING_ARGUMENTS)
        with self._lock:
            done = self._done.get(out_biz_no)
            if done is not None:
                if done.amount != str(amount) or done.identity != identity:
                    raise BizError(
                        "PAYMENT_INFO_INCONSISTENCY", "两次请求商户单号一样，但是参数不一致"
                    )
                return _transfer_ok(done)
            if identity in self.unknown_payees:
                raise BizError("PAYEE_NOT_EXIST", "收款账号不存在 / payee does not exist")
            done = SandboxTransfer(
                out_biz_no=out_biz_no,
                order_id=f"2026{secrets.randbelow(10**16):016d}",
                pay_fund_order_id=f"2026{secrets.randbelow(10**16):016d}",
                amount=str(amount),
                identity=identity,
                trans_date=format_time(now_in_china()),
            )
            self._done[out_biz_no] = done
            self.money_moved += 1
            if self._lost_replies:
                self._lost_replies -= 1
                raise BizError("SYSTEM_ERROR", "系统繁忙 / system busy", code="20000")
        return _transfer_ok(done)

    def _query(self, biz: dict[str, Any]) -> dict[str, str]:
        out_biz_no = str(biz.get("out_biz_no") or "")
        if not out_biz_no and not biz.get("order_id"):
            raise BizError("MISSING_PARAMETER", "缺少 out_biz_no", code=MISSING_ARGUMENTS)
        with self._lock:
            done = self._done.get(out_biz_no)
        if done is None:
            raise BizError("ORDER_NOT_EXIST", "转账订单不存在 / no such transfer")
        return {
            "code": "10000",
            "msg": "Success",
            "order_id": done.order_id,
            "pay_fund_order_id": done.pay_fund_order_id,
            "out_biz_no": done.out_biz_no,
            "trans_amount": done.amount,
            "status": "SUCCESS",
            "pay_date": done.trans_date,
        }


def _transfer_ok(done: SandboxTransfer) -> dict[str, str]:
    return {
        "code": "10000",
        "msg": "Success",
        "out_biz_no": done.out_biz_no,
        "order_id": done.order_id,
        "pay_fund_order_id": done.pay_fund_order_id,
        "status": "SUCCESS",
        "trans_date": done.trans_date,
    }
