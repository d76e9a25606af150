"""The sandbox's HTML: the cashier page, errors and a list of trades. Bilingual, tiny,
no external assets (the demo runs offline)."""

from __future__ import annotations

from html import escape

from marketplace.payments.alipay.sandbox.trades import SandboxTrade

_STYLE = """
body{font-family:"PingFang SC","Microsoft YaHei",system-ui,sans-serif;background:#f5f5f5;
margin:0;color:#333}
header{background:#1677ff;color:#fff;padding:14px 24px;font-size:18px}
main{max-width:520px;margin:32px auto;background:#fff;border-radius:8px;padding:24px 28px;
box-shadow:0 1px 4px rgba(0,0,0,.08)}
.amount{font-size:36px;color:#1677ff;margin:8px 0 20px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:6px 16px;font-size:14px}
dt{color:#888}
button{background:#1677ff;color:#fff;border:0;border-radius:6px;font-size:18px;
padding:12px 0;width:100%;margin-top:24px;cursor:pointer}
.note{color:#999;font-size:12px;margin-top:16px}
.error{color:#d4380d}
table{border-collapse:collapse;width:100%;font-size:13px}
td,th{border-bottom:1px solid #eee;padding:4px 6px;text-align:left}
"""


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        "<header>支付宝沙箱 · Alipay sandbox (Ruralmart)</header>"
        f"<main>{body}</main></body></html>"
    )


def pay_page(trade: SandboxTrade, *, confirm_path: str) -> str:
    rows = [
        ("商品 / Item", trade.subject),
        ("订单号 / Order no.", trade.out_trade_no),
        ("交易号 / Trade no.", trade.trade_no),
    ]
    if trade.time_expire:
        rows.append(("有效期至 / Pay before", trade.time_expire))
    details = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    return _page(
        "支付宝付款 / Pay with Alipay",
        f"<h2>订单付款 / Order payment</h2>"
        f'<div class="amount">¥ {escape(str(trade.total_amount))}</div>'
        f"<dl>{details}</dl>"
        f'<form method="post" action="{escape(confirm_path)}">'
        '<button type="submit" id="confirm">确认付款 / Pay</button></form>'
        '<p class="note">这是本地沙箱，不会产生真实扣款。'
        "This is a local sandbox: no real money moves.</p>",
    )


def done_page(trade: SandboxTrade) -> str:
    return _page(
        "付款成功 / Paid",
        f"<h2>付款成功 / Payment complete</h2>"
        f'<div class="amount">¥ {escape(str(trade.total_amount))}</div>'
        f"<p>{escape(trade.subject)} · {escape(trade.out_trade_no)}</p>",
    )


def error_page(code: str, sub_code: str, message: str) -> str:
    return _page(
        "支付失败 / Payment error",
        '<h2 class="error">无法完成付款 / Cannot pay</h2>'
        f"<p>错误代码 / Error code: <code>{escape(code)}</code> "
        f'<code id="sub-code">{escape(sub_code)}</code></p>'
        f"<p>{escape(message)}</p>",
    )


def index_page(trades: list[SandboxTrade], *, gateway_url: str) -> str:
    rows = "".join(
        "<tr>"
        f"<td>{escape(t.out_trade_no)}</td><td>{escape(t.subject)}</td>"
        f"<td>{escape(str(t.total_amount))}</td><td>{escape(t.status.value)}</td>"
        f"<td>{escape(str(t.refunded_total))}</td><td>{escape(t.gmt_create)}</td>"
        "</tr>"
        for t in sorted(trades, key=lambda t: t.gmt_create, reverse=True)
    )
    return _page(
        "支付宝沙箱 / Alipay sandbox",
        f"<p>Gateway: <code>{escape(gateway_url)}</code></p>"
        "<table><tr><th>out_trade_no</th><th>subject</th><th>amount</th><th>status</th>"
        f"<th>refunded</th><th>created</th></tr>{rows}</table>",
    )
