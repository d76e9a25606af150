"""The Alipay transfer adapter: `alipay.fund.trans.uni.transfer` to an Alipay account and
`alipay.fund.trans.common.query` for a transfer whose answer was lost.

Signed calls go through python-alipay-sdk's generic machinery (`build_body` +
`verified_sync_response`, the SDK has no wrapper for these two methods) inside the
payments gateway's `_call`, so signing, signature checks of the answer and the mapping of
errors are exactly those of every other Alipay call. It never touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, cast

from marketplace.payments.alipay.gateway import AlipayError, AlipayGateway, gateway_from_settings
from marketplace.payments.alipay.protocol import Method, format_amount, response_key

TRANSFER_METHOD = "alipay.fund.trans.uni.transfer"
QUERY_METHOD = "alipay.fund.trans.common.query"
# Business refusals that mean "nothing moved": retrying as is will not help.
ORDER_NOT_EXIST = "ORDER_NOT_EXIST"


class TransferState(StrEnum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    # Alipay may or may not have moved the money: ask before doing anything else.
    UNKNOWN = "UNKNOWN"
    NOT_EXIST = "NOT_EXIST"


@dataclass(frozen=True)
class TransferOutcome:
    state: TransferState
    order_id: str = ""
    code: str = ""
    message: str = ""


class AlipayTransferAdapter:
    def __init__(self, gateway: AlipayGateway) -> None:
        self.gateway = gateway

    def _signed_call(self, method: str, biz: dict[str, Any]) -> dict[str, Any]:
        sdk = self.gateway._sdk
        # `_call` only puts the method name in its error messages; these two methods are not
        # in the trade API's enum, so their plain names stand in.
        return self.gateway._call(
            cast(Method, method),
            lambda: sdk.verified_sync_response(sdk.build_body(method, biz), response_key(method)),
        )

    def transfer(
        self, *, out_biz_no: str, amount: Decimal, payee_logon_id: str, payee_name: str, title: str
    ) -> TransferOutcome:
        payee: dict[str, str] = {"identity": payee_logon_id, "identity_type": "ALIPAY_LOGON_ID"}
        if payee_name:
            payee["name"] = payee_name
        biz = {
            "out_biz_no": out_biz_no,
            "trans_amount": format_amount(amount),
            "product_code": "TRANS_ACCOUNT_NO_PWD",
            "biz_scene": "DIRECT_TRANSFER",
            "order_title": title[:64],
            "payee_info": payee,
        }
        try:
            response = self._signed_call(TRANSFER_METHOD, biz)
        except AlipayError as exc:
            return _outcome_of_error(exc)
        if response.get("status") == "SUCCESS":
            return TransferOutcome(TransferState.SUCCEEDED, order_id=str(response.get("order_id")))
        if response.get("status") == "FAIL":
            return TransferOutcome(TransferState.FAILED, code="FAIL", message=str(response))
        return TransferOutcome(TransferState.UNKNOWN, message=f"status {response.get('status')}")

    def query(self, *, out_biz_no: str) -> TransferOutcome:
        biz = {
            "out_biz_no": out_biz_no,
            "product_code": "TRANS_ACCOUNT_NO_PWD",
            "biz_scene": "DIRECT_TRANSFER",
        }
        try:
            response = self._signed_call(QUERY_METHOD, biz)
        except AlipayError as exc:
            if exc.sub_code == ORDER_NOT_EXIST:
                return TransferOutcome(TransferState.NOT_EXIST, code=exc.sub_code)
            return _outcome_of_error(exc)
        status = response.get("status")
        if status == "SUCCESS":
            return TransferOutcome(TransferState.SUCCEEDED, order_id=str(response.get("order_id")))
        if status in ("FAIL", "CLOSED"):
            return TransferOutcome(
                TransferState.FAILED,
                code=str(response.get("error_code") or status),
                message=str(response.get("fail_reason") or ""),
            )
        return TransferOutcome(TransferState.UNKNOWN, message=f"status {status}")


def _outcome_of_error(exc: AlipayError) -> TransferOutcome:
    state = TransferState.UNKNOWN if exc.retryable else TransferState.FAILED
    return TransferOutcome(state, code=exc.sub_code or exc.code, message=exc.message[:255])


def transfer_adapter_from_settings() -> AlipayTransferAdapter:
    return AlipayTransferAdapter(gateway_from_settings())
