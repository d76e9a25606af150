"""`alipay.data.dataservice.bill.downloadurl.query` in the sandbox, and the bill files.

The query answers a `bill_download_url` for (bill_type, bill_date); the URL serves a zip
holding the day's trade bill as Alipay writes it: a GBK CSV with `#` comment lines around a
header row and one line per payment (业务类型 交易) and per refund (业务类型 退款), dated by
when the money moved. Only `trade` bills are kept; `signcustomer` answers "no bill".
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Iterable
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from marketplace.payments.alipay.sandbox.trades import BizError, SandboxTrade

BILL_DOWNLOAD_METHOD = "alipay.data.dataservice.bill.downloadurl.query"
BILL_ROUTE = "/bills/trade"
COLUMNS = [
    "支付宝交易号",
    "商户订单号",
    "业务类型",
    "商品名称",
    "创建时间",
    "完成时间",
    "订单金额（元）",
    "商家实收（元）",
    "退款批次号/请求号",
]


def _token(app_id: str, day: str) -> str:
    # Alipay's links are signed and short-lived; a digest of the app and day stands in.
    return hashlib.sha256(f"{app_id}:{day}".encode()).hexdigest()[:32]


def download_url(*, base_url: str, app_id: str, biz: dict[str, Any]) -> dict[str, str]:
    bill_type = str(biz.get("bill_type") or "")
    bill_date = str(biz.get("bill_date") or "")
    if bill_type != "trade":
        raise BizError("isp.bill_not_exist", "账单不存在 / only trade bills in the sandbox")
    try:
        date.fromisoformat(bill_date)
    except ValueError:
        raise BizError("isv.invalid-parameter", "bill_date 格式须为 yyyy-MM-dd") from None
    return {
        "code": "10000",
        "msg": "Success",
        "bill_download_url": (
            f"{base_url}{BILL_ROUTE}?day={bill_date}&token={_token(app_id, bill_date)}"
        ),
    }


def bill_rows(trades: Iterable[SandboxTrade], day: str) -> list[list[str]]:
    rows = []
    for trade in trades:
        if trade.gmt_payment[:10] == day:
            amount = str(trade.total_amount)
            rows.append(
                [trade.trade_no, trade.out_trade_no, "交易", trade.subject, trade.gmt_create,
                 trade.gmt_payment, amount, amount, ""]
            )  # fmt: skip
        for refund in trade.refunds.values():
            if refund.gmt_refund_pay[:10] == day:
                amount = f"-{refund.refund_amount}"
                rows.append(
                    [trade.trade_no, trade.out_trade_no, "退款", trade.subject, trade.gmt_create,
                     refund.gmt_refund_pay, amount, amount, refund.out_request_no]
                )  # fmt: skip
    return rows


def bill_zip(*, app_id: str, day: str, trades: Iterable[SandboxTrade]) -> bytes:
    rows = bill_rows(trades, day)
    text = io.StringIO()
    text.write("#支付宝业务明细查询\n")
    text.write(f"#账号：[{app_id}]\n")
    text.write(f"#起始日期：[{day} 00:00:00]   终止日期：[{day} 23:59:59]\n")
    text.write(
        "#-----------------------------------------业务明细列表----------------------------------------\n"
    )
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    text.write(
        "#-----------------------------------------业务明细列表结束------------------------------------\n"
    )
    text.write(f"#交易合计：{sum(1 for r in rows if r[2] == '交易')}笔\n")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            f"{app_id}_{day.replace('-', '')}_业务明细.csv", text.getvalue().encode("gbk")
        )
    return buffer.getvalue()


def serve(*, path: str, app_id: str, trades: Iterable[SandboxTrade]) -> tuple[int, bytes, str]:
    """(status, body, content type) for a GET of a bill download URL."""
    parts = urlsplit(path)
    query = dict(parse_qsl(parts.query))
    day = query.get("day", "")
    if query.get("token") != _token(app_id, day):
        return 403, b"invalid token", "text/plain"
    return 200, bill_zip(app_id=app_id, day=day, trades=trades), "application/zip"
