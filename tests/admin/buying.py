"""Buy-and-pay rows for the back-office tests, on top of the `world` county: delivery
methods and vouchers for shops A and B, an address book entry and a sign-in attempt, a
homestay with a cancellation policy and a held booking, an open checkout holding stock, and
a placed order split into shop orders for A and B. The homestay is shop C's (township 2),
so the products that shops A and B list stay those of `world`; `add_homestay` makes one for
any shop.

Orders are written row by row rather than through `checkout_complete`: these tests are
about who may see which row, and a fixed, fast set of rows keeps them so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from logistics.models import (
    DeliveryMethod,
    DeliveryMethodKind,
    DeliveryRate,
    ShippingZone,
    ShippingZonePrefix,
    ShopShippingPolicy,
)
from marketplace.accounts.models import Address, AuthAttempt, AuthAttemptKind, User
from marketplace.bookings import services as bookings
from marketplace.bookings.models import BookingHold, CancellationPolicy
from marketplace.catalog.models import OfferingKind, Product, ProductVariant
from marketplace.channels.models import Channel
from marketplace.checkout.models import (
    Checkout,
    CheckoutDelivery,
    CheckoutLine,
    CheckoutVoucher,
    Voucher,
)
from marketplace.inventory.models import Allocation, Reservation, Stock
from marketplace.orders.models import Order, OrderEvent, OrderLine, ShopOrder
from marketplace.organisations.models import Shop
from tests import factories
from tests.admin.logistics_ops import add_logistics_ops

ADDRESS = {
    "first_name": "小明",
    "last_name": "王",
    "street_address_1": "勐库镇冰岛村 1 号",
    "city": "临沧市",
    "city_area": "双江拉祜族佤族布朗族傣族自治县",
    "country_area": "云南省",
    "postal_code": "677300",
    "country": "CN",
    "phone": "+8613812345678",
}
BUYER_EMAIL = "xiaoming.wang@example.cn"


@dataclass
class Buying:
    express_a: DeliveryMethod
    pickup_a: DeliveryMethod
    express_b: DeliveryMethod
    voucher_a: Voucher
    voucher_b: Voucher
    homestay_c: Product
    policy_c: CancellationPolicy
    hold: BookingHold
    address: Address
    checkout: Checkout
    order: Order
    shop_order_a: ShopOrder
    shop_order_b: ShopOrder
    ops: Any = None


def express(shop: Shop, price: str = "12.00") -> DeliveryMethod:
    return DeliveryMethod.objects.create(
        shop=shop,
        kind=DeliveryMethodKind.EXPRESS_FLAT,
        name="顺丰快递",
        price_amount=Decimal(price),
        minimum_delivery_days=2,
        maximum_delivery_days=4,
    )


def voucher(shop: Shop, code: str = "SPRING10", **kw: Any) -> Voucher:
    defaults: dict[str, Any] = {
        "discount_type": "PERCENTAGE",
        "discount_value": Decimal("10"),
        "start_date": timezone.now() - timedelta(days=1),
    }
    return Voucher.objects.create(shop=shop, code=code, **{**defaults, **kw})


def place_order(
    *,
    channel: Channel,
    buyer: User | None,
    parts: list[tuple[Shop, ProductVariant, DeliveryMethod]],
    price: str = "25.00",
) -> tuple[Order, list[ShopOrder]]:
    """An order with one shop order of one line (quantity 1, allocated) per part."""
    unit = Decimal(price)
    shipping = [method.price_amount for _, _, method in parts]
    order = Order.objects.create(
        channel=channel,
        user=buyer,
        user_email=BUYER_EMAIL,
        shipping_address=ADDRESS,
        billing_address=ADDRESS,
        subtotal_amount=unit * len(parts),
        shipping_amount=sum(shipping, Decimal("0.00")),
        total_amount=unit * len(parts) + sum(shipping, Decimal("0.00")),
    )
    shop_orders = []
    for (shop, variant, method), ship in zip(parts, shipping, strict=True):
        shop_order = ShopOrder.objects.create(
            order=order,
            shop=shop,
            delivery_method=method,
            delivery_method_name=method.name,
            delivery_kind=method.kind,
            subtotal_amount=unit,
            shipping_amount=ship,
            total_amount=unit + ship,
        )
        line = OrderLine.objects.create(
            shop_order=shop_order,
            variant=variant,
            product_name=variant.product.name,
            variant_name=variant.name,
            product_sku=variant.sku,
            offering_kind=variant.product.offering_kind,
            quantity=1,
            unit_price_amount=unit,
            total_price_amount=unit,
            beneficiary_kind=variant.beneficiary_kind,
            beneficiary_household=variant.beneficiary_household,
        )
        stock = Stock.objects.filter(product_variant=variant).first()
        if stock is not None:
            Allocation.objects.create(order_line=line, stock=stock, quantity_allocated=1)
        OrderEvent.objects.create(order=order, type="PLACED", shop=shop, user=buyer)
        shop_orders.append(shop_order)
    OrderEvent.objects.create(
        order=order, type="EMAIL_SENT", parameters={"email": BUYER_EMAIL}, user=buyer
    )
    return order, shop_orders


def add_homestay(shop: Shop, *, actor: User) -> tuple[Product, CancellationPolicy]:
    """A homestay of `shop` and the shop's cancellation policy (7+ days: all back)."""
    homestay = factories.product(
        shop_obj=shop,
        channel_obj=factories.channel("urban-retail"),
        offering_kind=OfferingKind.HOMESTAY,
        name="茶山民宿",
    )
    policy = bookings.cancellation_policy_set(actor=actor, shop=shop, tiers=[(7, 100), (0, 0)])
    return homestay, policy


def hold_stay(homestay: Product, *, key: str, starts_in: int = 10) -> BookingHold:
    start = date.today() + timedelta(days=starts_in)
    return bookings.booking_hold(
        key=key,
        variant=factories.first_variant(homestay),
        start_date=start,
        end_date=start + timedelta(days=2),
        guests=2,
        expires_at=timezone.now() + timedelta(minutes=20),
    )


def add_payment(*, order: Any, shop_order: Any, actor: User) -> None:
    """A paid Alipay attempt with its charge event and one partial refund."""
    from decimal import Decimal

    from marketplace.payments.models import (
        GatewayId,
        PaymentMethod,
        Refund,
        RefundStatus,
        TransactionEvent,
        TransactionEventType,
        TransactionItem,
        TransactionStatus,
    )

    paid = Decimal(order.total_amount)
    item = TransactionItem.objects.create(
        gateway_id=GatewayId.ALIPAY,
        method=PaymentMethod.QR,
        psp_reference=f"RM{order.pk.hex[:20]}",
        status=TransactionStatus.CHARGED,
        order=order,
        amount=paid,
        charged_amount=paid,
        refunded_amount=Decimal("1.00"),
    )
    TransactionEvent.objects.create(
        transaction=item, type=TransactionEventType.CHARGE_SUCCESS, amount=paid
    )
    Refund.objects.create(
        shop_order=shop_order,
        transaction=item,
        out_request_no=f"RF{order.pk.hex[:20]}",
        idempotency_key="admin-fixture",
        amount=Decimal("1.00"),
        status=RefundStatus.SUCCESS,
        completed_at=timezone.now(),
        reason="少发一件",
        requested_by=actor,
    )


def add_buying(world: Any) -> Buying:
    admin = world.platform_admin
    channel = factories.channel("urban-retail")
    shop_a, shop_b = world.shop_a, world.shop_b
    express_a = express(shop_a)
    pickup_a = DeliveryMethod.objects.create(
        shop=shop_a,
        kind=DeliveryMethodKind.VILLAGE_PICKUP,
        name="村服务站自提",
        pickup_warehouse=shop_a.warehouses.first(),
    )
    express_b = express(shop_b, "10.00")
    # One zone, rate and free-delivery term, so every logistics page has a row to show.
    zone_a = ShippingZone.objects.create(shop=shop_a, name="云南省内")
    ShippingZonePrefix.objects.create(zone=zone_a, shop=shop_a, prefix="53")
    DeliveryRate.objects.create(method=express_a, zone=zone_a, first_price_amount="8.00")
    ShopShippingPolicy.objects.create(shop=shop_a, free_above_amount="99.00")
    voucher_a = voucher(shop_a)
    voucher_b = voucher(shop_b)

    homestay_c, policy_c = add_homestay(world.shop_c, actor=admin)

    address = Address.objects.create(user=world.buyer, **ADDRESS)
    AuthAttempt.objects.create(
        kind=AuthAttemptKind.LOGIN_FAILURE, email=BUYER_EMAIL, ip_address="10.0.0.8"
    )

    variant_a = factories.first_variant(world.product_a)
    variant_b = factories.first_variant(world.product_b)
    checkout = Checkout.objects.create(
        channel=channel, user=world.buyer, email=BUYER_EMAIL, shipping_address=ADDRESS
    )
    goods_line = CheckoutLine.objects.create(checkout=checkout, variant=variant_a, quantity=2)
    Reservation.objects.create(
        checkout_line=goods_line,
        stock=Stock.objects.get(product_variant=variant_a),
        quantity_reserved=2,
        reserved_until=timezone.now() + timedelta(minutes=20),
    )
    start = date.today() + timedelta(days=10)
    stay_line = CheckoutLine.objects.create(
        checkout=checkout,
        variant=factories.first_variant(homestay_c),
        quantity=2,
        booking_start_date=start,
        booking_end_date=start + timedelta(days=2),
        booking_guests=2,
    )
    hold = hold_stay(homestay_c, key=stay_line.hold_key)
    CheckoutDelivery.objects.create(checkout=checkout, shop=shop_a, delivery_method=express_a)
    CheckoutVoucher.objects.create(checkout=checkout, shop=shop_a, voucher=voucher_a)

    order, (shop_order_a, shop_order_b) = place_order(
        channel=channel,
        buyer=world.buyer,
        parts=[(shop_a, variant_a, express_a), (shop_b, variant_b, express_b)],
    )
    add_payment(order=order, shop_order=shop_order_a, actor=admin)
    return Buying(
        express_a=express_a,
        pickup_a=pickup_a,
        express_b=express_b,
        voucher_a=voucher_a,
        voucher_b=voucher_b,
        homestay_c=homestay_c,
        policy_c=policy_c,
        hold=hold,
        address=address,
        checkout=checkout,
        order=order,
        shop_order_a=shop_order_a,
        shop_order_b=shop_order_b,
        ops=add_logistics_ops(shop_order_a, shop_order_b),
    )
