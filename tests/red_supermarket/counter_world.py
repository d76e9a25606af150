"""A Red Supermarket ready to sell: daily goods with EAN-13 barcodes, priced in the
`village-counter` channel and stocked in its own warehouse, an operator, a member household
of the village, and a quick key. Also `add_counter(built)` for the back-office world."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from marketplace.accounts.models import Role, User
from marketplace.catalog.models import OfferingKind, ProductVariant
from marketplace.inventory.models import Stock
from marketplace.organisations.models import Household
from marketplace.payments.models import GatewayId, TransactionItem
from marketplace.red_supermarket.barcodes import ean13_check_digit
from marketplace.red_supermarket.models import QuickKey, RedSupermarket
from tests import factories

PASSWORD = "Counter-pass-2026"


def ean13(seed: int) -> str:
    body = f"692{seed:09d}"
    return body + str(ean13_check_digit(body))


@dataclass
class Counter:
    supermarket: RedSupermarket
    operator: User
    member: Household
    goods: list[ProductVariant] = field(default_factory=list)

    def stock(self, variant: ProductVariant) -> Stock:
        return Stock.objects.get(warehouse=self.supermarket.warehouse, product_variant=variant)


def counter_world(*, goods: int = 5, stock: int = 20, price: str = "8.50") -> Counter:
    channel = factories.channel("village-counter")
    shop = factories.shop()
    supermarket = factories.red_supermarket(shop_obj=shop)
    operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=shop, password=PASSWORD)
    member = factories.household(village_obj=shop.village)
    variants = []
    for i in range(goods):
        product = factories.product(
            shop_obj=shop,
            channel_obj=channel,
            name=f"日用品{i}",
            price=Decimal(price) + i,
            stock=0,
            offering_kind=OfferingKind.GOODS,
        )
        variant = factories.first_variant(product)
        variant.barcode = ean13(factories.n())
        variant.save(update_fields=["barcode"])
        # Only the supermarket's own warehouse stocks it (the factory may have picked it).
        Stock.objects.filter(product_variant=variant).delete()
        Stock.objects.create(
            warehouse=supermarket.warehouse, product_variant=variant, quantity=stock
        )
        variants.append(variant)
    if variants:
        QuickKey.objects.create(
            supermarket=supermarket, position=1, variant=variants[0], label="快1"
        )
    return Counter(supermarket=supermarket, operator=operator, member=member, goods=variants)


def add_counter(built: Any) -> Counter:
    """Rows of every counter model for the back office's world fixture."""
    from marketplace.red_supermarket.counter.services import (
        PaymentInput,
        SaleLineInput,
        counter_sale_create,
        till_shift_open,
    )

    world = counter_world(goods=1)
    till_shift_open(supermarket=world.supermarket, operator=world.operator, float_amount="100.00")
    counter_sale_create(
        supermarket=world.supermarket,
        operator=world.operator,
        request_id="world-sale-0001",
        lines=[SaleLineInput(variant_id=world.goods[0].pk, quantity=1)],
        payment=PaymentInput(method="CASH", cash_received="20.00"),
    )
    return world


def online_cash_order(
    world: Counter,
    variant: ProductVariant,
    *,
    quantity: int = 1,
    email: str = "villager@example.cn",
) -> TransactionItem:
    """An order of the counter's shop from the online shop, picked up at the supermarket
    and to be paid in cash there: its pending CASH attempt, as the buyer's checkout left it."""
    from logistics.models import DeliveryMethod, DeliveryMethodKind
    from marketplace.checkout import services as checkout_services
    from marketplace.checkout.complete_checkout import checkout_complete
    from marketplace.payments.initialize import transaction_initialize
    from tests.checkout import helpers

    DeliveryMethod.objects.get_or_create(
        shop=world.supermarket.shop,
        kind=DeliveryMethodKind.VILLAGE_PICKUP,
        defaults={"name": "红色超市自提", "pickup_warehouse": world.supermarket.warehouse},
    )
    checkout = checkout_services.checkout_create(
        channel=factories.channel("village-counter"),
        email=email,
        lines=[helpers.line(variant, quantity)],
    )
    checkout = helpers.ready(checkout, method="pickup", pay=False)
    tx = transaction_initialize(checkout=checkout, gateway_id=GatewayId.CASH).transaction
    checkout_complete(checkout=checkout, allow_unpaid=True)
    # As stored now: the completed checkout knows its order.
    return TransactionItem.objects.select_related("checkout").get(pk=tx.pk)
