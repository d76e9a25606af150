"""Receipts as the villager is handed them: 32 columns of a 58 mm thermal printer (a CJK
character takes two), as a printable page and as a PDF, for every kind of receipt. Both are
drawn from the same lines, which come from the receipt's stored columns only, so a reprint
shows exactly what was first printed."""

from __future__ import annotations

import io
import unicodedata
from decimal import Decimal

from django.utils import timezone
from reportlab.graphics import renderSVG
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from marketplace.red_supermarket.models import Receipt, ReceiptKind

WIDTH = 32
CJK_FONT = "STSong-Light"
TITLES = {
    ReceiptKind.COUNTER_SALE: "销售小票",
    ReceiptKind.AGENCY_ORDER: "代办回执",
    ReceiptKind.AGENCY_REFUND: "代办退款回执",
    ReceiptKind.CASH_WITHDRAWAL: "助农取款回执",
    ReceiptKind.PAYOUT: "现金兑付回执",
    ReceiptKind.CASH_REFUND: "退款回执",
    ReceiptKind.TILL_CLOSE: "交班结账单",
}
PAYMENT_NAMES = {
    "CASH": "现金",
    "ALIPAY_CODE": "支付宝付款码",
    "ALIPAY_QR": "支付宝扫码",
}
DETAIL_NAMES = {
    "received": "实收",
    "change": "找零",
    "alipay_trade_no": "支付宝单号",
    "expected": "应有",
    "variance": "差额",
    "member": "会员",
    "refund": "退款单号",
    "reason": "退款原因",
}
# Details printed as they are; the others are yuan amounts.
TEXT_DETAILS = {"alipay_trade_no", "member", "refund", "reason"}


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit(text: str, width: int) -> str:
    out, used = "", 0
    for ch in text:
        w = display_width(ch)
        if used + w > width:
            break
        out, used = out + ch, used + w
    return out


def _wrap(text: str, width: int = WIDTH) -> list[str]:
    lines, current, used = [], "", 0
    for ch in text:
        w = display_width(ch)
        if used + w > width:
            lines.append(current)
            current, used = "", 0
        current, used = current + ch, used + w
    return lines + ([current] if current or not lines else [])


def _pair(left: str, right: str) -> str:
    """`left` and `right` on one 32-column line, right-aligned; `left` is cut to fit."""
    room = WIDTH - display_width(right) - 1
    left = _fit(left, max(room, 0))
    return left + " " * (WIDTH - display_width(left) - display_width(right)) + right


def _centre(text: str) -> str:
    pad = max(WIDTH - display_width(text), 0) // 2
    return " " * pad + text


def _money(value: object) -> str:
    try:
        return f"{Decimal(str(value)):.2f}"
    except ArithmeticError:
        return str(value)


def receipt_title(receipt: Receipt) -> str:
    """What the receipt is, as printed on it and named in its page's and PDF's titles."""
    return TITLES.get(ReceiptKind(receipt.kind), receipt.get_kind_display())


def receipt_lines(receipt: Receipt) -> list[str]:
    """The receipt as printed, one string per printer line, none wider than 32 columns."""
    supermarket = receipt.supermarket
    rule = "-" * WIDTH
    issued = timezone.localtime(receipt.issued_at)
    out = [
        _centre(_fit(supermarket.name, WIDTH)),
        _centre(receipt_title(receipt)),
        rule,
        _fit(f"单号 {receipt.number}", WIDTH),
        _fit(f"时间 {issued:%Y-%m-%d %H:%M:%S}", WIDTH),
        _fit(f"收银员 {receipt.operator.email.split('@')[0]}", WIDTH),
        rule,
    ]
    for line in receipt.lines:
        out += _wrap(str(line.get("name", "")))
        quantity = line.get("quantity", 1)
        out.append(
            _pair(
                f"  {quantity} x {_money(line.get('unit_price', ''))}",
                _money(line.get("amount", "")),
            )
        )
    out += [rule, _pair("合计 TOTAL", f"¥{_money(receipt.total)}")]
    # Money handed back goes the other way: the villager is told how it was returned.
    how = "退款方式" if receipt.kind == ReceiptKind.CASH_REFUND else "支付方式"
    out.append(_pair(how, PAYMENT_NAMES.get(receipt.payment_method, receipt.payment_method)))
    for key, value in receipt.payment_details.items():
        if key in DETAIL_NAMES and value:
            shown = str(value) if key in TEXT_DETAILS else _money(value)
            if display_width(DETAIL_NAMES[key]) + display_width(shown) + 1 > WIDTH:
                out += [DETAIL_NAMES[key], _fit(shown, WIDTH)]
            else:
                out.append(_pair(DETAIL_NAMES[key], shown))
    out += [rule, _centre("谢谢惠顾 欢迎再来")]
    if receipt.reprint_count:
        out.append(_centre(f"重打第 {receipt.reprint_count} 次"))
    return out


def receipt_pdf(receipt: Receipt) -> bytes:
    """A PDF 58 mm wide and as long as the receipt, in the PDF's built-in CJK font (no font
    file is shipped or embedded: every PDF reader has STSong-Light)."""
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    lines = receipt_lines(receipt)
    size, leading, margin = 7.0, 9.0, 3 * mm
    height = 2 * margin + leading * len(lines)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(58 * mm, height))
    pdf.setTitle(f"{receipt_title(receipt)} {receipt.number}")
    pdf.setFont(CJK_FONT, size)
    # A column is half a CJK character: 32 columns fill the 52 mm between the margins.
    column = (58 * mm - 2 * margin) / WIDTH
    for i, line in enumerate(lines):
        y = height - margin - leading * (i + 1) + 2
        x = margin
        for ch in line:
            if ch != " ":
                pdf.drawString(x, y, ch)
            x += column * display_width(ch)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def qr_svg(text: str, *, size: float = 200.0) -> str:
    widget = QrCodeWidget(text)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return str(renderSVG.drawToString(drawing))
