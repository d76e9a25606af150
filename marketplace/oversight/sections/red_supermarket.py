"""The Red Supermarkets' work: agency services by category, cash withdrawn (助农取款),
parcels handled at the stations, unusual withdrawals, and reconciliation differences nobody
has cleared yet.

Read live rather than precomputed: these tables are small next to orders (a few dozen rows
per supermarket and day), and a mismatch cleared this morning must leave the page now, not
after the nightly refresh. Seven statements whatever the number of villages.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from logistics.parcels.models import ParcelDispatch, StationParcel
from marketplace.agency.models import (
    AgencyOrder,
    CashWithdrawal,
    DiscrepancyKind,
    ReconciliationItem,
    ServiceCategory,
    TicketBooking,
    TicketStatus,
    WithdrawalStatus,
)
from marketplace.agency.models import OrderStatus as AgencyStatus
from marketplace.oversight.months import in_months, local_zone
from marketplace.oversight.sections.base import Panel, SectionQuery, SectionResult, money

CARRIED_OUT = (AgencyStatus.SUCCESS, AgencyStatus.TASK_DONE)
TICKETS_ISSUED = (TicketStatus.ISSUED, TicketStatus.REFUNDED)


def unusual_withdrawal_floor() -> Decimal:
    """A single withdrawal this close to the card's daily limit is listed for a look: cash
    taken out in one go at the cap is how a lent or stolen card is usually emptied."""
    share = Decimal(str(settings.OVERSIGHT_UNUSUAL_WITHDRAWAL_SHARE))
    return (Decimal(str(settings.AGENCY_WITHDRAWAL_CARD_DAILY_LIMIT)) * share).quantize(
        Decimal("0.01")
    )


def red_supermarket_section(query: SectionQuery) -> SectionResult:
    villages = query.scope.village_ids
    months = query.period.months
    at_supermarkets = Q(supermarket__shop__village_id__in=villages) & in_months(
        "created_at", months
    )

    by_category = {
        row["item__category"]: (row["n"], money(row["amount"]))
        for row in AgencyOrder.objects.filter(at_supermarkets, status__in=CARRIED_OUT)
        .values("item__category")
        .annotate(n=Count("pk"), amount=Sum("amount"))
    }
    tickets = TicketBooking.objects.filter(at_supermarkets, status__in=TICKETS_ISSUED).aggregate(
        n=Count("pk"), amount=Sum("price")
    )
    by_category[ServiceCategory.TICKET] = (tickets["n"], money(tickets["amount"]))

    withdrawn = {
        row["month"].astimezone(local_zone()).date(): (row["n"], money(row["amount"]))
        for row in CashWithdrawal.objects.filter(at_supermarkets, status=WithdrawalStatus.SUCCESS)
        .annotate(month=TruncMonth("created_at", tzinfo=local_zone()))
        .values("month")
        .annotate(n=Count("pk"), amount=Sum("amount"))
    }
    by_category[ServiceCategory.CASH_WITHDRAWAL] = (
        sum(n for n, _ in withdrawn.values()),
        money(sum((amount for _, amount in withdrawn.values()), Decimal(0))),
    )

    at_stations = Q(station__village_id__in=villages)
    logged_in = _per_month(
        StationParcel.objects.filter(at_stations & in_months("arrived_at", months)), "arrived_at"
    )
    sent = _per_month(
        ParcelDispatch.objects.filter(at_stations & in_months("created_at", months)), "created_at"
    )

    floor = unusual_withdrawal_floor()
    unusual = list(
        CashWithdrawal.objects.filter(
            at_supermarkets, status=WithdrawalStatus.SUCCESS, amount__gte=floor
        )
        .values("supermarket__shop__village__name")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by("-n", "supermarket__shop__village__name")
    )
    # Open differences of any date: one left over from last month still needs clearing.
    open_differences = {
        (row["supermarket__shop__village__name"], row["kind"]): row["n"]
        for row in ReconciliationItem.objects.filter(
            supermarket__shop__village_id__in=villages, cleared=False
        )
        .values("supermarket__shop__village__name", "kind")
        .annotate(n=Count("pk"))
    }

    category_rows = [
        [label, *by_category.get(value, (0, money(0)))] for value, label in _CATEGORY_LABELS
    ]
    month_rows = []
    for month in months:
        count, amount = withdrawn.get(month, (0, money(0)))
        month_rows.append(
            [f"{month:%Y-%m}", count, amount, logged_in.get(month, 0), sent.get(month, 0)]
        )
    difference_villages = sorted({village for village, _ in open_differences})
    difference_rows = [
        [village, *(open_differences.get((village, kind), 0) for kind in DiscrepancyKind.values)]
        for village in difference_villages
    ]
    services_total = sum(int(row[1]) for row in category_rows)
    return SectionResult(
        key="red_supermarket",
        title="红色超市",
        headline=[
            ("代办服务", services_total, "件"),
            ("助农取款", by_category[ServiceCategory.CASH_WITHDRAWAL][1], "元"),
            ("代收包裹", sum(logged_in.values()), "件"),
            ("未清对账差异", sum(open_differences.values()), "条"),
        ],
        panels=[
            Panel(
                "agency_by_category",
                "代办服务（按类别）",
                "bar",
                ["类别", "件数", "金额（元）"],
                category_rows,  # type: ignore[arg-type]
                series=[1],
                note="已办成的代缴、充值、政务代办，已出的票，已付现的助农取款。",
            ),
            Panel(
                "cash_and_parcels",
                "助农取款与包裹（按月）",
                "line",
                ["月份", "取款笔数", "取款金额（元）", "代收包裹", "代寄包裹"],
                month_rows,  # type: ignore[arg-type]
                series=[2, 3, 4],
            ),
            Panel(
                "unusual_withdrawals",
                "大额取款（接近单卡日限额）",
                "table",
                ["行政村", "笔数", "金额（元）"],
                [
                    [row["supermarket__shop__village__name"], row["n"], money(row["amount"])]
                    for row in unusual
                ],
                note=f"单笔不低于 {floor} 元（单卡日限额的 "
                f"{Decimal(str(settings.OVERSIGHT_UNUSUAL_WITHDRAWAL_SHARE)) * 100:.0f}%）。",
            ),
            Panel(
                "open_reconciliation_differences",
                "未清对账差异",
                "table",
                ["行政村", "我方缺", "对方缺", "金额或状态不符"],
                difference_rows,  # type: ignore[arg-type]
                note="服务商对账单、支付宝账单与本平台记录的差异，收银员核实清除前一直列出。",
            ),
        ],
    )


_CATEGORY_LABELS = [
    (ServiceCategory.UTILITY, "水电燃气"),
    (ServiceCategory.TELECOM, "话费宽带"),
    (ServiceCategory.CABLE_TV, "有线电视"),
    (ServiceCategory.SOCIAL_INSURANCE, "城乡社保"),
    (ServiceCategory.COMMERCIAL_INSURANCE, "车险财产险"),
    (ServiceCategory.TICKET, "车票机票"),
    (ServiceCategory.CASH_WITHDRAWAL, "助农取款"),
    (ServiceCategory.PARCEL, "快递代收代寄"),
    (ServiceCategory.GOVERNMENT, "政务代办"),
]


def _per_month(rows: object, field: str) -> dict[object, int]:
    return {
        row["month"].astimezone(local_zone()).date(): row["n"]
        for row in rows.annotate(month=TruncMonth(field, tzinfo=local_zone()))  # type: ignore[attr-defined]
        .values("month")
        .annotate(n=Count("pk"))
    }
