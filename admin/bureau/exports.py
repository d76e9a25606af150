"""A dashboard panel as a CSV or XLSX download: the same rows the page's table shows."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import Workbook

from marketplace.oversight.sections.base import Panel


def panel_csv(panel: Panel) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(panel.columns)
    writer.writerows(["" if cell is None else cell for cell in row] for row in panel.rows)
    # With a byte-order mark, Excel opens the Chinese headings as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def panel_xlsx(panel: Panel, *, title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    # Sheet titles: at most 31 characters, none of []:*?/\ .
    sheet.title = "".join(c for c in panel.title if c not in "[]:*?/\\")[:31] or "data"
    sheet.append([title])
    sheet.append(panel.columns)
    for row in panel.rows:
        # Decimals go in as they are (openpyxl writes them exactly), never through float.
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, Decimal):
                cell.number_format = "0.00"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
