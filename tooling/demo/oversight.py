"""The oversight part of the demo: two quarters of order history across the demo shops, so
the bureau dashboards show real movement, the nightly precompute run once, and a county
officer's login beside the township officer's.

History orders are bulk rows consistent with what checkout writes (an order, one shop
order, one snapshot line of a real variant at its price, a charged Alipay transaction),
back-dated over the six months before this one; goods get a parcel collected and delivered
by the carrier, some are refunded in part, and lines benefiting a household are settled
through the ledger with the settlement service's own legs. They are recognised by their
buyer e-mail (history-*@ruralmart.example): a rerun adds nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

from django.utils import timezone

from collective_econ.ledger.services import journal_post
from collective_econ.models import JournalKind
from collective_econ.settlement.services import settlement_legs
from logistics.tracking_models import Shipment, ShipmentEvent
from marketplace.accounts.models import Role, RoleAssignment
from marketplace.catalog.models import OfferingKind, ProductVariant
from marketplace.orders.models import Order, OrderLine, OrderStatus, ShopOrder
from marketplace.organisations.models import ShopStatus
from marketplace.oversight.months import month_start, months_between
from marketplace.oversight.refresh import figures_refresh
from marketplace.payments.models import (
    GatewayId,
    PaymentMethod,
    Refund,
    RefundStatus,
    TransactionItem,
    TransactionStatus,
)

HISTORY_DOMAIN = "ruralmart.example"
COUNTY_OFFICER_EMAIL = "officer.shuangjiang@ruralmart.example"
COUNTY_CODE = "530925"
MONTHS = 6
# The demo password (tooling.demo.loader.DEMO_PASSWORD, which imports this module).
DEMO_PASSWORD = "ruralmart-demo"
RANDOM_SEED = 20260601
GOODS = (OfferingKind.PRODUCE, OfferingKind.GOODS)


def _history_months(today: date) -> list[date]:
    last = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    first = last
    for _ in range(MONTHS - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    return list(months_between(first, last))


def _place(variant: ProductVariant, *, at: datetime, buyer_email: str, quantity: int) -> ShopOrder:
    price = variant.channel_listings.order_by("pk").values_list("price_amount", flat=True).first()
    unit = Decimal(price or "20.00")
    total = unit * quantity
    shop = variant.product.shop
    order = Order.objects.create(
        channel_id=variant.channel_listings.order_by("pk").values_list("channel_id", flat=True)[0],
        user_email=buyer_email,
        status=OrderStatus.FULFILLED,
        charge_status="FULL",
        charged_amount=total,
        subtotal_amount=total,
        total_amount=total,
    )
    Order.objects.filter(pk=order.pk).update(created_at=at)
    shop_order = ShopOrder.objects.create(
        order=order,
        shop=shop,
        status=OrderStatus.FULFILLED,
        subtotal_amount=total,
        total_amount=total,
    )
    # The supervision report and the red flag date a sale by its shop order: back-date it
    # with the order, or every history sale lands in this month.
    ShopOrder.objects.filter(pk=shop_order.pk).update(created_at=at)
    OrderLine.objects.create(
        shop_order=shop_order,
        variant=variant,
        product_name=variant.product.name,
        variant_name=variant.name,
        product_sku=variant.sku,
        offering_kind=variant.product.offering_kind,
        is_shipping_required=variant.product.offering_kind in GOODS,
        quantity=quantity,
        quantity_fulfilled=quantity,
        unit_price_amount=unit,
        total_price_amount=total,
        beneficiary_kind=variant.beneficiary_kind,
        beneficiary_household=variant.beneficiary_household,
    )
    TransactionItem.objects.create(
        gateway_id=GatewayId.ALIPAY,
        method=PaymentMethod.QR,
        psp_reference=f"RMH{order.pk.hex[:24]}",
        status=TransactionStatus.CHARGED,
        order=order,
        amount=total,
        charged_amount=total,
    )
    return shop_order


def _ship(shop_order: ShopOrder, *, at: datetime, rng: random.Random) -> None:
    collected = at + timedelta(hours=rng.randrange(4, 30))
    delivered = collected + timedelta(hours=rng.randrange(24, 110))
    shipment = Shipment.objects.create(
        kind="PARCEL",
        shop_order=shop_order,
        carrier="zhongtong",
        tracking_number=f"ZTH{shop_order.pk:010d}",
        status="DELIVERED",
    )
    ShipmentEvent.objects.bulk_create(
        [
            ShipmentEvent(shipment=shipment, key="collected", occurred_at=collected,
                          source="CARRIER", status="COLLECTED", description="快递员已揽收"),
            ShipmentEvent(shipment=shipment, key="delivered", occurred_at=delivered,
                          source="CARRIER", status="DELIVERED", description="已签收"),
        ]
    )  # fmt: skip


def _settle(shop_order: ShopOrder, *, at: datetime) -> None:
    line = OrderLine.objects.select_related(
        "shop_order__order__channel", "shop_order__shop__village", "beneficiary_household"
    ).get(shop_order=shop_order)
    # Posted rows can never be changed, so the posting time is set by the clock.
    with mock.patch("django.utils.timezone.now", return_value=at):
        journal_post(
            kind=JournalKind.SETTLEMENT,
            idempotency_key=f"settle:orderline:{line.pk}",
            legs=settlement_legs(line=line),
            order_line_id=line.pk,
        )


def load_history(loader: Any, *, login: Callable[..., Any]) -> list[Any]:
    """Load the history (once), refresh the dashboards' figures, and return the county
    officer's demo login (`login` builds one, as the loader's own DemoLogin)."""
    county = loader.counties[COUNTY_CODE]
    officer = loader.person(
        COUNTY_OFFICER_EMAIL, first_name=f"{county.name}商务局", last_name="科长", is_staff=True
    )
    RoleAssignment.objects.get_or_create(user=officer, role=Role.COUNTY_OFFICER, county=county)
    if not Order.objects.filter(user_email__startswith="history-").exists():
        _load_orders(loader)
        # Once, with the history: a rerun must add no rows; the nightly task keeps it fresh.
        figures_refresh()
    return [
        login(
            email=COUNTY_OFFICER_EMAIL,
            password=DEMO_PASSWORD,
            role=Role.COUNTY_OFFICER,
            role_label=Role.COUNTY_OFFICER.label,
            scope=f"{county.name}（全县乡镇看板）",
        )
    ]


def _load_orders(loader: Any) -> None:
    rng = random.Random(RANDOM_SEED)
    variants = [
        variant
        for shop in loader.shops.values()
        if shop.status == ShopStatus.APPROVED
        for variant in ProductVariant.objects.filter(
            product__shop=shop, channel_listings__isnull=False
        )
        .select_related("product__shop", "beneficiary_household")
        .order_by("pk")
        .distinct()[:3]
    ]
    # Households join the consignment one after another over the first months (the n-th
    # household's listing starts selling in month n mod 3), so the households benefiting
    # grow between the quarters instead of standing still.
    household_ids = sorted(
        {v.beneficiary_household_id for v in variants if v.beneficiary_household_id}
    )
    joins = {household: n % 3 for n, household in enumerate(household_ids)}
    months = _history_months(timezone.localdate())
    for index, month in enumerate(months):
        # Business grows over the half-year, with a dip in the fourth month.
        orders_per_variant = 1 + index // 2 if index != 3 else 1
        for variant in variants:
            household = variant.beneficiary_household_id
            if household is not None and index < joins[household]:
                continue
            for _ in range(orders_per_variant + rng.randrange(2)):
                at = month_start(month) + timedelta(
                    days=rng.randrange(27), hours=rng.randrange(8, 20)
                )
                shop_order = _place(
                    variant,
                    at=at,
                    buyer_email=f"history-{rng.randrange(40)}@{HISTORY_DOMAIN}",
                    quantity=1 + rng.randrange(3),
                )
                if variant.product.offering_kind in GOODS:
                    _ship(shop_order, at=at, rng=rng)
                if variant.beneficiary_household_id is not None:
                    _settle(shop_order, at=at + timedelta(days=9))
                if rng.random() < 0.05:
                    Refund.objects.create(
                        shop_order=shop_order,
                        transaction=TransactionItem.objects.get(order_id=shop_order.order_id),
                        out_request_no=f"RFH{shop_order.pk:012d}",
                        idempotency_key="demo-history",
                        amount=(shop_order.total_amount / 2).quantize(Decimal("0.01")),
                        status=RefundStatus.SUCCESS,
                        completed_at=at + timedelta(days=6),
                        reason="部分商品破损",
                    )
