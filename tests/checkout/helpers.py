"""Builders for checkout and order tests: shops with delivery methods, goods and tourism
variants, and checkouts ready to complete."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from logistics.models import DeliveryMethod, DeliveryMethodKind
from marketplace.catalog.models import OfferingKind, ProductVariant
from marketplace.channels.models import Channel
from marketplace.checkout import selectors
from marketplace.checkout import services as checkout_services
from marketplace.checkout.models import Checkout, Voucher
from marketplace.checkout.services import BookingInput, CheckoutLineInput
from marketplace.organisations.models import Shop
from tests import factories

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


def shop_with_delivery(*, express_price: str = "12.00") -> Shop:
    """An approved shop with flat express and free pickup at its village station."""
    shop = factories.shop()
    DeliveryMethod.objects.create(
        shop=shop,
        kind=DeliveryMethodKind.EXPRESS_FLAT,
        name="顺丰快递",
        price_amount=Decimal(express_price),
        minimum_delivery_days=2,
        maximum_delivery_days=4,
    )
    DeliveryMethod.objects.create(
        shop=shop,
        kind=DeliveryMethodKind.VILLAGE_PICKUP,
        name="村服务站自提",
        price_amount=Decimal("0.00"),
        pickup_warehouse=shop.warehouses.first(),
    )
    return shop


def express(shop: Shop) -> DeliveryMethod:
    return DeliveryMethod.objects.get(shop=shop, kind=DeliveryMethodKind.EXPRESS_FLAT)


def pickup(shop: Shop) -> DeliveryMethod:
    return DeliveryMethod.objects.get(shop=shop, kind=DeliveryMethodKind.VILLAGE_PICKUP)


def goods(
    *, shop: Shop, channel: Channel, price: str = "25.00", stock: int = 10, **kw: Any
) -> ProductVariant:
    product = factories.product(shop_obj=shop, channel_obj=channel, price=price, stock=stock, **kw)
    return factories.first_variant(product)


def homestay(
    *, shop: Shop, channel: Channel, price: str = "280.00", rooms: int = 1
) -> ProductVariant:
    """A homestay with `rooms` rooms sleeping two each, priced per room-night."""
    product = factories.product(
        shop_obj=shop, channel_obj=channel, price=price, offering_kind=OfferingKind.HOMESTAY
    )
    product.rooms = rooms
    product.nightly_capacity = 2 * rooms
    product.save(update_fields=["rooms", "nightly_capacity"])
    return factories.first_variant(product)


def stay(nights: int = 2, *, guests: int = 2, starts_in: int = 10) -> BookingInput:
    start = date.today() + timedelta(days=starts_in)
    return BookingInput(start_date=start, end_date=start + timedelta(days=nights), guests=guests)


def line(
    variant: ProductVariant, quantity: int = 1, booking: BookingInput | None = None
) -> CheckoutLineInput:
    return CheckoutLineInput(variant_id=variant.pk, quantity=quantity, booking=booking)


def voucher(shop: Shop, code: str = "SPRING10", **kw: Any) -> Voucher:
    defaults: dict[str, Any] = {
        "discount_type": "PERCENTAGE",
        "discount_value": Decimal("10"),
        "start_date": timezone.now() - timedelta(days=1),
    }
    return Voucher.objects.create(shop=shop, code=code, **{**defaults, **kw})


def ready(checkout: Checkout, *, method: str = "express", pay: bool = True) -> Checkout:
    """Fill in email, address and delivery for every shop with goods, and pay in full."""
    if not checkout.email:
        checkout = checkout_services.checkout_email_update(
            checkout=checkout, email="buyer@example.cn"
        )
    checkout = checkout_services.checkout_shipping_address_update(
        checkout=checkout, address=ADDRESS
    )
    for option in selectors.delivery_options(checkout=checkout):
        if option.is_shipping_required:
            chosen = express(option.shop) if method == "express" else pickup(option.shop)
            checkout = checkout_services.checkout_delivery_method_update(
                checkout=checkout, shop=option.shop, method=chosen
            )
    if pay:
        checkout = pay_in_full(checkout)
    return checkout


def pay_in_full(checkout: Checkout) -> Checkout:
    total = selectors.checkout_totals(checkout=checkout).total
    return checkout_services.checkout_mark_charged(checkout_id=checkout.pk, amount=total)


def codes(exc_info: Any) -> list[str]:
    """The error codes of a raised ValidationError, field by field in order."""
    return [e.code for errors in exc_info.value.error_dict.values() for e in errors]


def params(exc_info: Any) -> dict[str, Any]:
    errors = [e for errs in exc_info.value.error_dict.values() for e in errs]
    return errors[0].params or {}
