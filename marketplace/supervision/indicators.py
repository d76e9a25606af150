"""The indicator registry of the periodic report (the seed's 20-item data list) and of
the red flag.

Each indicator has a code, Chinese and English names, a written definition, a unit and a
selector. A selector reads the rows of a set of villages over a window [start, end) and
returns one figure (a `Decimal` with 2 places), or None when there is nothing to divide
by. Indicators whose source belongs to a capability not yet on the platform have no
selector: they are listed with the status "source not yet available", never a made-up 0.

Every selector is one SQL statement per source it reads (one, or two for the Red
Supermarket's services and parcels), so a report costs a fixed number of statements
whatever the number of villages.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Q,
    QuerySet,
    Sum,
)

from collective_econ.benefit.selectors import (
    HOUSEHOLDS_BENEFITING_DEFINITION,
    INCOME_PER_HOUSEHOLD_DEFINITION,
    HouseholdCredit,
    benefit_figures,
    benefit_figures_by_village,
    household_credits,
)
from logistics.parcels.models import ParcelDispatch, StationParcel
from logistics.shipment_status import ShipmentStatus
from logistics.shipments.models import Shipment, ShipmentEvent
from marketplace.accounts.models import Role, RoleAssignment
from marketplace.activity.models import AdministratorActivityDay
from marketplace.agency.models import (
    AgencyOrder,
    CashWithdrawal,
    TicketBooking,
    TicketStatus,
    WithdrawalStatus,
)
from marketplace.agency.models import OrderStatus as AgencyOrderStatus
from marketplace.catalog.models import Product, ProductChannelListing
from marketplace.orders.models import OrderLine, OrderStatus, ShopOrder
from marketplace.organisations.models import Shop, ShopStatus
from marketplace.payments.models import Refund, RefundStatus
from marketplace.supervision.models import (
    AdministratorAppointment,
    Complaint,
    ComplaintStatus,
    ReportValue,
)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# Shop orders that count as sales: placed and neither abandoned nor cancelled.
_NOT_SALES = (OrderStatus.DRAFT, OrderStatus.CANCELED, OrderStatus.EXPIRED)


@dataclass(frozen=True)
class Window:
    village_ids: tuple[int, ...]
    start: datetime.datetime
    end: datetime.datetime

    @property
    def end_day(self) -> datetime.date:
        return (self.end - datetime.timedelta(microseconds=1)).date()


Selector = Callable[[Window], Decimal | None]


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    name_en: str
    definition: str
    unit: str
    selector: Selector | None
    # Whether a county's figure is the sum of its townships' (counts and amounts are;
    # ratios, averages and distinct counts are recomputed over all the county's villages).
    additive: bool = True

    @property
    def source_available(self) -> bool:
        return self.selector is not None


def _d(value: object) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def _ratio(numerator: Decimal, denominator: Decimal, scale: int = 100) -> Decimal | None:
    if not denominator:
        return None
    return (numerator * scale / denominator).quantize(CENT, rounding=ROUND_HALF_UP)


def _sales(w: Window) -> QuerySet[ShopOrder]:
    return ShopOrder.objects.filter(
        shop__village_id__in=w.village_ids, created_at__gte=w.start, created_at__lt=w.end
    ).exclude(status__in=_NOT_SALES)


def _lines(w: Window) -> QuerySet[OrderLine]:
    return OrderLine.objects.filter(
        shop_order__shop__village_id__in=w.village_ids,
        shop_order__created_at__gte=w.start,
        shop_order__created_at__lt=w.end,
    ).exclude(shop_order__status__in=_NOT_SALES)


def _open_shops(w: Window) -> QuerySet[Shop]:
    return Shop.objects.filter(
        village_id__in=w.village_ids, status=ShopStatus.APPROVED, approved_at__lt=w.end
    )


def _active_products(w: Window) -> QuerySet[Product]:
    published = ProductChannelListing.objects.filter(is_published=True).values("product_id")
    return Product.objects.filter(
        shop__village_id__in=w.village_ids,
        shop__status=ShopStatus.APPROVED,
        created_at__lt=w.end,
        pk__in=published,
    )


def _timely_since(w: Window) -> datetime.datetime:
    return w.end - datetime.timedelta(days=settings.SUPERVISION_TIMELY_DAYS)


def shops_open(w: Window) -> Decimal:
    return _d(_open_shops(w).count())


def active_listings(w: Window) -> Decimal:
    return _d(_active_products(w).count())


def new_listings(w: Window) -> Decimal:
    return _d(
        Product.objects.filter(
            shop__village_id__in=w.village_ids, created_at__gte=w.start, created_at__lt=w.end
        ).count()
    )


def orders(w: Window) -> Decimal:
    return _d(_sales(w).count())


def sales_amount(w: Window) -> Decimal:
    return _d(_sales(w).aggregate(total=Sum("total_amount"))["total"])


def buyers(w: Window) -> Decimal:
    return _d(_sales(w).values("order__user_email").distinct().count())


def repeat_buyers(w: Window) -> Decimal:
    repeat = (
        _sales(w)
        .values("order__user_email")
        .annotate(n=Count("order_id", distinct=True))
        .filter(n__gte=2)
    )
    return _d(repeat.count())


def _household_credits(w: Window) -> list[HouseholdCredit]:
    return household_credits(village_ids=w.village_ids, start=w.start, end=w.end)


def households_benefiting(w: Window) -> Decimal:
    """`collective_econ.benefit`'s definition, the one the bureau dashboard shows."""
    return _d(benefit_figures(_household_credits(w)).households_benefiting)


def consignment_sales(w: Window) -> Decimal:
    lines = _lines(w).filter(beneficiary_household__isnull=False)
    return _d(lines.aggregate(total=Sum("total_price_amount"))["total"])


def income_per_household(w: Window) -> Decimal | None:
    """Net settlement credit over households benefiting (`collective_econ.benefit`)."""
    return benefit_figures(_household_credits(w)).income_per_household


def _refunds(w: Window) -> QuerySet[Refund]:
    return Refund.objects.filter(
        shop_order__shop__village_id__in=w.village_ids,
        status=RefundStatus.SUCCESS,
        completed_at__gte=w.start,
        completed_at__lt=w.end,
    )


def refunds_amount(w: Window) -> Decimal:
    return _d(_refunds(w).aggregate(total=Sum("amount"))["total"])


def refund_rate(w: Window) -> Decimal | None:
    return _ratio(refunds_amount(w), sales_amount(w))


def _complaints(w: Window) -> QuerySet[Complaint]:
    return Complaint.objects.filter(shop__village_id__in=w.village_ids)


def complaints_received(w: Window) -> Decimal:
    rows = _complaints(w).filter(filed_at__gte=w.start, filed_at__lt=w.end)
    return _d(rows.count())


def complaints_resolved(w: Window) -> Decimal:
    rows = _complaints(w).filter(
        status=ComplaintStatus.RESOLVED, resolved_at__gte=w.start, resolved_at__lt=w.end
    )
    return _d(rows.count())


def complaint_resolution_rate(w: Window) -> Decimal | None:
    figures = _complaints(w).aggregate(
        received=Count("pk", filter=Q(filed_at__gte=w.start, filed_at__lt=w.end)),
        resolved=Count(
            "pk",
            filter=Q(
                filed_at__gte=w.start,
                filed_at__lt=w.end,
                status=ComplaintStatus.RESOLVED,
                resolved_at__lt=w.end,
            ),
        ),
    )
    return _ratio(Decimal(figures["resolved"]), Decimal(figures["received"]))


def _administrator_activity(w: Window, counter: str) -> Decimal:
    """The sum of `counter` ("logins" or "updates") over the window's days, for the
    villages' shop managers and rostered administrators, each person counted once."""
    managers = RoleAssignment.objects.filter(
        role=Role.SHOP_MANAGER, shop__village_id__in=w.village_ids
    ).values("user_id")
    rostered = AdministratorAppointment.objects.filter(
        village_id__in=w.village_ids, effective_until__isnull=True
    ).values("administrator_id")
    total = AdministratorActivityDay.objects.filter(
        Q(user_id__in=managers) | Q(user_id__in=rostered),
        day__gte=w.start.date(),
        day__lte=w.end_day,
    ).aggregate(total=Sum(counter))["total"]
    return _d(total)


def administrator_logins(w: Window) -> Decimal:
    return _administrator_activity(w, "logins")


def administrator_updates(w: Window) -> Decimal:
    """Products, prices, stock and orders the administrators changed (one per change)."""
    return _administrator_activity(w, "updates")


def data_timeliness(w: Window) -> Decimal | None:
    since = _timely_since(w)
    figures = (
        _open_shops(w)
        .annotate(last_change=Max("products__variants__updated_at"))
        .aggregate(
            shops=Count("pk"),
            timely=Count("pk", filter=Q(last_change__gte=since, last_change__lt=w.end)),
        )
    )
    return _ratio(Decimal(figures["timely"]), Decimal(figures["shops"]))


def stale_listings(w: Window) -> Decimal:
    since = _timely_since(w)
    stale = (
        _active_products(w)
        .annotate(last_change=Max("variants__updated_at"))
        .filter(Q(last_change__lt=since) | Q(last_change__isnull=True))
    )
    return _d(stale.count())


def delivery_time_hours(w: Window) -> Decimal | None:
    delivered = ShipmentEvent.objects.filter(
        shipment__shop_order__shop__village_id__in=w.village_ids,
        status__in=(ShipmentStatus.DELIVERED, ShipmentStatus.COLLECTED_BY_BUYER),
        occurred_at__gte=w.start,
        occurred_at__lt=w.end,
    ).aggregate(
        mean=Avg(
            ExpressionWrapper(
                F("occurred_at") - F("shipment__created_at"), output_field=DurationField()
            )
        )
    )["mean"]
    if delivered is None:
        return None
    return _d(Decimal(delivered.total_seconds()) / 3600)


def shipment_exceptions(w: Window) -> Decimal:
    rows = Shipment.objects.filter(
        shop_order__shop__village_id__in=w.village_ids,
        status__in=(ShipmentStatus.DAMAGED, ShipmentStatus.LOST, ShipmentStatus.RETURNED),
        updated_at__gte=w.start,
        updated_at__lt=w.end,
    )
    return _d(rows.count())


def agency_services(w: Window) -> Decimal:
    """Agency orders carried out (paid bills and top-ups, tasks done) plus cash withdrawals
    handed out and tickets issued, at the villages' Red Supermarkets, by creation time."""
    at = {
        "supermarket__shop__village_id__in": w.village_ids,
        "created_at__gte": w.start,
        "created_at__lt": w.end,
    }
    orders = AgencyOrder.objects.filter(
        status__in=[AgencyOrderStatus.SUCCESS, AgencyOrderStatus.TASK_DONE], **at
    ).values("pk")
    withdrawals = CashWithdrawal.objects.filter(status=WithdrawalStatus.SUCCESS, **at).values("pk")
    tickets = TicketBooking.objects.filter(
        status__in=[TicketStatus.ISSUED, TicketStatus.REFUNDED], **at
    ).values("pk")
    return _d(orders.union(withdrawals, tickets, all=True).count())


def parcels_handled(w: Window) -> Decimal:
    """Third-party parcels logged in at the villages' stations, plus parcels villagers sent
    from them."""
    logged_in = StationParcel.objects.filter(
        station__village_id__in=w.village_ids, arrived_at__gte=w.start, arrived_at__lt=w.end
    ).values("pk")
    sent = ParcelDispatch.objects.filter(
        station__village_id__in=w.village_ids, created_at__gte=w.start, created_at__lt=w.end
    ).values("pk")
    return _d(logged_in.union(sent, all=True).count())


def tourism_bookings(w: Window) -> Decimal:
    lines = _lines(w).filter(booking_start_date__isnull=False)
    return _d(lines.count())


def unanswered_orders(w: Window) -> Decimal:
    cutoff = w.end - datetime.timedelta(hours=settings.SUPERVISION_UNANSWERED_ORDER_HOURS)
    rows = ShopOrder.objects.filter(
        shop__village_id__in=w.village_ids,
        status=OrderStatus.UNFULFILLED,
        created_at__lt=cutoff,
        shipments__isnull=True,
    )
    return _d(rows.count())


# --- the same figures for every village of a window at once ---------------------------------
#
# The red flag scores each village of a township apart. Asking the selectors above once per
# village would cost statements in proportion to the villages; these group by village
# instead, in a fixed number of statements, and answer {village id: figure} for every
# village of the window (a village with no rows gets what its selector would answer alone).
# Each reads the same base rows as its namesake above, so the definitions cannot drift.

ByVillage = dict[int, Decimal]


def _per_village(w: Window, rows: Iterable[tuple[int, object]]) -> ByVillage:
    found = dict(rows)
    return {v: _d(found.get(v)) for v in w.village_ids}


def sales_amount_by_village(w: Window) -> ByVillage:
    rows = (
        _sales(w)
        .values("shop__village_id")
        .annotate(total=Sum("total_amount"))
        .values_list("shop__village_id", "total")
    )
    return _per_village(w, rows)


def households_benefiting_by_village(w: Window) -> ByVillage:
    """`households_benefiting` of each village: the same one statement, grouped here."""
    figures = benefit_figures_by_village(_household_credits(w), village_ids=w.village_ids)
    return {v: _d(figures[v].households_benefiting) for v in w.village_ids}


def households_named_on_sold_lines_by_village(w: Window) -> ByVillage:
    """What red-flag formulas before version 3 counted as households benefiting: distinct
    households named as beneficiary on the village shops' sold lines. Kept only so that a
    ranking published under such a formula recomputes to what was published."""
    rows = (
        _lines(w)
        .filter(beneficiary_household__isnull=False)
        .values("shop_order__shop__village_id")
        .annotate(n=Count("beneficiary_household_id", distinct=True))
        .values_list("shop_order__shop__village_id", "n")
    )
    return _per_village(w, rows)


@dataclass(frozen=True)
class ComplaintFigures:
    received: ByVillage
    resolution_rate: dict[int, Decimal | None]


def complaints_by_village(w: Window) -> ComplaintFigures:
    """`complaints_received` and `complaint_resolution_rate`, per village, in one statement."""
    in_window = Q(filed_at__gte=w.start, filed_at__lt=w.end)
    rows = {
        village_id: (received, resolved)
        for village_id, received, resolved in _complaints(w)
        .values("shop__village_id")
        .annotate(
            received=Count("pk", filter=in_window),
            resolved=Count(
                "pk", filter=in_window & Q(status=ComplaintStatus.RESOLVED, resolved_at__lt=w.end)
            ),
        )
        .values_list("shop__village_id", "received", "resolved")
    }
    received = {v: _d(rows.get(v, (0, 0))[0]) for v in w.village_ids}
    rate = {
        v: _ratio(Decimal(rows.get(v, (0, 0))[1]), Decimal(rows.get(v, (0, 0))[0]))
        for v in w.village_ids
    }
    return ComplaintFigures(received=received, resolution_rate=rate)


@dataclass(frozen=True)
class ActivityFigures:
    logins: ByVillage
    updates: ByVillage


def administrator_activity_by_village(w: Window) -> ActivityFigures:
    """Three statements: who administers which village (managers and the open roster
    terms), then those people's logins and updates in the window, summed in the same
    statement. A person counts once per village however many ways they are its
    administrator, as in `administrator_logins` and `administrator_updates`."""
    people: dict[int, set[int]] = {v: set() for v in w.village_ids}
    managers = RoleAssignment.objects.filter(
        role=Role.SHOP_MANAGER, shop__village_id__in=w.village_ids
    ).values_list("shop__village_id", "user_id")
    rostered = AdministratorAppointment.objects.filter(
        village_id__in=w.village_ids, effective_until__isnull=True
    ).values_list("village_id", "administrator_id")
    for village_id, user_id in [*managers, *rostered]:
        people[village_id].add(user_id)
    everyone = set().union(*people.values())
    totals = {
        user_id: (logins or 0, updates or 0)
        for user_id, logins, updates in AdministratorActivityDay.objects.filter(
            user_id__in=everyone, day__gte=w.start.date(), day__lte=w.end_day
        )
        .values("user_id")
        .annotate(logins=Sum("logins"), updates=Sum("updates"))
        .values_list("user_id", "logins", "updates")
    }
    return ActivityFigures(
        logins={v: _d(sum(totals.get(u, (0, 0))[0] for u in users)) for v, users in people.items()},
        updates={
            v: _d(sum(totals.get(u, (0, 0))[1] for u in users)) for v, users in people.items()
        },
    )


def data_timeliness_by_village(w: Window) -> dict[int, Decimal | None]:
    """One row per open shop: its village and its listings' last change."""
    since = _timely_since(w)
    shops: dict[int, int] = {}
    timely: dict[int, int] = {}
    for village_id, last_change in (
        _open_shops(w)
        .annotate(last_change=Max("products__variants__updated_at"))
        .values_list("village_id", "last_change")
    ):
        shops[village_id] = shops.get(village_id, 0) + 1
        if last_change is not None and since <= last_change < w.end:
            timely[village_id] = timely.get(village_id, 0) + 1
    return {v: _ratio(Decimal(timely.get(v, 0)), Decimal(shops.get(v, 0))) for v in w.village_ids}


def agency_services_by_village(w: Window) -> ByVillage:
    """`agency_services` per village: one grouped count per source, three statements."""
    village = "supermarket__shop__village_id"
    at = {f"{village}__in": w.village_ids, "created_at__gte": w.start, "created_at__lt": w.end}
    sources = (
        AgencyOrder.objects.filter(
            status__in=[AgencyOrderStatus.SUCCESS, AgencyOrderStatus.TASK_DONE], **at
        ),
        CashWithdrawal.objects.filter(status=WithdrawalStatus.SUCCESS, **at),
        TicketBooking.objects.filter(status__in=[TicketStatus.ISSUED, TicketStatus.REFUNDED], **at),
    )
    counts: dict[int, int] = {}
    for rows in sources:
        for village_id, n in rows.values(village).annotate(n=Count("pk")).values_list(village, "n"):
            counts[village_id] = counts.get(village_id, 0) + n
    return _per_village(w, counts.items())


_TIMELY = "{days} days (SUPERVISION_TIMELY_DAYS)"

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "shops_open",
        "开业网店数",
        "Shops open",
        "Shops approved by the platform before the period's end and approved now.",
        "shops",
        shops_open,
        additive=True,
    ),
    Indicator(
        "active_listings",
        "在售商品数",
        "Active listings",
        "Products of open shops, created before the period's end, published in a channel.",
        "products",
        active_listings,
    ),
    Indicator(
        "new_listings",
        "新上架商品数",
        "New listings",
        "Products created during the period.",
        "products",
        new_listings,
    ),
    Indicator(
        "orders",
        "订单数",
        "Orders",
        "Shop orders placed in the period, less drafts, cancelled and expired ones.",
        "orders",
        orders,
    ),
    Indicator(
        "sales_amount",
        "销售额",
        "Sales amount",
        "Total of those shop orders (goods, delivery, less discounts).",
        "CNY",
        sales_amount,
    ),
    Indicator(
        "buyers",
        "购买人数",
        "Buyers",
        "Distinct buyer e-mail addresses on those shop orders.",
        "buyers",
        buyers,
        additive=False,
    ),
    Indicator(
        "repeat_buyers",
        "复购人数",
        "Repeat buyers",
        "Buyers with two or more orders from the scope's shops in the period.",
        "buyers",
        repeat_buyers,
        additive=False,
    ),
    Indicator(
        "households_benefiting",
        "带动农户数",
        "Households benefiting",
        HOUSEHOLDS_BENEFITING_DEFINITION,
        "households",
        households_benefiting,
        additive=False,
    ),
    Indicator(
        "consignment_sales",
        "代卖销售额",
        "Consignment sales",
        "Total of sold lines whose beneficiary is a household.",
        "CNY",
        consignment_sales,
    ),
    Indicator(
        "income_per_household",
        "户均增收",
        "Income per household",
        INCOME_PER_HOUSEHOLD_DEFINITION,
        "CNY",
        income_per_household,
        additive=False,
    ),
    Indicator(
        "refunds_amount",
        "退款金额",
        "Refunds",
        "Refunds the gateway confirmed during the period.",
        "CNY",
        refunds_amount,
    ),
    Indicator(
        "refund_rate",
        "退款率",
        "Refund rate",
        "Refunds over sales amount, in percent.",
        "%",
        refund_rate,
        additive=False,
    ),
    Indicator(
        "complaints_received",
        "收到投诉数",
        "Complaints received",
        "Complaints filed against the scope's shops in the period.",
        "complaints",
        complaints_received,
    ),
    Indicator(
        "complaints_resolved",
        "办结投诉数",
        "Complaints resolved",
        "Complaints resolved in the period, whenever filed.",
        "complaints",
        complaints_resolved,
    ),
    Indicator(
        "complaint_resolution_rate",
        "投诉办结率",
        "Complaint resolution rate",
        "Share of the period's complaints resolved by its end, in percent.",
        "%",
        complaint_resolution_rate,
        additive=False,
    ),
    Indicator(
        "administrator_logins",
        "管理员登录次数",
        "Administrator logins",
        "Logins in the period by the villages' shop managers and rostered administrators.",
        "logins",
        administrator_logins,
        additive=False,
    ),
    Indicator(
        "administrator_updates",
        "管理员更新次数",
        "Administrator updates",
        "Changes in the period by the villages' shop managers and rostered administrators: "
        "products edited, prices and stock set, orders fulfilled, claims filed or decided.",
        "updates",
        administrator_updates,
        additive=False,
    ),
    Indicator(
        "data_timeliness",
        "数据更新及时率",
        "Data timeliness",
        "Share of open shops with a price or stock change in the last "
        + _TIMELY
        + " before the period's end, in percent.",
        "%",
        data_timeliness,
        additive=False,
    ),
    Indicator(
        "stale_listings",
        "长期未更新商品数",
        "Stale listings",
        "Active listings with no variant change in the last "
        + _TIMELY
        + " before the period's end.",
        "products",
        stale_listings,
    ),
    Indicator(
        "delivery_time_hours",
        "平均送达时长",
        "Delivery time",
        "Mean hours from waybill to delivery or collection, for parcels delivered in the period.",
        "hours",
        delivery_time_hours,
        additive=False,
    ),
    Indicator(
        "shipment_exceptions",
        "物流异常件数",
        "Shipment exceptions",
        "Parcels that became damaged, lost or returned in the period.",
        "parcels",
        shipment_exceptions,
    ),
    Indicator(
        "tourism_bookings",
        "乡村旅游预订数",
        "Tourism bookings",
        "Homestay and experience lines sold in the period.",
        "bookings",
        tourism_bookings,
    ),
    Indicator(
        "unanswered_orders",
        "超时未处理订单",
        "Unanswered orders",
        "Unfulfilled shop orders with no parcel, older than "
        "SUPERVISION_UNANSWERED_ORDER_HOURS hours at the period's end.",
        "orders",
        unanswered_orders,
    ),
    Indicator(
        "agency_services",
        "代办服务件数",
        "Agency services handled",
        "Agency orders carried out (bills, top-ups, premiums, tasks done), cash withdrawals "
        "handed out and tickets issued at the villages' Red Supermarkets in the period.",
        "services",
        agency_services,
    ),
    Indicator(
        "parcels_handled",
        "代收发包裹数",
        "Parcels handled",
        "Third-party parcels logged in at the villages' stations, plus parcels villagers "
        "sent from them, in the period.",
        "parcels",
        parcels_handled,
    ),
)

INDICATORS_BY_CODE: dict[str, Indicator] = {i.code: i for i in INDICATORS}


def indicator_definition(indicator: Indicator) -> str:
    return indicator.definition.replace("{days}", str(settings.SUPERVISION_TIMELY_DAYS))


def value_definition(value: ReportValue) -> str:
    """What a stored value means: the definition stored with it, or, for values stored
    before definitions were kept, today's definition of its indicator."""
    if value.definition:
        return value.definition
    indicator = INDICATORS_BY_CODE.get(value.indicator_code)
    return indicator_definition(indicator) if indicator else ""
