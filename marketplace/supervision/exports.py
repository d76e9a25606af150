"""A stored report as a spreadsheet (openpyxl) and as a PDF (reportlab, Chinese through
the CID font STSong-Light that reportlab ships, so no font file is needed)."""

from __future__ import annotations

import contextlib
import io
from decimal import Decimal

from openpyxl import Workbook
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from marketplace.supervision.indicators import INDICATORS_BY_CODE, value_definition
from marketplace.supervision.models import PeriodicReport, ReportValue, ValueStatus

CJK_FONT = "STSong-Light"
HEADER = (
    "编码 Code",
    "指标 Indicator",
    "单位 Unit",
    "本期 Value",
    "上期 Previous",
    "变化 Change",
    "定义 Definition",
)


def _change(value: ReportValue) -> str:
    if value.value is None or value.previous_value is None:
        return ""
    delta = value.value - value.previous_value
    return f"{delta:+.2f}"


def _shown(value: ReportValue) -> str:
    if value.status == ValueStatus.SOURCE_PENDING:
        return "数据源待接入 source pending"
    if value.value is None:
        return "—"
    return f"{value.value:.2f}"


def report_rows(report: PeriodicReport) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for value in report.values.all():
        indicator = INDICATORS_BY_CODE.get(value.indicator_code)
        name = f"{indicator.name_zh} {indicator.name_en}" if indicator else value.indicator_code
        rows.append(
            (
                value.indicator_code,
                name,
                indicator.unit if indicator else "",
                _shown(value),
                "" if value.previous_value is None else f"{value.previous_value:.2f}",
                _change(value),
                value_definition(value),
            )
        )
    return rows


def _title(report: PeriodicReport) -> str:
    scope = report.township or report.county
    return f"{scope} 定期数据报告 {report.period_label}"


def report_xlsx(report: PeriodicReport) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = report.period_label
    sheet.append([_title(report)])
    sheet.append([f"Generated {report.generated_at:%Y-%m-%d %H:%M}"])
    sheet.append(list(HEADER))
    for row in report_rows(report):
        cells: list[object] = list(row)
        # Figures as numbers, so the sheet can sum them; labels ("source pending") stay text.
        for index in (3, 4, 5):
            with contextlib.suppress(ArithmeticError):
                cells[index] = Decimal(row[index]) if row[index] else None
        sheet.append(cells)
    for column, width in zip("ABCDEFG", (24, 30, 10, 16, 16, 12, 70), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report_pdf(report: PeriodicReport) -> bytes:
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=landscape(A4), title=_title(report))
    cell = ParagraphStyle("cell", fontName=CJK_FONT, fontSize=7, leading=9)
    heading = ParagraphStyle("heading", fontName=CJK_FONT, fontSize=14, leading=18)
    data = [[Paragraph(text, cell) for text in HEADER]]
    data += [[Paragraph(text, cell) for text in row] for row in report_rows(report)]
    table = Table(data, colWidths=[80, 110, 40, 70, 55, 45, 380], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    document.build([Paragraph(_title(report), heading), Spacer(1, 8), table])
    return out.getvalue()
