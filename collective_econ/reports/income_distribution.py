"""The 收益及收益分配表 (income and income distribution statement) of a village collective
for one year, in the row order of the 2023 accounting system for rural collective economic
organisations (农村集体经济组织会计制度): the year's income, then its distribution, down to
the undistributed income carried into next year.

The ledger keeps one income account per collective, so 经营收入 is the year's credits to
it (commissions and collective sales) and 经营支出 its debits (clawbacks after refunds);
the distribution rows come from the year's distribution once the assembly approved it, and
read zero before that. As a page (`rows`) and as an XLSX workbook (`as_xlsx`, openpyxl).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from collective_econ.distribution.selectors import opening_undistributed, year_bounds
from collective_econ.models import (
    AccountKind,
    Distribution,
    DistributionStatus,
    JournalKind,
    Posting,
)
from marketplace.divisions.models import Village

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class StatementRow:
    line: int
    label: str
    amount: Decimal
    # Indented rows are the parts of the total row above them (加/减 lines).
    indent: int = 0


@dataclass(frozen=True)
class Statement:
    village: Village
    year: int
    distribution: Distribution | None
    rows: list[StatementRow]

    def amount(self, line: int) -> Decimal:
        return next(row.amount for row in self.rows if row.line == line)


def _income_and_expense(*, village: Village, year: int) -> tuple[Decimal, Decimal]:
    start, end = year_bounds(year)
    totals = (
        Posting.objects.filter(
            account__kind=AccountKind.VILLAGE_COLLECTIVE,
            account__village=village,
            transaction__posted_at__gte=start,
            transaction__posted_at__lt=end,
        )
        .exclude(transaction__kind=JournalKind.DISTRIBUTION)
        .aggregate(
            credits=Sum("amount", filter=Q(amount__lt=0)),
            debits=Sum("amount", filter=Q(amount__gt=0)),
        )
    )
    return -(totals["credits"] or ZERO), totals["debits"] or ZERO


def income_distribution_statement(*, village: Village, year: int) -> Statement:
    income, expense = _income_and_expense(village=village, year=year)
    net = income - expense
    distribution = (
        Distribution.objects.filter(village=village, year=year)
        # Drafts and the returned or cancelled rows the year's history keeps are not
        # the year's distribution.
        .filter(
            status__in=[
                DistributionStatus.APPROVED,
                DistributionStatus.FILED,
                DistributionStatus.PAID,
            ]
        )
        .first()
    )
    opening = opening_undistributed(village=village, year=year)
    other_in = ZERO
    distributable = net + opening + other_in
    reserve = distribution.reserve_amount if distribution else ZERO
    welfare = distribution.welfare_amount if distribution else ZERO
    investors = distribution.investor_amount if distribution else ZERO
    members = distribution.member_amount if distribution else ZERO
    other_out = ZERO
    closing = distributable - reserve - welfare - investors - members - other_out
    rows = [
        StatementRow(1, "一、经营收入", income),
        StatementRow(2, "减：经营支出", expense, indent=1),
        StatementRow(10, "二、本年收益", net),
        StatementRow(11, "三、收益分配：本年收益", net),
        StatementRow(12, "加：年初未分配收益", opening, indent=1),
        StatementRow(13, "其他转入", other_in, indent=1),
        StatementRow(14, "四、可分配收益", distributable),
        StatementRow(15, "减：提取公积公益金", reserve, indent=1),
        StatementRow(16, "提取福利费", welfare, indent=1),
        StatementRow(17, "外来投资分利", investors, indent=1),
        StatementRow(18, "成员分配", members, indent=1),
        StatementRow(19, "其他", other_out, indent=1),
        StatementRow(20, "五、年末未分配收益", closing),
    ]
    return Statement(village=village, year=year, distribution=distribution, rows=rows)


def as_xlsx(statement: Statement) -> bytes:
    """The statement as a one-sheet workbook laid out like the paper form."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"收益及收益分配表{statement.year}"
    sheet.append(["收益及收益分配表"])
    sheet.merge_cells("A1:C1")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append([f"编制单位：{statement.village.name}", f"{statement.year}年度", "单位：元"])
    sheet.append(["项目", "行次", "金额"])
    thin = Side(style="thin")
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in statement.rows:
        sheet.append([("    " * row.indent) + row.label, row.line, row.amount])
    for cells in sheet.iter_rows(min_row=3, max_row=sheet.max_row):
        for cell in cells:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        cells[2].number_format = "#,##0.00"
    sheet.column_dimensions["A"].width = 32
    sheet.column_dimensions["B"].width = 8
    sheet.column_dimensions["C"].width = 18
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
