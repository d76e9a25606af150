"""Completing a checkout (`checkout_complete`): the one place an order is created, with one
shop order per shop, snapshot lines, stock allocations and sold bookings; all or nothing.

Locks, in order: the checkout row; the stock rows (pk order); the tourism holds (key) and
their days (product and date); the vouchers (pk): the order every checkout write and the
orders lifecycle take too (see `services`). The buyer's and shops' mail goes out after
commit (`marketplace.orders.lifecycle.order_placed_notify_on_commit`).

In: a checkout, its totals (`selectors`) and what payments says (`allow_unpaid` for the
counter). Out: the `Order`. Must never import payments or the API layer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, IntegerField, Value, When
from django.utils import timezone

from logistics.error_codes import refusal_reason
from marketplace.accounts.models import User
from marketplace.bookings import services as booking_services
from marketplace.bookings.models import BookingHold
from marketplace.checkout import selectors
from marketplace.checkout.error_codes import CheckoutErrorCode
from marketplace.checkout.models import Checkout, Voucher
from marketplace.checkout.services import (
    booking_error_for_buyer,
    booking_line_hold,
    checkout_error,
    describe_variants,
    reserve_stock_minutes,
)
from marketplace.inventory.models import Allocation, Reservation, Stock
from marketplace.orders.lifecycle import order_placed_notify_on_commit
from marketplace.orders.models import (
    Order,
    OrderAuthorizeStatus,
    OrderChargeStatus,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderStatus,
    ShopOrder,
)


def _refuse_incomplete(checkout: Checkout, totals: selectors.CheckoutTotals) -> None:
    """Everything that must hold before any stock is touched."""
    if not totals.shops:
        raise checkout_error("lines", "The checkout has no lines.", CheckoutErrorCode.NO_LINES)
    if not checkout.email:
        raise checkout_error(
            "email", "The checkout has no email address.", CheckoutErrorCode.EMAIL_NOT_SET
        )
    unavailable: dict[CheckoutErrorCode, list[selectors.LineInfo]] = defaultdict(list)
    for info in totals.lines:
        if info.unavailable is not None:
            unavailable[info.unavailable].append(info)
    for code, infos in unavailable.items():
        raise checkout_error(
            "lines",
            f"No longer available: {describe_variants(i.variant for i in infos)}.",
            code,
            variants=[i.variant.pk for i in infos],
            lines=[i.line.pk for i in infos],
        )
    now = timezone.now()
    for shop_totals in totals.shops:
        # A code that lapsed since it was applied (expired, used up) is not dropped
        # silently: the buyer paid expecting it. (One below its minimum spend just gives
        # nothing, as the totals showed.)
        lapse = shop_totals.voucher and selectors.voucher_lapse(
            voucher=shop_totals.voucher, now=now
        )
        if lapse:
            raise checkout_error(
                "promo_code",
                f"{lapse} Remove it to continue.",
                CheckoutErrorCode.VOUCHER_NOT_APPLICABLE,
            )
    needs_address = False
    for shop_totals in totals.shops:
        if not shop_totals.is_shipping_required:
            continue
        delivery = shop_totals.delivery
        if delivery is None:
            raise checkout_error(
                "delivery_method_id",
                f"Choose how {shop_totals.shop} should deliver.",
                CheckoutErrorCode.SHIPPING_METHOD_NOT_SET,
            )
        if not delivery.delivery_method.is_active:
            raise checkout_error(
                "delivery_method_id",
                f"{delivery.delivery_method.name} is no longer offered by {shop_totals.shop}.",
                CheckoutErrorCode.DELIVERY_METHOD_NOT_APPLICABLE,
            )
        needs_address |= not delivery.delivery_method.is_pickup
        if shop_totals.delivery_refusal is not None and checkout.shipping_address:
            raise checkout_error(
                "delivery_method_id",
                f"{delivery.delivery_method.name} cannot deliver to this address: "
                f"{refusal_reason(shop_totals.delivery_refusal)} Choose another way.",
                CheckoutErrorCode.SHIPPING_METHOD_NOT_APPLICABLE,
            )
        if shop_totals.delivery_price_changed:
            # Never a silent different charge: the buyer confirms the new price by
            # choosing the method again (checkoutDeliveryMethodUpdate).
            raise checkout_error(
                "delivery_method_id",
                f"{delivery.delivery_method.name} from {shop_totals.shop} now costs "
                f"¥{shop_totals.shipping}, not the ¥{delivery.agreed_shipping_amount} shown "
                "when it was chosen. Choose it again to accept the new price.",
                CheckoutErrorCode.INVALID_SHIPPING_METHOD,
            )
    if needs_address and not checkout.shipping_address:
        raise checkout_error(
            "shipping_address",
            "Express delivery needs a shipping address.",
            CheckoutErrorCode.SHIPPING_ADDRESS_NOT_SET,
        )


def _allocate_stock(
    *, checkout: Checkout, infos: Sequence[selectors.LineInfo], now: datetime
) -> dict[int, list[tuple[Stock, int]]]:
    """Lock the stock rows in pk order, re-check what is free (other checkouts' live
    reservations count, this one's do not) and take it. Returns line pk → [(stock, n)];
    refuses with INSUFFICIENT_STOCK naming every short variant."""
    tracked = [i for i in infos if i.variant.track_inventory and not i.line.is_booking]
    if not tracked:
        return {}
    stocks = list(
        Stock.objects.select_for_update()
        .filter(product_variant_id__in={i.variant.pk for i in tracked})
        .order_by("pk")
    )
    free = selectors.stock_available_for_checkout(stocks=stocks, checkout=checkout, now=now)
    by_variant: dict[int, list[Stock]] = defaultdict(list)
    for stock in stocks:
        by_variant[stock.product_variant_id].append(stock)
    taken: dict[int, list[tuple[Stock, int]]] = defaultdict(list)
    short = []
    for info in tracked:
        need = info.line.quantity
        for stock in by_variant[info.variant.pk]:
            take = min(need, free[stock.pk])
            if take:
                taken[info.line.pk].append((stock, take))
                free[stock.pk] -= take
                need -= take
        if need:
            short.append(info)
    if short:
        raise checkout_error(
            "lines",
            f"Not enough stock for {describe_variants(i.variant for i in short)}.",
            CheckoutErrorCode.INSUFFICIENT_STOCK,
            variants=[i.variant.pk for i in short],
            lines=[i.line.pk for i in short],
        )
    per_stock: dict[int, int] = defaultdict(int)
    for parts in taken.values():
        for stock, n in parts:
            per_stock[stock.pk] += n
    # One UPDATE for every row; the CHECK allocated ≤ quantity is the last line of defence.
    Stock.objects.filter(pk__in=list(per_stock)).update(
        quantity_allocated=F("quantity_allocated")
        + Case(
            *(When(pk=pk, then=Value(n)) for pk, n in per_stock.items()),
            default=Value(0),
            output_field=IntegerField(),
        )
    )
    return taken


def _allocate_bookings(*, infos: Sequence[selectors.LineInfo], now: datetime) -> None:
    """Renew each booking line's hold (re-checking capacity if it lapsed) and sell them all.

    The hold rows are locked first, in key order, before any calendar day: the bookings
    domain's lock order, which its expiry sweep also follows."""
    booking_lines = sorted(
        (i.line for i in infos if i.line.is_booking),
        key=lambda ln: (ln.variant.product_id, ln.booking_start_date, ln.pk),
    )
    if not booking_lines:
        return

    keys = sorted(ln.hold_key for ln in booking_lines)
    list(BookingHold.objects.select_for_update().filter(key__in=keys).order_by("key"))
    for line in booking_lines:
        booking_line_hold(line, now, minutes=max(reserve_stock_minutes(), 1))
    try:
        booking_services.booking_allocate_many(keys=keys, now=now)
    except ValidationError as exc:  # cannot happen after a fresh hold; kept explicit
        raise booking_error_for_buyer(exc, booking_lines[0].variant) from exc


def _redeem_vouchers(*, totals: selectors.CheckoutTotals, now: datetime) -> None:
    """Count one use of each applied voucher, under its row lock (pk order)."""
    vouchers = {s.voucher.pk: s for s in totals.shops if s.voucher is not None}
    if not vouchers:
        return
    for voucher in Voucher.objects.select_for_update().filter(pk__in=vouchers).order_by("pk"):
        shop_totals = vouchers[voucher.pk]
        reason = selectors.voucher_refusal(
            voucher=voucher, shop_subtotal=shop_totals.subtotal, now=now
        )
        if reason and shop_totals.discount:
            # The discount was priced in but the voucher lapsed meanwhile (used up).
            raise checkout_error("promo_code", reason, CheckoutErrorCode.VOUCHER_NOT_APPLICABLE)
        if shop_totals.discount:
            Voucher.objects.filter(pk=voucher.pk).update(used=F("used") + 1)


@transaction.atomic
def checkout_complete(
    *, checkout: Checkout, user: User | None = None, allow_unpaid: bool = False
) -> Order:
    """Turn the checkout into one order with one shop order per shop; all or nothing.

    Idempotent: a checkout already completed returns its order and changes nothing (the
    checkout row lock makes concurrent calls queue, and the second sees the first's order).

    Requires the total to be charged (`charge_status` FULL or OVERCHARGED) unless
    `allow_unpaid`, which the cash gateway passes for pay-at-the-counter orders.

    Locks, in order: the checkout row; the stock rows (pk order), re-checking availability;
    the tourism holds and their days (key, then product and date); the vouchers (pk).
    Then writes the order, its shop orders, snapshot lines and allocations, drops the
    reservations, records events and, after commit, sends the notifications.
    """
    locked = Checkout.objects.select_for_update().filter(pk=checkout.pk).first()
    if locked is None:
        raise checkout_error("id", "This checkout does not exist.", CheckoutErrorCode.NOT_FOUND)
    if locked.order_id is not None:
        return Order.objects.get(pk=locked.order_id)
    checkout = locked
    now = timezone.now()

    totals = selectors.checkout_totals(checkout=checkout, now=now)
    _refuse_incomplete(checkout, totals)
    charge_status = selectors.charge_status_for(charged=checkout.charged_amount, total=totals.total)
    paid = charge_status in ("FULL", "OVERCHARGED")
    if not paid and not allow_unpaid:
        raise checkout_error(
            None,
            f"The checkout is not fully paid (¥{checkout.charged_amount} of ¥{totals.total}).",
            CheckoutErrorCode.CHECKOUT_NOT_FULLY_PAID,
        )

    taken = _allocate_stock(checkout=checkout, infos=totals.lines, now=now)
    _allocate_bookings(infos=totals.lines, now=now)
    _redeem_vouchers(totals=totals, now=now)

    checkout.completing_started_at = now
    order = Order.objects.create(
        checkout_token=checkout.token,
        channel_id=checkout.channel_id,
        user=checkout.user or user,
        user_email=checkout.email,
        status=OrderStatus.UNFULFILLED,
        # Plain values, as a row read back would hold: enum members of the checkout's
        # choices kept on this instance would not serialise as the order's API enums.
        charge_status=OrderChargeStatus(str(charge_status)).value,
        authorize_status=OrderAuthorizeStatus(str(checkout.authorize_status)).value,
        charged_amount=checkout.charged_amount,
        shipping_address=checkout.shipping_address,
        billing_address=checkout.billing_address,
        currency=checkout.currency,
        subtotal_amount=totals.subtotal,
        shipping_amount=totals.shipping,
        discount_amount=totals.discount,
        total_amount=totals.total,
    )
    _write_order_lines(order=order, totals=totals, taken=taken)
    Reservation.objects.filter(checkout_line__checkout=checkout).delete()

    actor = user if user is not None and user.is_authenticated else None
    events = [
        OrderEvent(
            order=order,
            type=OrderEventType.PLACED_AUTOMATICALLY_FROM_PAID_CHECKOUT
            if paid
            else OrderEventType.PLACED,
            user=actor,
            parameters={"checkout": str(checkout.token), "pay_later": not paid},
        )
    ]
    if paid:
        events.append(
            OrderEvent(
                order=order,
                type=OrderEventType.ORDER_FULLY_PAID,
                parameters={"amount": str(checkout.charged_amount)},
            )
        )
    OrderEvent.objects.bulk_create(events)

    checkout.order = order
    checkout.charge_status = charge_status
    checkout.save(update_fields=["order", "completing_started_at", "charge_status", "last_change"])

    order_placed_notify_on_commit(order_id=str(order.pk))
    return order


def _write_order_lines(
    *, order: Order, totals: selectors.CheckoutTotals, taken: Mapping[int, list[tuple[Stock, int]]]
) -> None:
    shop_orders = ShopOrder.objects.bulk_create(
        [
            ShopOrder(
                order=order,
                shop=s.shop,
                delivery_method=s.delivery.delivery_method
                if s.delivery and s.is_shipping_required
                else None,
                delivery_method_name=s.delivery.delivery_method.name
                if s.delivery and s.is_shipping_required
                else "",
                delivery_kind=s.delivery.delivery_method.kind
                if s.delivery and s.is_shipping_required
                else "",
                voucher=s.voucher if s.discount else None,
                voucher_code=s.voucher.code if s.voucher and s.discount else "",
                currency=order.currency,
                subtotal_amount=s.subtotal,
                shipping_amount=s.shipping,
                discount_amount=s.discount,
                total_amount=s.total,
            )
            for s in totals.shops
        ]
    )
    order_lines: list[OrderLine] = []
    sources: list[selectors.LineInfo] = []
    for shop_order, shop_totals in zip(shop_orders, totals.shops, strict=True):
        for info in shop_totals.lines:
            variant, line = info.variant, info.line
            unit = info.unit_price or Decimal("0.00")
            order_lines.append(
                OrderLine(
                    shop_order=shop_order,
                    variant=variant,
                    product_name=variant.product.name,
                    variant_name=variant.name,
                    product_sku=variant.sku,
                    offering_kind=variant.product.offering_kind,
                    is_shipping_required=info.is_shipping_required,
                    quantity=line.quantity,
                    currency=order.currency,
                    unit_price_amount=unit,
                    total_price_amount=info.total_price,
                    beneficiary_kind=variant.beneficiary_kind,
                    beneficiary_household_id=variant.beneficiary_household_id,
                    booking_start_date=line.booking_start_date,
                    booking_end_date=line.booking_end_date,
                    booking_guests=line.booking_guests,
                    # The exact link to the booking sold above (refunds and cancellation
                    # find it by this key, not by matching dates).
                    booking_hold_key=line.hold_key if line.is_booking else None,
                )
            )
            sources.append(info)
    OrderLine.objects.bulk_create(order_lines)
    Allocation.objects.bulk_create(
        [
            Allocation(order_line=order_line, stock=stock, quantity_allocated=n)
            for order_line, info in zip(order_lines, sources, strict=True)
            for stock, n in taken.get(info.line.pk, [])
        ]
    )
