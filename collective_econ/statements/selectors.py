"""Income statements read from the ledger, never from orders: what a household earned in a
month or a year (sales by product, commission, fees, clawbacks, payouts, what is still
owed to it; dividends from the collective and their payouts), what a village collective
earned by source, and which households of a township are below or heading towards the
poverty-monitoring line.

Every figure is an aggregate in SQL over postings (a household statement is two
statements, a village's one is two, a township's watch is three), and every figure
carries the ids of the order lines behind it. Periods are calendar months and years in
settings.TIME_ZONE, by when the ledger posted the entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from collective_econ.error_codes import StatementErrorCode
from collective_econ.models import (
    Account,
    AccountKind,
    BalanceSnapshot,
    JournalKind,
    JournalTransaction,
    PeriodClose,
    Posting,
    PovertyMonitoringLine,
)
from marketplace.core.errors import refuse
from marketplace.divisions.models import Province, Township, Village
from marketplace.orders.models import OrderLine, ShopOrder
from marketplace.organisations.models import Household, Shop

ZERO = Decimal("0.00")
CENT = Decimal("0.01")

_T = JournalTransaction._meta.db_table
_P = Posting._meta.db_table
_A = Account._meta.db_table
_OL = OrderLine._meta.db_table
_SO = ShopOrder._meta.db_table
_SHOP = Shop._meta.db_table
_HH = Household._meta.db_table
_V = Village._meta.db_table
_PC = PeriodClose._meta.db_table
_BS = BalanceSnapshot._meta.db_table


@dataclass(frozen=True)
class Period:
    year: int
    month: int | None
    start: datetime
    end: datetime

    @property
    def months(self) -> int:
        return 1 if self.month else 12

    def days_shown(self, *, now: datetime | None = None) -> tuple[date, date]:
        """The first and last local day whose postings the statement can show: a period
        still running ends today (what a data request's period must hold to read it)."""
        today = timezone.localdate(now or timezone.now())
        last = timezone.localtime(self.end - timedelta(microseconds=1)).date()
        return timezone.localtime(self.start).date(), min(last, today)


def statement_period(*, year: Any, month: Any = None, now: datetime | None = None) -> Period:
    """The calendar month (or year, month None) as [start, end) in local time; a year
    outside 2000..2100 or after this one, or a month outside 1..12, is INVALID_PERIOD."""
    current = timezone.localtime(now or timezone.now())
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= current.year:
        raise refuse(
            "year",
            f"{year!r} is not a year between 2000 and {current.year}.",
            StatementErrorCode.INVALID_PERIOD,
        )
    if month is not None and (
        not isinstance(month, int) or isinstance(month, bool) or not 1 <= month <= 12
    ):
        raise refuse(
            "month", f"{month!r} is not a month (1 to 12).", StatementErrorCode.INVALID_PERIOD
        )
    tz = timezone.get_current_timezone()
    if month is None:
        return Period(
            year, None, datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)
        )
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return Period(year, month, datetime(year, month, 1, tzinfo=tz), end)


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


# --- household ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductSales:
    """One product's consignment sales in the period: `gross` is what buyers paid for it
    (after discounts, before shipping), `net` what the household was credited."""

    product_name: str
    quantity: int
    gross: Decimal
    commission: Decimal
    platform_fee: Decimal
    net: Decimal
    order_line_ids: list[int]


@dataclass(frozen=True)
class HouseholdStatement:
    household: Household
    period: Period
    sales: list[ProductSales]
    # Taken back after refunds (from what was owed, and as a receivable beyond it).
    clawbacks: Decimal
    clawback_order_line_ids: list[int]
    payouts: Decimal
    payout_transaction_ids: list[int]
    # What the ledger owed the household at the start and at the end of the period.
    opening_balance: Decimal
    balance_due: Decimal
    # What the household owes back (clawed back after it was paid out), at the end.
    receivable: Decimal
    # Its MEMBER account: dividends of the collective's distributions filed in the period,
    # what was paid out of them, and what they still owe the household.
    dividends: Decimal = ZERO
    dividend_transaction_ids: list[int] = field(default_factory=list)
    dividend_payouts: Decimal = ZERO
    dividend_payout_transaction_ids: list[int] = field(default_factory=list)
    member_opening_balance: Decimal = ZERO
    member_balance_due: Decimal = ZERO

    @property
    def gross(self) -> Decimal:
        return sum((s.gross for s in self.sales), ZERO)

    @property
    def commission(self) -> Decimal:
        return sum((s.commission for s in self.sales), ZERO)

    @property
    def platform_fees(self) -> Decimal:
        return sum((s.platform_fee for s in self.sales), ZERO)

    @property
    def net_sales(self) -> Decimal:
        return sum((s.net for s in self.sales), ZERO)

    @property
    def net_income(self) -> Decimal:
        return self.net_sales - self.clawbacks

    @property
    def total_income(self) -> Decimal:
        """Sales income and dividends: what the poverty-monitoring line is measured by."""
        return self.net_income + self.dividends

    @property
    def member_count(self) -> int:
        return self.household.member_count

    @property
    def per_capita_income(self) -> Decimal:
        return (self.total_income / self.member_count).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def order_line_ids(self) -> list[int]:
        ids = {i for s in self.sales for i in s.order_line_ids}
        return sorted(ids | set(self.clawback_order_line_ids))


# Driven from the household's own postings (a materialised CTE: the planner must not start
# from every settlement of the period when statistics lag behind a big settlement run).
_HOUSEHOLD_SALES = f"""
WITH mine AS MATERIALIZED (
    SELECT hp.transaction_id
      FROM {_A} ha
      JOIN {_P} hp ON hp.account_id = ha.id
     WHERE ha.household_id = %s AND ha.kind = 'HOUSEHOLD'
)
SELECT ol.product_name, SUM(ol.quantity), SUM(s.net + s.commission + s.fee),
       SUM(s.commission), SUM(s.fee), SUM(s.net), array_agg(ol.id ORDER BY ol.id)
  FROM (SELECT t.order_line_id,
               SUM(CASE WHEN a.kind = 'HOUSEHOLD' THEN -p.amount ELSE 0 END) AS net,
               SUM(CASE WHEN a.kind = 'VILLAGE_COLLECTIVE' THEN -p.amount ELSE 0 END)
                   AS commission,
               SUM(CASE WHEN a.kind = 'PLATFORM_FEES' THEN -p.amount ELSE 0 END) AS fee
          FROM mine
          JOIN {_T} t ON t.id = mine.transaction_id
          JOIN {_P} p ON p.transaction_id = t.id
          JOIN {_A} a ON a.id = p.account_id
         WHERE t.kind = 'SETTLEMENT' AND t.posted_at >= %s AND t.posted_at < %s
         GROUP BY t.order_line_id) s
  -- OFFSET 0 keeps this a per-line index lookup (no hash join over every order line).
  CROSS JOIN LATERAL (SELECT l.id, l.product_name, l.quantity FROM {_OL} l
                       WHERE l.id = s.order_line_id OFFSET 0) ol
 GROUP BY ol.product_name
 ORDER BY ol.product_name
"""

# Opening balances start from the latest period close at or before the period's start
# (its snapshot rows, journal kind NULL: they only open balances), plus what was posted
# from that close's end on; history before it is not read again.
_HOUSEHOLD_MOVEMENTS = f"""
WITH close AS (
    SELECT id, period_end FROM {_PC} WHERE period_end <= %s ORDER BY period_end DESC LIMIT 1
)
SELECT a.kind, t.kind,
       COALESCE(SUM(p.amount) FILTER (WHERE t.posted_at < %s), 0),
       COALESCE(SUM(p.amount) FILTER (WHERE t.posted_at >= %s), 0),
       array_agg(DISTINCT t.order_line_id) FILTER (WHERE t.posted_at >= %s),
       array_agg(DISTINCT t.id) FILTER (WHERE t.posted_at >= %s)
  FROM {_P} p
  JOIN {_A} a ON a.id = p.account_id
  JOIN {_T} t ON t.id = p.transaction_id
 WHERE a.household_id = %s AND t.posted_at < %s
   -- "+ interval '0'" keeps this bound out of the index: it is unknown when the query is
   -- planned, and as an index condition it made the planner hash every transaction of
   -- the period (28 ms at 100,000 lines) instead of looking up the household's few.
   AND t.posted_at + interval '0 seconds' >= COALESCE((SELECT period_end FROM close),
                                                      '-infinity')
 GROUP BY a.kind, t.kind
UNION ALL
SELECT a.kind, NULL, SUM(s.balance), 0, NULL, NULL
  FROM close
  JOIN {_BS} s ON s.period_close_id = close.id
  JOIN {_A} a ON a.id = s.account_id
 WHERE a.household_id = %s AND s.currency = 'CNY'
 GROUP BY a.kind
"""


def household_statement(*, household: Household, period: Period) -> HouseholdStatement:
    """A household's statement for `period` (see `statement_period`). Two statements."""
    sales = [
        ProductSales(name, int(qty), gross, commission, fee, net, ids)
        for name, qty, gross, commission, fee, net, ids in _rows(
            _HOUSEHOLD_SALES, [household.pk, period.start, period.end]
        )
    ]
    opening = closing = receivable = clawbacks = payouts = ZERO
    dividends = dividend_payouts = member_opening = member_closing = ZERO
    clawback_lines: set[int] = set()
    payout_ids: set[int] = set()
    dividend_ids: set[int] = set()
    dividend_payout_ids: set[int] = set()
    start = period.start
    for account_kind, journal_kind, before, during, line_ids, txn_ids in _rows(
        _HOUSEHOLD_MOVEMENTS,
        [start, start, start, start, start, household.pk, period.end, household.pk],
    ):
        if account_kind == AccountKind.HOUSEHOLD:
            opening -= before
            closing -= before + during
        elif account_kind == AccountKind.HOUSEHOLD_RECEIVABLE:
            receivable += before + during
        if journal_kind == JournalKind.CLAWBACK and account_kind in (
            AccountKind.HOUSEHOLD,
            AccountKind.HOUSEHOLD_RECEIVABLE,
        ):
            clawbacks += during
            clawback_lines.update(i for i in line_ids or [] if i is not None)
        elif journal_kind == JournalKind.PAYOUT and account_kind == AccountKind.HOUSEHOLD:
            payouts += during
            payout_ids.update(txn_ids or [])
        if account_kind == AccountKind.MEMBER:
            member_opening -= before
            member_closing -= before + during
            if journal_kind == JournalKind.DISTRIBUTION:
                dividends -= during
                dividend_ids.update(txn_ids or [])
            elif journal_kind == JournalKind.PAYOUT:
                dividend_payouts += during
                dividend_payout_ids.update(txn_ids or [])
    return HouseholdStatement(
        household=household,
        period=period,
        sales=sales,
        clawbacks=clawbacks,
        clawback_order_line_ids=sorted(clawback_lines),
        payouts=payouts,
        payout_transaction_ids=sorted(payout_ids),
        opening_balance=opening,
        balance_due=closing,
        receivable=receivable,
        dividends=dividends,
        dividend_transaction_ids=sorted(dividend_ids),
        dividend_payouts=dividend_payouts,
        dividend_payout_transaction_ids=sorted(dividend_payout_ids),
        member_opening_balance=member_opening,
        member_balance_due=member_closing,
    )


# --- village collective -----------------------------------------------------------------


@dataclass(frozen=True)
class IncomeSource:
    source: str
    amount: Decimal
    order_line_count: int = 0


@dataclass(frozen=True)
class CollectiveIncomeStatement:
    """A village's year. `gross_sales` is what buyers paid for its shops' settled lines
    (shipping included); it splits into `collective_sales` (collective lines),
    `commissions` (kept from consignment), `household_share`, `platform_fees` and
    `logistics`. `clawbacks` are what refunds took back from the collective, `other`
    what else reached its income account (by journal kind)."""

    village: Village
    period: Period
    gross_sales: Decimal
    collective_sales: Decimal
    commissions: Decimal
    household_share: Decimal
    platform_fees: Decimal
    logistics: Decimal
    clawbacks: Decimal
    other: list[IncomeSource]
    order_lines_settled: int

    @property
    def collective_income(self) -> Decimal:
        return (
            self.collective_sales
            + self.commissions
            - self.clawbacks
            + sum((o.amount for o in self.other), ZERO)
        )

    @property
    def by_source(self) -> list[IncomeSource]:
        return [
            IncomeSource("SALES_SETTLED", self.collective_sales),
            IncomeSource("COMMISSIONS", self.commissions),
            IncomeSource("CLAWBACKS", -self.clawbacks),
            *self.other,
        ]


_VILLAGE_LINES = f"""
WITH lines AS MATERIALIZED (
    SELECT ol.id, ol.beneficiary_household_id IS NULL AS collective
      FROM {_SHOP} s
      JOIN {_SO} so ON so.shop_id = s.id
      JOIN {_OL} ol ON ol.shop_order_id = so.id
     WHERE s.village_id = %s
)
SELECT t.kind, a.kind, lines.collective, SUM(p.amount), COUNT(*) FILTER (WHERE p.amount > 0)
  FROM lines
  JOIN {_T} t ON t.order_line_id = lines.id
  JOIN {_P} p ON p.transaction_id = t.id
  JOIN {_A} a ON a.id = p.account_id
 WHERE t.kind IN ('SETTLEMENT', 'CLAWBACK') AND t.posted_at >= %s AND t.posted_at < %s
 GROUP BY 1, 2, 3
"""

_VILLAGE_OTHER = f"""
SELECT t.kind, -SUM(p.amount)
  FROM {_A} a
  JOIN {_P} p ON p.account_id = a.id
  JOIN {_T} t ON t.id = p.transaction_id
 WHERE a.village_id = %s AND a.kind = 'VILLAGE_COLLECTIVE'
   AND t.kind NOT IN ('SETTLEMENT', 'CLAWBACK')
   AND t.posted_at >= %s AND t.posted_at < %s
 GROUP BY t.kind
 ORDER BY t.kind
"""


def collective_income_statement(*, village: Village, period: Period) -> CollectiveIncomeStatement:
    figures: dict[str, Decimal] = dict.fromkeys(
        ("gross", "collective", "commission", "households", "fees", "logistics", "clawback"),
        ZERO,
    )
    settled = 0
    for journal_kind, account_kind, collective_line, total, debits in _rows(
        _VILLAGE_LINES, [village.pk, period.start, period.end]
    ):
        if journal_kind == JournalKind.CLAWBACK:
            if account_kind == AccountKind.VILLAGE_COLLECTIVE:
                figures["clawback"] += total
            continue
        # A settlement has one debit, the buyer's payment: counting debits counts lines.
        settled += debits
        if total > 0:
            figures["gross"] += total
        elif account_kind == AccountKind.VILLAGE_COLLECTIVE:
            figures["collective" if collective_line else "commission"] -= total
        elif account_kind == AccountKind.HOUSEHOLD:
            figures["households"] -= total
        elif account_kind == AccountKind.PLATFORM_FEES:
            figures["fees"] -= total
        elif account_kind == AccountKind.LOGISTICS_PAYABLE:
            figures["logistics"] -= total
    other = [
        IncomeSource(kind, total)
        for kind, total in _rows(_VILLAGE_OTHER, [village.pk, period.start, period.end])
    ]
    return CollectiveIncomeStatement(
        village=village,
        period=period,
        gross_sales=figures["gross"],
        collective_sales=figures["collective"],
        commissions=figures["commission"],
        household_share=figures["households"],
        platform_fees=figures["fees"],
        logistics=figures["logistics"],
        clawbacks=figures["clawback"],
        other=other,
        order_lines_settled=settled,
    )


# --- poverty-monitoring watch -------------------------------------------------------------


class PovertyStatus:
    BELOW_LINE = "BELOW_LINE"
    NEAR_LINE = "NEAR_LINE"
    FALLING = "FALLING"


@dataclass(frozen=True)
class HouseholdWatch:
    household: Household
    status: str
    # The 12 months' net income (sales less clawbacks) per person, and the months behind it.
    annual_per_capita_income: Decimal
    monthly_income: list[Decimal] = field(default_factory=list)


@dataclass(frozen=True)
class PovertyWatch:
    township: Township
    year: int
    line: Decimal
    margin: Decimal
    window_start: datetime
    window_end: datetime
    flagged: list[HouseholdWatch]
    households_checked: int


def poverty_line_for(*, township: Township, year: int) -> Decimal:
    """The province's line for `year` (the province is the county code's first two
    digits), else settings.POVERTY_MONITORING_LINE_DEFAULT."""
    line = (
        PovertyMonitoringLine.objects.filter(
            province__in=Province.objects.filter(code=township.county.code[:2]), year=year
        )
        .values_list("annual_per_capita_income", flat=True)
        .first()
    )
    return line if line is not None else Decimal(settings.POVERTY_MONITORING_LINE_DEFAULT)


def poverty_lines_for_townships(*, township_ids: Iterable[int], year: int) -> dict[int, Decimal]:
    """`poverty_line_for` of many townships in two statements, however many there are."""
    counties = dict(
        Township.objects.filter(pk__in=list(township_ids)).values_list("pk", "county__code")
    )
    by_province = dict(
        PovertyMonitoringLine.objects.filter(
            province__code__in={code[:2] for code in counties.values()}, year=year
        ).values_list("province__code", "annual_per_capita_income")
    )
    default = Decimal(settings.POVERTY_MONITORING_LINE_DEFAULT)
    return {pk: by_province.get(code[:2], default) for pk, code in counties.items()}


_MONTHLY_INCOME = f"""
SELECT a.household_id,
       (EXTRACT(YEAR FROM t.posted_at AT TIME ZONE %s) * 12
        + EXTRACT(MONTH FROM t.posted_at AT TIME ZONE %s) - 1)::int,
       -SUM(p.amount)
  FROM {_A} a
  JOIN {_P} p ON p.account_id = a.id
  JOIN {_T} t ON t.id = p.transaction_id
 WHERE ((a.kind IN ('HOUSEHOLD', 'HOUSEHOLD_RECEIVABLE') AND t.kind IN ('SETTLEMENT', 'CLAWBACK'))
        OR (a.kind = 'MEMBER' AND t.kind = 'DISTRIBUTION'))
   AND a.household_id IN (SELECT h.id FROM {_HH} h JOIN {_V} v ON v.id = h.village_id
                           WHERE v.township_id = %s)
   AND t.posted_at >= %s AND t.posted_at < %s
 GROUP BY 1, 2
"""


def households_near_poverty_line(
    *, township: Township, year: int, now: datetime | None = None
) -> PovertyWatch:
    """Households of `township` to watch in `year`, worst first.

    The rule. Income is what the ledger credited the household for sales, less clawbacks,
    plus the dividends the collective's filed distributions credited its members (by the
    month they were filed), over the 12 calendar months ending with December of `year` (or
    with the current month while `year` is this year). Per-capita income is that sum over
    the household's members.
    With L the province's line for `year` and m = settings.POVERTY_MONITORING_MARGIN:

    - BELOW_LINE: per-capita income < L;
    - NEAR_LINE: L <= per-capita income < L × (1 + m);
    - FALLING: above that, but monthly income fell in each of the last
      N = settings.POVERTY_MONITORING_FALLING_MONTHS months, and the last month's income
      annualised per person (× 12 / members) is below L × (1 + m): heading for the line.

    Only income settled through the platform is seen, so a flag is a prompt for the
    township to look at the household, not a finding. Three statements.
    """
    period = statement_period(year=year, now=now)
    current = timezone.localtime(now or timezone.now())
    last_month = 12 if year < current.year else current.month
    end_index = year * 12 + last_month  # exclusive, months since year 0
    start_index = end_index - 12
    tz = timezone.get_current_timezone()
    window_start = datetime(start_index // 12, start_index % 12 + 1, 1, tzinfo=tz)
    window_end = (
        period.end
        if last_month == 12
        else datetime(end_index // 12, end_index % 12 + 1, 1, tzinfo=tz)
    )
    line = poverty_line_for(township=township, year=year)
    margin = Decimal(settings.POVERTY_MONITORING_MARGIN)
    falling_months = settings.POVERTY_MONITORING_FALLING_MONTHS
    monthly: dict[int, list[Decimal]] = {}
    tz_name = str(tz)
    for household_id, month_index, income in _rows(
        _MONTHLY_INCOME, [tz_name, tz_name, township.pk, window_start, window_end]
    ):
        months = monthly.setdefault(household_id, [ZERO] * 12)
        months[month_index - start_index] += income
    households = list(
        Household.objects.filter(village__township=township).select_related("village")
    )
    near = line * (1 + margin)
    flagged: list[HouseholdWatch] = []
    for household in households:
        months = monthly.get(household.pk, [ZERO] * 12)
        per_capita = (sum(months, ZERO) / household.member_count).quantize(CENT)
        status = None
        if per_capita < line:
            status = PovertyStatus.BELOW_LINE
        elif per_capita < near:
            status = PovertyStatus.NEAR_LINE
        else:
            tail = months[-(falling_months + 1) :]
            falling = all(b < a for a, b in pairwise(tail))
            run_rate = months[-1] * 12 / household.member_count
            if falling and run_rate < near:
                status = PovertyStatus.FALLING
        if status is not None:
            flagged.append(HouseholdWatch(household, status, per_capita, months))
    flagged.sort(key=lambda w: (w.annual_per_capita_income, w.household.pk))
    return PovertyWatch(
        township=township,
        year=year,
        line=line,
        margin=margin,
        window_start=window_start,
        window_end=window_end,
        flagged=flagged,
        households_checked=len(households),
    )
