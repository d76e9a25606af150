"""The nightly precompute: rebuild the months whose underlying rows changed.

What comes in: orders (by the month they were placed), successful refunds (by the month
they completed), parcels (by the month they were delivered or went wrong) and settlement
credits to households (by the month they were posted). What goes out: the rows of
`oversight.models`, whole months at a time. Never imported by the domain it reads.

A month is rebuilt by deleting its rows and inserting them again from the source rows,
inside one transaction under an advisory lock, so a re-run gives the same rows and two
workers never interleave.
"""

from __future__ import annotations

import hashlib
import time as clock
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, DateField, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from collective_econ.benefit.selectors import settlement_credit_postings
from collective_econ.models import JournalTransaction
from logistics.shipment_status import ShipmentStatus
from logistics.tracking_models import Shipment, ShipmentEvent
from marketplace.catalog.models import OfferingKind
from marketplace.orders.models import Order, OrderLine, OrderStatus, ShopOrder
from marketplace.oversight.models import (
    FiguresRefresh,
    HouseholdMonthIncome,
    SkuMonthPrice,
    VillageMonthBuyer,
    VillageMonthFigures,
)
from marketplace.oversight.months import in_months, local_zone, month_of
from marketplace.payments.models import Refund, RefundStatus

# Orders that never became a sale, or stopped being one.
NOT_SALES = (OrderStatus.DRAFT, OrderStatus.UNCONFIRMED, OrderStatus.CANCELED, OrderStatus.EXPIRED)
SHIPPED = (ShipmentStatus.COLLECTED, ShipmentStatus.IN_TRANSIT)
DELIVERED = (ShipmentStatus.DELIVERED, ShipmentStatus.COLLECTED_BY_BUYER)
EXCEPTIONS = (ShipmentStatus.DAMAGED, ShipmentStatus.LOST, ShipmentStatus.RETURNED)
SALES_COLUMN = {
    OfferingKind.PRODUCE: "sales_produce",
    OfferingKind.GOODS: "sales_goods",
    OfferingKind.HOMESTAY: "sales_homestay",
    OfferingKind.EXPERIENCE: "sales_experience",
}
_LOCK_KEY = 0x0F16_5EE7


@dataclass(frozen=True)
class RefreshResult:
    run: FiguresRefresh
    months: list[date]


def _month(field: str) -> TruncMonth:
    return TruncMonth(field, output_field=DateField(), tzinfo=local_zone())


def live_shop_orders() -> QuerySet[ShopOrder]:
    return ShopOrder.objects.exclude(order__status__in=NOT_SALES).exclude(
        status=OrderStatus.CANCELED
    )


def live_order_lines() -> QuerySet[OrderLine]:
    return OrderLine.objects.exclude(shop_order__order__status__in=NOT_SALES).exclude(
        shop_order__status=OrderStatus.CANCELED
    )


def buyer_key(*, user_id: int | None, email: str) -> str:
    if user_id is not None:
        return f"u:{user_id}"
    return "e:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()


# --- Which months changed -------------------------------------------------------------------


def _distinct_months(queryset: QuerySet, field: str) -> set[date]:  # type: ignore[type-arg]
    return set(
        queryset.exclude(**{f"{field}__isnull": True})
        .annotate(m=_month(field))
        .values_list("m", flat=True)
        .distinct()
    )


def months_touched_since(since: datetime | None) -> set[date]:
    """The months whose figures may differ from what was computed before `since` (every
    month with data when `since` is None)."""

    def changed(field: str) -> Q:
        return Q() if since is None else Q(**{f"{field}__gte": since})

    shipments = Shipment.objects.filter(changed("updated_at") | changed("events__created_at"))
    return (
        _distinct_months(Order.objects.filter(changed("updated_at")), "created_at")
        | _distinct_months(ShopOrder.objects.filter(changed("updated_at")), "order__created_at")
        | _distinct_months(
            Refund.objects.filter(changed("created_at") | changed("completed_at")),
            "completed_at",
        )
        | _distinct_months(
            ShipmentEvent.objects.filter(shipment__in=shipments.values("pk")), "occurred_at"
        )
        | _distinct_months(JournalTransaction.objects.filter(changed("posted_at")), "posted_at")
    )


# --- Rebuilding months ----------------------------------------------------------------------


def _zero_figures(village_id: int, month: date) -> VillageMonthFigures:
    return VillageMonthFigures(village_id=village_id, month=month, delivery_minutes=[])


def _village_figures(
    months: list[date], incomes: list[HouseholdMonthIncome]
) -> list[VillageMonthFigures]:
    rows: dict[tuple[int, date], VillageMonthFigures] = {}

    def row(village_id: int, month: date) -> VillageMonthFigures:
        key = (village_id, month)
        if key not in rows:
            rows[key] = _zero_figures(village_id, month)
        return rows[key]

    placed = "shop_order__order__created_at"
    for village_id, month, kind, total in (
        live_order_lines()
        .filter(in_months(placed, months))
        .annotate(m=_month(placed))
        .values_list("shop_order__shop__village_id", "m", "offering_kind")
        .annotate(total=Sum("total_price_amount"))
    ):
        figures = row(village_id, month)
        column = SALES_COLUMN.get(kind, "sales_goods")
        setattr(figures, column, getattr(figures, column) + total)
        figures.sales_total += total
    for village_id, month, count in (
        live_shop_orders()
        .filter(in_months("order__created_at", months))
        .annotate(m=_month("order__created_at"))
        .values_list("shop__village_id", "m")
        .annotate(n=Count("pk"))
    ):
        row(village_id, month).shop_orders = count
    for village_id, month, amount, count in (
        Refund.objects.filter(status=RefundStatus.SUCCESS)
        .filter(in_months("completed_at", months))
        .annotate(m=_month("completed_at"))
        .values_list("shop_order__shop__village_id", "m")
        .annotate(amount=Sum("amount"), n=Count("pk"))
    ):
        figures = row(village_id, month)
        figures.refunds_amount, figures.refunds = amount, count
    for income in incomes:
        row(income.village_id, income.month).household_income += income.income
    _add_deliveries(months, row)
    return list(rows.values())


def _add_deliveries(months: list[date], row: Callable[[int, date], VillageMonthFigures]) -> None:
    wanted = set(months)
    # Chosen by a subquery, not a filter on `events`: a filter on the same relation as the
    # annotations would restrict the annotations to the filtered events.
    relevant = ShipmentEvent.objects.filter(
        in_months("occurred_at", months), status__in=(*DELIVERED, *EXCEPTIONS)
    ).values("shipment_id")
    parcels = (
        Shipment.objects.filter(kind="PARCEL", pk__in=relevant)
        .annotate(
            shipped=Min("events__occurred_at", filter=Q(events__status__in=SHIPPED)),
            delivered=Min("events__occurred_at", filter=Q(events__status__in=DELIVERED)),
            went_wrong=Min("events__occurred_at", filter=Q(events__status__in=EXCEPTIONS)),
        )
        .values_list(
            "shop_order__shop__village_id", "created_at", "shipped", "delivered", "went_wrong"
        )
    )
    for village_id, created, shipped, delivered, went_wrong in parcels:
        if delivered is not None and month_of(delivered) in wanted:
            figures = row(village_id, month_of(delivered))
            # A parcel the carrier never reported collecting counts from its waybill's creation.
            start = shipped or created
            figures.parcels_delivered += 1
            figures.delivery_minutes.append(max(0, int((delivered - start).total_seconds() // 60)))
        if went_wrong is not None and month_of(went_wrong) in wanted:
            row(village_id, month_of(went_wrong)).delivery_exceptions += 1


def _household_income(months: list[date]) -> list[HouseholdMonthIncome]:
    posted = "transaction__posted_at"
    return [
        HouseholdMonthIncome(
            household_id=household_id,
            village_id=village_id,
            member_count=members,
            month=month,
            income=-credited,
        )
        for household_id, village_id, members, month, credited in (
            # The postings of the one definition the periodic report and the red flag
            # read too (collective_econ.benefit), kept per month so any range sums.
            settlement_credit_postings()
            .filter(in_months(posted, months))
            .annotate(m=_month(posted))
            .values_list(
                "account__household_id",
                "account__household__village_id",
                "account__household__member_count",
                "m",
            )
            .annotate(credited=Sum("amount"))
        )
    ]


def _buyers(months: list[date]) -> list[VillageMonthBuyer]:
    counts: dict[tuple[int, date, str], int] = defaultdict(int)
    for village_id, month, user_id, email, n in (
        live_shop_orders()
        .filter(in_months("order__created_at", months))
        .annotate(m=_month("order__created_at"))
        .values_list("shop__village_id", "m", "order__user_id", "order__user_email")
        .annotate(n=Count("pk"))
    ):
        counts[(village_id, month, buyer_key(user_id=user_id, email=email))] += n
    return [
        VillageMonthBuyer(village_id=v, month=m, buyer_key=k, shop_orders=n)
        for (v, m, k), n in counts.items()
    ]


def _prices(months: list[date]) -> list[SkuMonthPrice]:
    placed = "shop_order__order__created_at"
    return [
        SkuMonthPrice(
            village_id=village_id,
            shop_id=shop_id,
            product_sku=sku,
            month=month,
            product_name=name,
            quantity=quantity,
            lowest_unit_price=lowest,
            highest_unit_price=highest,
        )
        for village_id, shop_id, sku, month, name, quantity, lowest, highest in (
            live_order_lines()
            .filter(in_months(placed, months))
            .annotate(m=_month(placed))
            .values_list("shop_order__shop__village_id", "shop_order__shop_id", "product_sku", "m")
            .annotate(
                name=Max("product_name"),
                quantity=Sum("quantity"),
                lowest=Min("unit_price_amount"),
                highest=Max("unit_price_amount"),
            )
        )
    ]


def months_rebuild(*, months: Iterable[date]) -> None:
    """Replace every precomputed row of `months` with rows computed from the source now."""
    wanted = sorted(set(months))
    if not wanted:
        return
    for model in (VillageMonthFigures, VillageMonthBuyer, HouseholdMonthIncome, SkuMonthPrice):
        model.objects.filter(month__in=wanted).delete()
    incomes = _household_income(wanted)
    VillageMonthFigures.objects.bulk_create(_village_figures(wanted, incomes), batch_size=2000)
    VillageMonthBuyer.objects.bulk_create(_buyers(wanted), batch_size=2000)
    HouseholdMonthIncome.objects.bulk_create(incomes, batch_size=2000)
    SkuMonthPrice.objects.bulk_create(_prices(wanted), batch_size=2000)


@transaction.atomic
def figures_refresh(*, full: bool = False, now: datetime | None = None) -> RefreshResult:
    """Rebuild the months touched since the last run (all months on the first run or when
    `full`), and record the run with its new high-water mark."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    started = now or timezone.now()
    began = clock.monotonic()
    previous = FiguresRefresh.objects.order_by("-high_water_mark").first()
    rebuild_all = full or previous is None
    # Looking back a margin more than the mark costs a re-read, never a miss: it covers the
    # clocks of app servers that stamp the rows running a little behind the database's.
    margin = timedelta(seconds=int(settings.OVERSIGHT_REFRESH_MARGIN_SECONDS))
    since = None if rebuild_all or previous is None else previous.high_water_mark - margin
    months = sorted(months_touched_since(since))
    months_rebuild(months=months)
    run = FiguresRefresh.objects.create(
        started_at=started,
        finished_at=max(started, timezone.now()),
        high_water_mark=_oldest_open_change(started),
        full=rebuild_all,
        months=months,
        duration_ms=int((clock.monotonic() - began) * 1000),
    )
    return RefreshResult(run=run, months=months)


def _oldest_open_change(started: datetime) -> datetime:
    """The mark the next run reads from: when this run started, or earlier if another
    transaction was already open then; that one may commit rows stamped before `started`
    that this run could not see."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(xact_start) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND xact_start IS NOT NULL"
        )
        (oldest,) = cursor.fetchone()
    return min(started, oldest) if oldest is not None else started


def latest_refresh() -> FiguresRefresh | None:
    return FiguresRefresh.objects.order_by("-finished_at", "-pk").first()
