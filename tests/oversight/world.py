"""Rows for the oversight tests: a township whose villages each have a shop, a household
selling through it, orders placed in given months, settlements, parcels and refunds.

Orders are placed with `tests.admin.buying.place_order` and back-dated; settlements are
posted through the ledger with the real settlement legs, so household income is what the
settlement service would credit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

from django.utils import timezone

from collective_econ.ledger.services import journal_post
from collective_econ.models import JournalKind, JournalTransaction
from collective_econ.settlement.services import settlement_legs
from logistics.models import DeliveryMethod
from logistics.tracking_models import Shipment, ShipmentEvent
from marketplace.accounts.models import User
from marketplace.catalog.models import OfferingKind, Product
from marketplace.divisions.models import Township, Village
from marketplace.orders.models import Order, OrderLine, ShopOrder
from marketplace.organisations.models import Household, Shop
from marketplace.oversight.models import (
    FiguresRefresh,
    HouseholdMonthIncome,
    SkuMonthPrice,
    VillageMonthBuyer,
    VillageMonthFigures,
)
from marketplace.payments.models import (
    GatewayId,
    PaymentMethod,
    Refund,
    RefundStatus,
    TransactionItem,
    TransactionStatus,
)
from tests import factories
from tests.admin.buying import express, place_order

TZ = timezone.get_default_timezone()


def at(year: int, month: int, day: int = 10, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=TZ)


@dataclass
class OversightVillage:
    village: Village
    shop: Shop
    household: Household
    produce: Product
    homestay: Product
    express: DeliveryMethod


@dataclass
class OversightTownship:
    township: Township
    villages: list[OversightVillage]
    buyers: list[User] = field(default_factory=list)


def oversight_township(*, villages: int, township: Township | None = None) -> OversightTownship:
    township = township or factories.township()
    channel = factories.channel("urban-retail")
    built = []
    for _ in range(villages):
        village = factories.village(township_obj=township)
        shop = factories.shop(village_obj=village)
        household = factories.household(village_obj=village, member_count=3)
        built.append(
            OversightVillage(
                village=village,
                shop=shop,
                household=household,
                produce=factories.product(
                    shop_obj=shop, channel_obj=channel, beneficiary=household, stock=100
                ),
                homestay=factories.product(
                    shop_obj=shop, channel_obj=channel, offering_kind=OfferingKind.HOMESTAY
                ),
                express=express(shop),
            )
        )
    return OversightTownship(township=township, villages=built)


def buy(
    village: OversightVillage,
    *,
    buyer: User | None,
    placed: datetime,
    price: str = "25.00",
    homestay: bool = False,
) -> ShopOrder:
    """One paid order of one line from `village`'s shop, placed at `placed`."""
    product = village.homestay if homestay else village.produce
    order, (shop_order,) = place_order(
        channel=factories.channel("urban-retail"),
        buyer=buyer,
        parts=[(village.shop, factories.first_variant(product), village.express)],
        price=price,
    )
    Order.objects.filter(pk=order.pk).update(created_at=placed)
    TransactionItem.objects.create(
        gateway_id=GatewayId.ALIPAY,
        method=PaymentMethod.QR,
        psp_reference=f"RM{order.pk.hex[:20]}",
        status=TransactionStatus.CHARGED,
        order=order,
        amount=order.total_amount,
        charged_amount=order.total_amount,
    )
    return shop_order


def settle(shop_order: ShopOrder, *, posted: datetime) -> JournalTransaction:
    line = OrderLine.objects.select_related(
        "shop_order__order__channel", "shop_order__shop__village", "beneficiary_household"
    ).get(shop_order=shop_order)
    # Posted rows can never be updated (ledger trigger), so the clock is set at posting.
    with mock.patch("django.utils.timezone.now", return_value=posted):
        journal, _ = journal_post(
            kind=JournalKind.SETTLEMENT,
            idempotency_key=f"settle:orderline:{line.pk}",
            legs=settlement_legs(line=line),
            order_line_id=line.pk,
        )
    return journal


def deliver(
    shop_order: ShopOrder, *, collected: datetime, delivered: datetime | None, problem: str = ""
) -> Shipment:
    """A parcel with its carrier events: collected, then delivered or `problem`."""
    final = problem or ("DELIVERED" if delivered else "IN_TRANSIT")
    shipment = Shipment.objects.create(
        kind="PARCEL",
        shop_order=shop_order,
        carrier="zhongtong",
        tracking_number=f"ZT{factories.n():010d}",
        status=final,
    )
    ShipmentEvent.objects.create(
        shipment=shipment, key="collected", occurred_at=collected, source="CARRIER",
        status="COLLECTED", description="已揽收",
    )  # fmt: skip
    if delivered is not None:
        ShipmentEvent.objects.create(
            shipment=shipment, key="end", occurred_at=delivered, source="CARRIER",
            status=problem or "DELIVERED", description="签收" if not problem else "异常",
        )  # fmt: skip
    return shipment


def refund(shop_order: ShopOrder, *, amount: str, completed: datetime) -> Refund:
    item = TransactionItem.objects.get(order_id=shop_order.order_id)
    return Refund.objects.create(
        shop_order=shop_order,
        transaction=item,
        out_request_no=f"RF{factories.n():012d}",
        idempotency_key=f"test-{factories.n()}",
        amount=Decimal(amount),
        status=RefundStatus.SUCCESS,
        completed_at=completed,
    )


def add_oversight(world: Any) -> None:
    """One row of every oversight model for the back-office changelist tests."""
    month = timezone.localdate().replace(day=1)
    village = world.shop_a.village
    VillageMonthFigures.objects.create(
        village=village, month=month, sales_produce=Decimal("25.00"), sales_total=Decimal("25.00"),
        shop_orders=1, delivery_minutes=[1440],
    )  # fmt: skip
    VillageMonthBuyer.objects.create(village=village, month=month, buyer_key="u:1", shop_orders=1)
    HouseholdMonthIncome.objects.create(
        household=world.household_a, village=village, month=month, income="20.00", member_count=4
    )
    SkuMonthPrice.objects.create(
        village=village, shop=world.shop_a, product_sku="SKU-1", product_name="冰岛古树普洱",
        month=month, quantity=1, lowest_unit_price="25.00", highest_unit_price="25.00",
    )  # fmt: skip
    now = timezone.now()
    FiguresRefresh.objects.create(
        started_at=now, finished_at=now + timedelta(seconds=1), high_water_mark=now, months=[month]
    )
