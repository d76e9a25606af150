"""The 收益及收益分配表 (income and income distribution statement) of a village collective
for one year, laid out as the form of the 2023 accounting system for rural collective
economic organisations (农村集体经济组织会计制度, 财会〔2023〕14号, in force 2024-01-01),
with the year's figures (本年金额) and the previous year's (上年金额). As a page (`rows`)
and as an XLSX workbook (`as_xlsx`, openpyxl).

The form (22 lines; "减"/"加" lines are parts of the total line below them):

    一、经营收入 1 / 减：经营支出 2 · 税金及附加 3 · 管理费用 4 / 加：投资收益 5
    二、经营收益 6 = 1 − 2 − 3 − 4 + 5
        加：补助收入 7 · 其他收入 8 / 减：公益支出 9 · 其他支出 10
    三、收益总额 11 = 6 + 7 + 8 − 9 − 10
        减：所得税费用 12
    四、本年收益 13 = 11 − 12
        加：年初未分配收益 14 · 其他转入 15
    五、可分配收益 16 = 13 + 14 + 15
        减：提取公积公益金 17 · 提取福利费 18 · 向投资者分配 19 · 向成员分配 20 · 其他 21
    六、年末未分配收益 22 = 16 − 17 − 18 − 19 − 20 − 21

How the ledger fills each line. The ledger keeps one income account per collective
(VILLAGE_COLLECTIVE); every posting on it in the year except the distribution itself is
put on exactly one line, by the journal kind of its transaction (a REVERSAL counts on the
line of the entry it reverses, since it undoes that entry), so 本年收益 is always the
collective's net income that distributions start from (`collective_net_income`):

- 1 经营收入: SETTLEMENT (a consignment line's commission, a collective line's price less
  the platform fee), COUNTER_SALE (Red Supermarket sales), AGENCY_SERVICE (代办 fees and
  providers' commissions), net of CLAWBACK (a refund after settlement takes the sale's
  income back, and under the 2023 rules a sales return reduces the revenue it reverses,
  not a cost). The collective is credited net of platform fee and logistics, so none of
  those are the collective's costs.
- 2 经营支出, 3 税金及附加, 4 管理费用, 5 投资收益, 7 补助收入, 9 公益支出,
  12 所得税费用, 15 其他转入, 21 其他: the ledger records no cost of goods, tax,
  administration cost, investment, government grant, public-welfare spending, income tax,
  transfer in from the reserve fund or other appropriation: 0.00, kept on the form.
- 8 其他收入 / 10 其他支出: MANUAL entries (book-keeper's corrections and income the
  platform does not know the nature of): credits are other income, debits other spending.
- The Red Supermarket's till float is not income and is not on the form: a shift's float
  moves between the collective's cash (COLLECTIVE_CASH, 库存现金) and the till
  (CASH_TILL), MANUAL "till-float:" at open and TILL_CLOSE at close, and neither touches
  VILLAGE_COLLECTIVE. Only shifts opened before COLLECTIVE_CASH existed lent their float
  from the income account (and close back to it): those legacy float entries (MANUAL
  "till-float:" and TILL_CLOSE on VILLAGE_COLLECTIVE) are netted against each other, and
  what such a shift still held across a year's end shows as 8 (net credit) or 10 (net
  debit), since those postings are in the collective's income that 本年收益 must equal.
- 14 年初未分配收益: `opening_undistributed` (everything earned before the year less the
  filed distributions of earlier years); so it equals last year's line 22.
- 17–20: the credit legs of the year's filed (or paid) distribution's DISTRIBUTION journal
  entry, by the account they credit: RESERVE_FUND, WELFARE_FUND, INVESTOR, MEMBER. A draft
  or approved distribution has posted nothing and is not on the form yet.

The form's code (e.g. 会农集02表) is left off: it could not be checked against the text of
the rules, and a wrong code on a filed form is worse than none.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, F, Q, Sum, When
from django.db.models.functions import Coalesce
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
FORM_TITLE = "收益及收益分配表"

# (line, label, indent): the form's rows in its order. Indented rows are the 加/减 parts
# of the total row after them; the label carries the 减/加 of the first part of a group.
FORM_LINES: tuple[tuple[int, str, int], ...] = (
    (1, "一、经营收入", 0),
    (2, "减：经营支出", 1),
    (3, "税金及附加", 1),
    (4, "管理费用", 1),
    (5, "加：投资收益", 1),
    (6, "二、经营收益", 0),
    (7, "加：补助收入", 1),
    (8, "其他收入", 1),
    (9, "减：公益支出", 1),
    (10, "其他支出", 1),
    (11, "三、收益总额", 0),
    (12, "减：所得税费用", 1),
    (13, "四、本年收益", 0),
    (14, "加：年初未分配收益", 1),
    (15, "其他转入", 1),
    (16, "五、可分配收益", 0),
    (17, "减：提取公积公益金", 1),
    (18, "提取福利费", 1),
    (19, "向投资者分配", 1),
    (20, "向成员分配", 1),
    (21, "其他", 1),
    (22, "六、年末未分配收益", 0),
)

OPERATING_KINDS = (
    JournalKind.SETTLEMENT,
    JournalKind.COUNTER_SALE,
    JournalKind.AGENCY_SERVICE,
    JournalKind.CLAWBACK,
)
# The distribution's credit legs, by the account they credit, to the form's lines.
DISTRIBUTION_LINES = {
    AccountKind.RESERVE_FUND: 17,
    AccountKind.WELFARE_FUND: 18,
    AccountKind.INVESTOR: 19,
    AccountKind.MEMBER: 20,
}
DISTRIBUTED_STATUSES = (DistributionStatus.FILED, DistributionStatus.PAID)


@dataclass(frozen=True)
class StatementRow:
    line: int
    label: str
    amount: Decimal
    prior_amount: Decimal
    indent: int = 0


@dataclass(frozen=True)
class Statement:
    village: Village
    year: int
    distribution: Distribution | None
    rows: list[StatementRow]

    def amount(self, line: int) -> Decimal:
        return next(row.amount for row in self.rows if row.line == line)

    def prior_amount(self, line: int) -> Decimal:
        return next(row.prior_amount for row in self.rows if row.line == line)


def collective_income_lines(*, village: Village, year: int) -> dict[int, Decimal]:
    """Lines 1, 8 and 10: the year's postings on the collective's income account, summed
    by the journal kind they belong to (see the module docstring), in one query."""
    start, end = year_bounds(year)
    groups = (
        Posting.objects.filter(
            account__kind=AccountKind.VILLAGE_COLLECTIVE,
            account__village=village,
            transaction__posted_at__gte=start,
            transaction__posted_at__lt=end,
        )
        .exclude(transaction__kind=JournalKind.DISTRIBUTION)
        .annotate(
            entry_kind=Coalesce(F("transaction__reverses__kind"), F("transaction__kind")),
            entry_key=Coalesce(
                F("transaction__reverses__idempotency_key"), F("transaction__idempotency_key")
            ),
        )
        # Only floats lent by the income account before COLLECTIVE_CASH existed are on it.
        .annotate(
            legacy_till_float=Case(
                When(
                    Q(entry_kind=JournalKind.TILL_CLOSE)
                    | Q(entry_kind=JournalKind.MANUAL, entry_key__startswith="till-float:"),
                    then=True,
                ),
                default=False,
            )
        )
        .values("entry_kind", "legacy_till_float")
        .annotate(
            credits=Sum("amount", filter=Q(amount__lt=0)),
            debits=Sum("amount", filter=Q(amount__gt=0)),
        )
    )
    operating = other_in = other_out = float_net = ZERO
    for group in groups:
        credits = -(group["credits"] or ZERO)
        debits = group["debits"] or ZERO
        if group["legacy_till_float"]:
            float_net += credits - debits
        elif group["entry_kind"] in OPERATING_KINDS:
            operating += credits - debits
        else:
            other_in += credits
            other_out += debits
    if float_net > 0:
        other_in += float_net
    else:
        other_out -= float_net
    return {1: operating, 8: other_in, 10: other_out}


def year_distribution(*, village: Village, year: int) -> Distribution | None:
    """The year's distribution once filed (it has posted its journal entry), or None."""
    return (
        Distribution.objects.filter(village=village, year=year, status__in=DISTRIBUTED_STATUSES)
        .order_by("pk")
        .first()
    )


def distribution_lines(*, distribution: Distribution | None) -> dict[int, Decimal]:
    """Lines 17–20: the credit legs of the distribution's journal entry, by account kind."""
    lines = dict.fromkeys(DISTRIBUTION_LINES.values(), ZERO)
    if distribution is None:
        return lines
    legs = (
        Posting.objects.filter(
            transaction__kind=JournalKind.DISTRIBUTION,
            transaction__idempotency_key=f"distribution:{distribution.pk}",
            amount__lt=0,
        )
        .values("account__kind")
        .annotate(total=Sum("amount"))
    )
    for leg in legs:
        line = DISTRIBUTION_LINES.get(leg["account__kind"])
        if line is not None:
            lines[line] += -leg["total"]
    return lines


def _year_figures(*, village: Village, year: int) -> tuple[dict[int, Decimal], Distribution | None]:
    figures = dict.fromkeys((line for line, _, _ in FORM_LINES), ZERO)
    figures.update(collective_income_lines(village=village, year=year))
    distribution = year_distribution(village=village, year=year)
    figures.update(distribution_lines(distribution=distribution))
    figures[14] = opening_undistributed(village=village, year=year)
    f = figures
    f[6] = f[1] - f[2] - f[3] - f[4] + f[5]
    f[11] = f[6] + f[7] + f[8] - f[9] - f[10]
    f[13] = f[11] - f[12]
    f[16] = f[13] + f[14] + f[15]
    f[22] = f[16] - f[17] - f[18] - f[19] - f[20] - f[21]
    return figures, distribution


def income_distribution_statement(*, village: Village, year: int) -> Statement:
    current, distribution = _year_figures(village=village, year=year)
    prior, _ = _year_figures(village=village, year=year - 1)
    rows = [
        StatementRow(
            line=line,
            label=label,
            amount=current[line],
            prior_amount=prior[line],
            indent=indent,
        )
        for line, label, indent in FORM_LINES
    ]
    return Statement(village=village, year=year, distribution=distribution, rows=rows)


def as_xlsx(statement: Statement) -> bytes:
    """The statement as a one-sheet workbook laid out like the paper form."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"{FORM_TITLE}{statement.year}"
    sheet.append([FORM_TITLE])
    sheet.merge_cells("A1:D1")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append([f"编制单位：{statement.village.name}", f"{statement.year}年度", "", "单位：元"])
    sheet.append(["项目", "行次", "本年金额", "上年金额"])
    thin = Side(style="thin")
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in statement.rows:
        sheet.append([("    " * row.indent) + row.label, row.line, row.amount, row.prior_amount])
    for cells in sheet.iter_rows(min_row=3, max_row=sheet.max_row):
        for cell in cells:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        cells[2].number_format = cells[3].number_format = "#,##0.00"
    sheet.column_dimensions["A"].width = 32
    sheet.column_dimensions["B"].width = 8
    sheet.column_dimensions["C"].width = 18
    sheet.column_dimensions["D"].width = 18
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
