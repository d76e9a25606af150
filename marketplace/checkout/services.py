"""Writes to checkouts up to their completion (`complete_checkout.checkout_complete`, the
one place an order is created, has a module of its own, as in Saleor).

Every service locks the checkout row first (`select_for_update`), so the edits of one
checkout and its completion are serialised; a completed checkout refuses edits. Stock rows
are then locked in pk order, then tourism holds and calendar days (the bookings domain's
order: holds by key, days by product and date), then vouchers by pk. Every transaction that
takes more than one of these takes them in that order, so none can deadlock another.

Refusals are `ValidationError`s keyed by input field whose entries carry a
`CheckoutErrorCode` value as `code`; INSUFFICIENT_STOCK and the line-level refusals put the
variant pks concerned in `params["variants"]` (and line pks in `params["lines"]`), for
Saleor's `CheckoutError.variants` / `lines`.

Settings read here (all optional):
- `RESERVE_STOCK_DURATION_MINUTES` (default 20): how long adding a line holds stock and
  tourism capacity. 0 turns reservations off; availability is then checked only at
  completion (and when adding, without holding anything).
- `MAX_CHECKOUT_LINE_QUANTITY` (default 50): most units of one variant per checkout.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from logistics.error_codes import refusal_reason
from logistics.selectors import delivery_quotes, parcel_items
from marketplace.accounts.addresses import ADDRESS_FIELDS
from marketplace.accounts.models import Address, User
from marketplace.bookings import services as booking_services
from marketplace.catalog.models import OfferingKind, ProductVariant
from marketplace.channels.models import Channel
from marketplace.checkout import selectors
from marketplace.checkout.error_codes import CheckoutErrorCode
from marketplace.checkout.models import (
    Checkout,
    CheckoutDelivery,
    CheckoutLine,
    CheckoutVoucher,
    Voucher,
)
from marketplace.inventory.models import Reservation, Stock
from marketplace.orders.models import (
    OrderLine,
    OrderStatus,
)
from marketplace.organisations.models import Shop

logger = logging.getLogger("ruralmart.checkout")

NON_FIELD = "__all__"


# --- input --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BookingInput:
    """`CheckoutLineInput.booking`: the dates (end exclusive) and party size."""

    start_date: date
    end_date: date | None
    guests: int


@dataclass(frozen=True)
class CheckoutLineInput:
    """One line to add. `variant_id` is the variant's pk (the API decodes the global ID)."""

    variant_id: int
    quantity: int
    booking: BookingInput | None = None


@dataclass(frozen=True)
class CheckoutLineUpdateInput:
    """Set a line's quantity (0 removes it), by `line_id` or, for goods, by `variant_id`.
    A booking line may also change its dates and guests."""

    quantity: int
    line_id: int | None = None
    variant_id: int | None = None
    booking: BookingInput | None = None


# --- settings and errors ------------------------------------------------------------------


def reserve_stock_minutes() -> int:
    return int(getattr(settings, "RESERVE_STOCK_DURATION_MINUTES", 20))


def max_line_quantity() -> int:
    return int(getattr(settings, "MAX_CHECKOUT_LINE_QUANTITY", 50))


def checkout_error(
    field: str | None,
    message: str,
    code: CheckoutErrorCode,
    *,
    variants: Iterable[int] = (),
    lines: Iterable[int] = (),
) -> ValidationError:
    """A one-entry refusal; `variants`/`lines` travel in `params` for the API's error type."""
    params: dict[str, Any] = {}
    variants, lines = sorted(set(variants)), sorted(set(lines))
    if variants:
        params["variants"] = variants
    if lines:
        params["lines"] = lines
    # Django %-formats a message that has params: escape any percent sign in it.
    text = message.replace("%", "%%") if params else message
    return ValidationError(
        {field or NON_FIELD: ValidationError(text, code=code.value, params=params or None)}
    )


def describe_variants(variants: Iterable[ProductVariant]) -> str:
    return ", ".join(sorted(v.sku for v in variants))


# --- locking ------------------------------------------------------------------------------


def _lock_open_checkout(checkout: Checkout) -> Checkout:
    """Lock the checkout row and refuse if it is gone or already completed."""
    locked = Checkout.objects.select_for_update().filter(pk=checkout.pk).first()
    if locked is None or locked.order_id is not None:
        raise checkout_error(
            "id",
            "This checkout does not exist or is already completed.",
            CheckoutErrorCode.NOT_FOUND,
        )
    return locked


def _touch(checkout: Checkout, *, buyer_sees_new_delivery_prices: bool = False) -> None:
    """Refresh the payment statuses from the new total and bump `last_change`.

    `buyer_sees_new_delivery_prices`: the buyer's own change (lines, address, choice)
    re-priced delivery and the mutation's answer shows them the new price, so it becomes
    the price they agreed to (see `CheckoutDelivery.agreed_shipping_amount`)."""
    totals = selectors.checkout_totals(checkout=checkout)
    if buyer_sees_new_delivery_prices:
        _agree_delivery_prices(totals)
    checkout.charge_status = selectors.charge_status_for(
        charged=checkout.charged_amount, total=totals.total
    )
    checkout.authorize_status = selectors.authorize_status_for(
        authorized=checkout.authorized_amount, charged=checkout.charged_amount, total=totals.total
    )
    checkout.save(update_fields=["charge_status", "authorize_status", "last_change"])


def _agree_delivery_prices(totals: selectors.CheckoutTotals) -> None:
    changed = []
    for shop_totals in totals.shops:
        delivery = shop_totals.delivery
        if delivery is None or shop_totals.delivery_refusal is not None:
            continue
        if delivery.agreed_shipping_amount != shop_totals.shipping:
            delivery.agreed_shipping_amount = shop_totals.shipping
            changed.append(delivery)
    if changed:
        CheckoutDelivery.objects.bulk_update(changed, ["agreed_shipping_amount"])


# --- line checks --------------------------------------------------------------------------


def _load_variants(
    *, checkout: Checkout, variant_ids: Iterable[int], field: str = "variant_id"
) -> dict[int, ProductVariant]:
    """The variants by pk, each buyable in the checkout's channel now; else refuse."""
    wanted = set(variant_ids)
    variants = {
        v.pk: v
        for v in ProductVariant.objects.filter(pk__in=wanted).select_related("product__shop")
    }
    missing = wanted - set(variants)
    if missing:
        raise checkout_error(
            field,
            f"Unknown variant(s): {', '.join(str(pk) for pk in sorted(missing))}.",
            CheckoutErrorCode.NOT_FOUND,
            variants=missing,
        )
    by_variant, by_product = selectors.channel_listings(
        channel_id=checkout.channel_id, variants=variants.values()
    )
    now = timezone.now()
    refused: dict[CheckoutErrorCode, list[ProductVariant]] = defaultdict(list)
    for variant in variants.values():
        code = selectors.variant_purchase_refusal(
            variant=variant,
            variant_listing=by_variant.get(variant.pk),
            product_listing=by_product.get(variant.product_id),
            now=now,
        )
        if code is not None:
            refused[code].append(variant)
    for code, messages in (
        (CheckoutErrorCode.UNAVAILABLE_VARIANT_IN_CHANNEL, "not sold in this channel"),
        (CheckoutErrorCode.PRODUCT_NOT_PUBLISHED, "not published in this channel"),
        (CheckoutErrorCode.PRODUCT_UNAVAILABLE_FOR_PURCHASE, "not yet available for purchase"),
    ):
        if refused.get(code):
            raise checkout_error(
                field,
                f"{describe_variants(refused[code])}: {messages}.",
                code,
                variants=[v.pk for v in refused[code]],
            )
    return variants


def _check_quantity(quantity: int, *, allow_zero: bool = False) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise checkout_error(
            "quantity", "The quantity must be a whole number.", CheckoutErrorCode.INVALID
        )
    if quantity < 0:
        raise checkout_error(
            "quantity", "The quantity cannot be negative.", CheckoutErrorCode.INVALID
        )
    if quantity == 0 and not allow_zero:
        raise checkout_error(
            "quantity", "The quantity must be at least 1.", CheckoutErrorCode.ZERO_QUANTITY
        )


@dataclass(frozen=True)
class _CheckedBooking:
    start_date: date
    end_date: date
    guests: int
    quantity: int  # priced units: room-nights for a homestay, seats for an experience


def _check_booking(variant: ProductVariant, booking: BookingInput | None) -> _CheckedBooking | None:
    """A tourism variant needs a booking and goods must have none; the dates and party are
    then checked by the bookings domain (without taking capacity)."""
    product = variant.product
    if not product.is_tourism:
        if booking is not None:
            raise checkout_error(
                "booking",
                f"{variant.sku} is not a homestay or experience; it takes no booking.",
                CheckoutErrorCode.INVALID,
                variants=[variant.pk],
            )
        return None
    if booking is None:
        raise checkout_error(
            "booking",
            f"{variant.sku} is a {product.get_offering_kind_display().lower()}: "
            "give the dates and guests.",
            CheckoutErrorCode.REQUIRED,
            variants=[variant.pk],
        )
    if booking.end_date is not None and booking.end_date <= booking.start_date:
        raise checkout_error(
            "booking",
            "The end date must come after the start date.",
            CheckoutErrorCode.INVALID,
            variants=[variant.pk],
        )
    try:
        checked = booking_services.booking_check(
            variant=variant,
            start_date=booking.start_date,
            end_date=booking.end_date,
            guests=booking.guests,
        )
    except ValidationError as exc:
        raise booking_error_for_buyer(exc, variant) from exc
    nights = (checked.end_date - checked.start_date).days
    quantity = (
        checked.units * nights if product.offering_kind == OfferingKind.HOMESTAY else checked.units
    )
    return _CheckedBooking(
        start_date=checked.start_date,
        end_date=checked.end_date,
        guests=checked.guests,
        quantity=quantity,
    )


def booking_error_for_buyer(exc: ValidationError, variant: ProductVariant) -> ValidationError:
    """Bookings speak their own codes; buyers get the checkout's (capacity = stock)."""
    by_field = exc.error_dict if hasattr(exc, "error_dict") else {"": exc.error_list}
    entries = [e for errors in by_field.values() for e in errors]
    first = entries[0] if entries else exc
    message = first.message % first.params if first.params else first.message
    if getattr(first, "code", None) == "insufficient_capacity":
        return checkout_error(
            "booking",
            f"{variant.sku}: {message}",
            CheckoutErrorCode.INSUFFICIENT_STOCK,
            variants=[variant.pk],
        )
    return checkout_error(
        "booking", f"{variant.sku}: {message}", CheckoutErrorCode.INVALID, variants=[variant.pk]
    )


def _check_limits(
    *, checkout: Checkout, quantities: Mapping[int, int], variants: Mapping[int, ProductVariant]
) -> None:
    """Goods only: the per-checkout cap on every variant, and the per-customer cap where one
    is set, counting what the buyer already ordered and did not cancel. (Tourism lines are
    bounded by the calendar and the bookings domain's own limits instead.)"""
    cap = max_line_quantity()
    over = [variants[v] for v, q in quantities.items() if q > cap]
    if over:
        raise checkout_error(
            "quantity",
            f"At most {cap} of each item per checkout: {describe_variants(over)}.",
            CheckoutErrorCode.QUANTITY_GREATER_THAN_LIMIT,
            variants=[v.pk for v in over],
        )
    limits = {
        v: limit
        for v in quantities
        if (limit := variants[v].quantity_limit_per_customer) is not None
    }
    if not limits:
        return
    bought = _already_bought(checkout=checkout, variant_ids=list(limits))
    over = [variants[v] for v, limit in limits.items() if quantities[v] + bought.get(v, 0) > limit]
    if over:
        raise checkout_error(
            "quantity",
            f"Over the per-customer limit: {describe_variants(over)}.",
            CheckoutErrorCode.QUANTITY_GREATER_THAN_LIMIT,
            variants=[v.pk for v in over],
        )


def _already_bought(*, checkout: Checkout, variant_ids: list[int]) -> dict[int, int]:
    """Units of each variant the checkout's customer (by account, else email) has ordered."""
    if not (checkout.user_id or checkout.email):
        return {}
    lines = OrderLine.objects.filter(variant_id__in=variant_ids).exclude(
        shop_order__order__status=OrderStatus.CANCELED
    )
    lines = (
        lines.filter(shop_order__order__user_id=checkout.user_id)
        if checkout.user_id
        else lines.filter(shop_order__order__user_email__iexact=checkout.email)
    )
    return {
        row["variant_id"]: row["total"]
        for row in lines.values("variant_id").annotate(total=Sum("quantity"))
    }


# --- reservations -------------------------------------------------------------------------


def _reserve_stock(*, checkout: Checkout, lines: Sequence[CheckoutLine], now: datetime) -> None:
    """(Re)reserve stock for tracked goods lines across their shop's warehouses, or refuse
    with INSUFFICIENT_STOCK naming every variant short. Locks the stock rows in pk order.

    Reservations only run for the configured time; with 0 minutes nothing is held and
    availability is only checked."""
    tracked = [ln for ln in lines if ln.variant.track_inventory and not ln.is_booking]
    if not tracked:
        return
    minutes = reserve_stock_minutes()
    stocks_qs = Stock.objects.filter(
        product_variant_id__in={ln.variant_id for ln in tracked}
    ).order_by("pk")
    stocks = list(stocks_qs.select_for_update() if minutes > 0 else stocks_qs)
    free = selectors.stock_available_for_checkout(stocks=stocks, checkout=checkout, now=now)
    by_variant: dict[int, list[Stock]] = defaultdict(list)
    for stock in stocks:
        by_variant[stock.product_variant_id].append(stock)
    reservations, short = [], []
    for line in tracked:
        need = line.quantity
        for stock in by_variant[line.variant_id]:
            take = min(need, free[stock.pk])
            if take:
                reservations.append(
                    Reservation(
                        checkout_line=line,
                        stock=stock,
                        quantity_reserved=take,
                        reserved_until=now + timedelta(minutes=minutes),
                    )
                )
                free[stock.pk] -= take
                need -= take
        if need > 0:
            short.append(line)
    if short:
        raise checkout_error(
            "quantity",
            f"Not enough stock for {describe_variants(ln.variant for ln in short)}.",
            CheckoutErrorCode.INSUFFICIENT_STOCK,
            variants=[ln.variant_id for ln in short],
            lines=[ln.pk for ln in short],
        )
    if minutes > 0:
        Reservation.objects.filter(checkout_line__in=tracked).delete()
        Reservation.objects.bulk_create(reservations)


def booking_line_hold(line: CheckoutLine, now: datetime, *, minutes: int | None = None) -> None:
    """Hold (or re-hold, idempotently) a booking line's tourism capacity."""
    minutes = reserve_stock_minutes() if minutes is None else minutes
    try:
        booking_services.booking_hold(
            key=line.hold_key,
            variant=line.variant,
            start_date=line.booking_start_date,  # type: ignore[arg-type]
            end_date=line.booking_end_date,
            guests=line.booking_guests,  # type: ignore[arg-type]
            expires_at=now + timedelta(minutes=minutes),
        )
    except ValidationError as exc:
        raise booking_error_for_buyer(exc, line.variant) from exc


def _release_lines(lines: Sequence[CheckoutLine]) -> None:
    """Give back what deleted lines held. Stock reservations go with the rows (CASCADE)."""
    keys = [ln.hold_key for ln in lines if ln.is_booking]
    if keys:
        booking_services.booking_release_many(keys=keys)


def _drop_empty_shops(checkout: Checkout) -> None:
    """A shop with no lines left loses its delivery choice and voucher."""
    shop_ids = CheckoutLine.objects.filter(checkout=checkout).values("variant__product__shop_id")
    CheckoutDelivery.objects.filter(checkout=checkout).exclude(shop_id__in=shop_ids).delete()
    CheckoutVoucher.objects.filter(checkout=checkout).exclude(shop_id__in=shop_ids).delete()


# --- lines --------------------------------------------------------------------------------


def _apply_line_changes(
    *,
    checkout: Checkout,
    goods: Mapping[int, int],
    bookings: Sequence[tuple[CheckoutLine | None, ProductVariant, _CheckedBooking]],
    variants: Mapping[int, ProductVariant],
) -> None:
    """Set goods quantities (variant pk → new total; 0 deletes) and create or change booking
    lines, then reserve what they need. Callers have checked the variants and bookings."""
    now = timezone.now()
    existing = {
        ln.variant_id: ln
        for ln in CheckoutLine.objects.filter(
            checkout=checkout, variant_id__in=list(goods), booking_start_date__isnull=True
        )
    }
    positive = {v: q for v, q in goods.items() if q > 0}
    _check_limits(checkout=checkout, quantities=positive, variants=variants)
    removed = [existing[v] for v, q in goods.items() if q == 0 and v in existing]
    if removed:
        CheckoutLine.objects.filter(pk__in=[ln.pk for ln in removed]).delete()
    changed: list[CheckoutLine] = []
    new: list[CheckoutLine] = []
    for variant_id, quantity in positive.items():
        line = existing.get(variant_id)
        if line is None:
            new.append(
                CheckoutLine(checkout=checkout, variant=variants[variant_id], quantity=quantity)
            )
        elif line.quantity != quantity:
            line.quantity = quantity
            changed.append(line)
    if changed:
        CheckoutLine.objects.bulk_update(changed, ["quantity"])
    if new:
        CheckoutLine.objects.bulk_create(new)
    for line in [*changed, *new]:
        line.variant = variants[line.variant_id]
    _reserve_stock(checkout=checkout, lines=[*changed, *new], now=now)

    # Bookings in (product, start) order, so the calendar days are locked in ascending
    # order across the whole transaction (see the module docstring).
    for line, variant, booking in sorted(
        bookings, key=lambda item: (item[1].product_id, item[2].start_date)
    ):
        if line is None:
            line = CheckoutLine(checkout=checkout, variant=variant)
        line.quantity = booking.quantity
        line.booking_start_date = booking.start_date
        line.booking_end_date = booking.end_date
        line.booking_guests = booking.guests
        line.save()
        if reserve_stock_minutes() > 0:
            booking_line_hold(line, now)
    if removed:
        _release_lines(removed)
        _drop_empty_shops(checkout)


def _plan_additions(
    *, checkout: Checkout, lines: Sequence[CheckoutLineInput], field: str = "lines"
) -> tuple[
    dict[int, int],
    list[tuple[CheckoutLine | None, ProductVariant, _CheckedBooking]],
    dict[int, ProductVariant],
]:
    for item in lines:
        _check_quantity(item.quantity)
    variants = _load_variants(
        checkout=checkout, variant_ids=[i.variant_id for i in lines], field=field
    )
    goods: dict[int, int] = defaultdict(int)
    bookings: list[tuple[CheckoutLine | None, ProductVariant, _CheckedBooking]] = []
    for item in lines:
        variant = variants[item.variant_id]
        booking = _check_booking(variant, item.booking)
        if booking is None:
            goods[variant.pk] += item.quantity
        else:
            bookings.append((None, variant, booking))
    if goods:
        for line in CheckoutLine.objects.filter(
            checkout=checkout, variant_id__in=list(goods), booking_start_date__isnull=True
        ):
            goods[line.variant_id] += line.quantity
    return dict(goods), bookings, variants


def address_snapshot(address: Mapping[str, Any]) -> dict[str, Any]:
    """The snapshot a checkout (and later its order) keeps of `address`, under a stable ID.

    Clients key addresses by `id` (Saleor's storefront normalises its cache on it), so each
    snapshot gets the pk of an owner-less Address row written alongside. A new address
    is a new row, never an edited one: one ID always means one content.
    """
    values = {field: address[field] for field in ADDRESS_FIELDS if field in address}
    row = Address.objects.create(user=None, **values)
    return {**{k: v for k, v in address.items() if k != "id"}, "id": row.pk}


def _add_lines(checkout: Checkout, lines: Sequence[CheckoutLineInput]) -> Checkout:
    """Add lines to the locked checkout and refresh its statuses."""
    if lines:
        goods, bookings, variants = _plan_additions(checkout=checkout, lines=lines)
        _apply_line_changes(checkout=checkout, goods=goods, bookings=bookings, variants=variants)
    _touch(checkout, buyer_sees_new_delivery_prices=True)
    return checkout


@transaction.atomic
def checkout_create(
    *,
    channel: Channel,
    lines: Sequence[CheckoutLineInput] = (),
    user: User | None = None,
    email: str = "",
    shipping_address: Mapping[str, Any] | None = None,
    billing_address: Mapping[str, Any] | None = None,
) -> Checkout:
    """A new checkout in `channel` with `lines`; the email defaults to the user's."""
    if not channel.is_active:
        raise checkout_error(
            "channel",
            f"The channel {channel.slug} is inactive.",
            CheckoutErrorCode.CHANNEL_INACTIVE,
        )
    email = (email or (user.email if user is not None else "")).strip().lower()
    if email:
        _check_email(email)
    checkout = Checkout.objects.create(
        channel=channel,
        user=user,
        email=email,
        currency=channel.currency_code,
        shipping_address=address_snapshot(shipping_address) if shipping_address else None,
        billing_address=address_snapshot(billing_address) if billing_address else None,
    )
    return _add_lines(checkout, lines)


@transaction.atomic
def checkout_lines_add(*, checkout: Checkout, lines: Sequence[CheckoutLineInput]) -> Checkout:
    """Add lines; goods of a variant already in the checkout add to its quantity, each
    booking becomes its own line. Stock and capacity are (re)reserved."""
    checkout = _lock_open_checkout(checkout)
    return _add_lines(checkout, lines)


@transaction.atomic
def checkout_lines_update(
    *, checkout: Checkout, lines: Sequence[CheckoutLineUpdateInput]
) -> Checkout:
    """Set line quantities (0 removes the line) and change booking dates or guests."""
    checkout = _lock_open_checkout(checkout)
    current = {
        ln.pk: ln
        for ln in CheckoutLine.objects.filter(checkout=checkout).select_related(
            "variant__product__shop"
        )
    }
    goods_by_variant = {ln.variant_id: ln for ln in current.values() if not ln.is_booking}
    targets: list[tuple[CheckoutLine, CheckoutLineUpdateInput]] = []
    for item in lines:
        _check_quantity(item.quantity, allow_zero=True)
        if item.line_id is not None:
            line = current.get(item.line_id)
        elif item.variant_id is not None:
            line = goods_by_variant.get(item.variant_id)
        else:
            raise checkout_error(
                "lines", "Give a line id or a variant id.", CheckoutErrorCode.REQUIRED
            )
        if line is None:
            raise checkout_error(
                "lines",
                "No such line in this checkout.",
                CheckoutErrorCode.NOT_FOUND,
                lines=[item.line_id] if item.line_id else [],
                variants=[item.variant_id] if item.variant_id else [],
            )
        targets.append((line, item))
    kept = [line for line, item in targets if item.quantity > 0]
    variants = _load_variants(
        checkout=checkout, variant_ids={ln.variant_id for ln in kept}, field="lines"
    )
    goods: dict[int, int] = {}
    bookings: list[tuple[CheckoutLine | None, ProductVariant, _CheckedBooking]] = []
    removed_bookings: list[CheckoutLine] = []
    for line, item in targets:
        if not line.is_booking:
            goods[line.variant_id] = item.quantity
            continue
        if item.quantity == 0:
            removed_bookings.append(line)
            continue
        booking = item.booking or BookingInput(
            start_date=line.booking_start_date,  # type: ignore[arg-type]
            end_date=line.booking_end_date,
            guests=line.booking_guests,  # type: ignore[arg-type]
        )
        checked = _check_booking(variants[line.variant_id], booking)
        assert checked is not None
        bookings.append((line, variants[line.variant_id], checked))
    if removed_bookings:
        CheckoutLine.objects.filter(pk__in=[ln.pk for ln in removed_bookings]).delete()
        _release_lines(removed_bookings)
    _apply_line_changes(checkout=checkout, goods=goods, bookings=bookings, variants=variants)
    _drop_empty_shops(checkout)
    _touch(checkout, buyer_sees_new_delivery_prices=True)
    return checkout


@transaction.atomic
def checkout_lines_delete(*, checkout: Checkout, line_ids: Sequence[int]) -> Checkout:
    """Remove lines, giving back their stock reservations and tourism holds."""
    checkout = _lock_open_checkout(checkout)
    lines = list(CheckoutLine.objects.filter(checkout=checkout, pk__in=list(line_ids)))
    missing = set(line_ids) - {ln.pk for ln in lines}
    if missing:
        raise checkout_error(
            "line_ids", "No such line in this checkout.", CheckoutErrorCode.NOT_FOUND, lines=missing
        )
    CheckoutLine.objects.filter(pk__in=[ln.pk for ln in lines]).delete()
    _release_lines(lines)
    _drop_empty_shops(checkout)
    _touch(checkout, buyer_sees_new_delivery_prices=True)
    return checkout


# --- buyer details ------------------------------------------------------------------------


def _check_email(email: str) -> None:
    try:
        validate_email(email)
    except ValidationError as exc:
        raise checkout_error(
            "email", f"{email!r} is not a valid email address.", CheckoutErrorCode.INVALID
        ) from exc


@transaction.atomic
def checkout_email_update(*, checkout: Checkout, email: str) -> Checkout:
    checkout = _lock_open_checkout(checkout)
    email = (email or "").strip().lower()
    if not email:
        raise checkout_error("email", "An email address is required.", CheckoutErrorCode.REQUIRED)
    _check_email(email)
    checkout.email = email
    checkout.save(update_fields=["email", "last_change"])
    return checkout


@transaction.atomic
def checkout_shipping_address_update(*, checkout: Checkout, address: Mapping[str, Any]) -> Checkout:
    """Store a shipping address snapshot. `address` must already be validated (the API runs
    `marketplace.accounts.addresses` on the input first); it is stored as given."""
    checkout = _lock_open_checkout(checkout)
    checkout.shipping_address = address_snapshot(address)
    checkout.save(update_fields=["shipping_address", "last_change"])
    # Express prices depend on where the parcel goes.
    _touch(checkout, buyer_sees_new_delivery_prices=True)
    return checkout


@transaction.atomic
def checkout_billing_address_update(*, checkout: Checkout, address: Mapping[str, Any]) -> Checkout:
    """Store a billing address snapshot (validated by the caller, as for shipping)."""
    checkout = _lock_open_checkout(checkout)
    checkout.billing_address = address_snapshot(address)
    checkout.save(update_fields=["billing_address", "last_change"])
    return checkout


@transaction.atomic
def checkout_customer_attach(*, checkout: Checkout, user: User) -> Checkout:
    """Make `user` the checkout's customer; the email becomes theirs."""
    checkout = _lock_open_checkout(checkout)
    checkout.user = user
    checkout.email = user.email
    checkout.save(update_fields=["user", "email", "last_change"])
    return checkout


@transaction.atomic
def checkout_customer_detach(*, checkout: Checkout) -> Checkout:
    checkout = _lock_open_checkout(checkout)
    checkout.user = None
    checkout.save(update_fields=["user", "last_change"])
    return checkout


# --- delivery and vouchers ----------------------------------------------------------------


def _shop_lines(checkout: Checkout, shop: Shop) -> list[CheckoutLine]:
    return list(
        CheckoutLine.objects.filter(checkout=checkout, variant__product__shop=shop).select_related(
            "variant__product"
        )
    )


@transaction.atomic
def checkout_delivery_method_update(
    *, checkout: Checkout, shop: Shop, method: Any | None
) -> Checkout:
    """Choose how `shop` hands over its part (None clears the choice).

    `method` is a `logistics.models.DeliveryMethod` of that shop, active; the shop must
    have goods in the checkout (a stay or an experience needs no delivery)."""
    checkout = _lock_open_checkout(checkout)
    lines = _shop_lines(checkout, shop)
    if not lines:
        raise checkout_error(
            "shop",
            f"{shop} has nothing in this checkout.",
            CheckoutErrorCode.DELIVERY_METHOD_NOT_APPLICABLE,
        )
    if method is None:
        CheckoutDelivery.objects.filter(checkout=checkout, shop=shop).delete()
    else:
        if all(ln.variant.product.is_tourism for ln in lines):
            raise checkout_error(
                "delivery_method_id",
                f"Nothing from {shop} needs delivery.",
                CheckoutErrorCode.SHIPPING_NOT_REQUIRED,
            )
        if method.shop_id != shop.pk or not method.is_active:
            raise checkout_error(
                "delivery_method_id",
                f"{method.name} is not offered by {shop}.",
                CheckoutErrorCode.DELIVERY_METHOD_NOT_APPLICABLE,
            )
        _refuse_undeliverable(checkout=checkout, method=method, lines=lines)
        CheckoutDelivery.objects.update_or_create(
            checkout=checkout, shop=shop, defaults={"delivery_method": method}
        )
    _touch(checkout, buyer_sees_new_delivery_prices=True)
    return checkout


def _refuse_undeliverable(
    *, checkout: Checkout, method: Any, lines: Sequence[CheckoutLine]
) -> None:
    """A method that cannot take this shop's parcel to the checkout's address (not served,
    no rate there, an address we cannot place) is refused, saying why. With no address yet
    an express method can still be chosen; its price is known once the address is."""
    if checkout.shipping_address is None:
        return
    quote = delivery_quotes(
        shop_items=parcel_items((line.variant, line.quantity) for line in lines),
        shop_subtotals=selectors.checkout_shop_subtotals(
            checkout=checkout, shop_ids=[method.shop_id]
        ),
        address=checkout.shipping_address,
        method_ids=[method.pk],
    ).for_method(method.pk)
    if quote is not None and quote.refusal is not None:
        raise checkout_error(
            "delivery_method_id",
            f"{method.name} cannot deliver to this address: {refusal_reason(quote.refusal)}",
            CheckoutErrorCode.SHIPPING_METHOD_NOT_APPLICABLE,
        )


@transaction.atomic
def checkout_add_promo_code(*, checkout: Checkout, promo_code: str) -> Checkout:
    """Apply a shop voucher. The code is looked up in the shops the checkout buys from
    (case-insensitively); it replaces that shop's previous voucher."""
    checkout = _lock_open_checkout(checkout)
    code = (promo_code or "").strip()
    totals = selectors.checkout_totals(checkout=checkout)
    shop_ids = [s.shop.pk for s in totals.shops]
    # No code holds a NUL byte, and PostgreSQL would refuse a query for one.
    findable = code and "\x00" not in code
    vouchers = (
        list(Voucher.objects.filter(shop_id__in=shop_ids, code__iexact=code)) if findable else []
    )
    if not vouchers:
        raise checkout_error("promo_code", "Promo code is invalid.", CheckoutErrorCode.INVALID)
    now = timezone.now()
    refusals = []
    applied = 0
    for voucher in vouchers:
        shop_totals = totals.for_shop(voucher.shop_id)
        assert shop_totals is not None
        reason = selectors.voucher_refusal(
            voucher=voucher, shop_subtotal=shop_totals.subtotal, now=now
        )
        if reason:
            refusals.append(reason)
            continue
        CheckoutVoucher.objects.update_or_create(
            checkout=checkout, shop_id=voucher.shop_id, defaults={"voucher": voucher}
        )
        applied += 1
    if not applied:
        raise checkout_error(
            "promo_code", " ".join(refusals), CheckoutErrorCode.VOUCHER_NOT_APPLICABLE
        )
    _touch(checkout)
    return checkout


@transaction.atomic
def checkout_remove_promo_code(*, checkout: Checkout, promo_code: str) -> Checkout:
    """Remove a voucher by its code from every shop it was applied to. Removing a code that
    is not applied does nothing (as in Saleor)."""
    checkout = _lock_open_checkout(checkout)
    code = (promo_code or "").strip()
    if "\x00" not in code:  # no code holds one, and PostgreSQL would refuse the query
        CheckoutVoucher.objects.filter(checkout=checkout, voucher__code__iexact=code).delete()
    _touch(checkout)
    return checkout


# --- payments -----------------------------------------------------------------------------


@transaction.atomic
def checkout_mark_charged(*, checkout_id: UUID | str, amount: Decimal) -> Checkout:
    """Record how much has been charged on the checkout *in total* and derive `charge_status`
    from the current total. For payments: pass the sum of all successful charges (not the
    latest one), so a replayed notification sets the same figure again: idempotent.

    Works on completed checkouts too (the figure is kept); the order's own status is kept
    by `marketplace.orders.lifecycle.order_mark_charged`."""
    return _mark_paid(checkout_id=checkout_id, charged=Decimal(amount))


@transaction.atomic
def checkout_mark_authorized(*, checkout_id: UUID | str, amount: Decimal) -> Checkout:
    """As `checkout_mark_charged`, for the total authorized but not yet charged."""
    return _mark_paid(checkout_id=checkout_id, authorized=Decimal(amount))


def _mark_paid(
    *, checkout_id: UUID | str, charged: Decimal | None = None, authorized: Decimal | None = None
) -> Checkout:
    for value in (charged, authorized):
        if value is not None and (value < 0 or value != value.quantize(selectors.CENT)):
            raise checkout_error(
                "amount", f"{value} is not a valid amount in yuan.", CheckoutErrorCode.INVALID
            )
    checkout = Checkout.objects.select_for_update().filter(pk=checkout_id).first()
    if checkout is None:
        raise checkout_error("id", "This checkout does not exist.", CheckoutErrorCode.NOT_FOUND)
    if charged is not None:
        checkout.charged_amount = charged
    if authorized is not None:
        checkout.authorized_amount = authorized
    if checkout.order_id is not None:
        total = checkout.order.total_amount  # type: ignore[union-attr]
        checkout.charge_status = selectors.charge_status_for(
            charged=checkout.charged_amount, total=total
        )
        checkout.authorize_status = selectors.authorize_status_for(
            authorized=checkout.authorized_amount, charged=checkout.charged_amount, total=total
        )
        checkout.save(
            update_fields=[
                "charged_amount",
                "authorized_amount",
                "charge_status",
                "authorize_status",
            ]
        )
        return checkout
    checkout.save(update_fields=["charged_amount", "authorized_amount"])
    _touch(checkout)
    return checkout


@transaction.atomic
def checkout_release_reservations(*, checkout_id: UUID | str) -> None:
    """Give back all stock and tourism capacity an open checkout holds (an abandoned or
    timed-out payment). The lines stay; adding or completing reserves again."""
    checkout = (
        Checkout.objects.select_for_update().filter(pk=checkout_id, order__isnull=True).first()
    )
    if checkout is None:
        return
    lines = list(CheckoutLine.objects.filter(checkout=checkout))
    Reservation.objects.filter(checkout_line__in=lines).delete()
    _release_lines(lines)


# --- expiry -------------------------------------------------------------------------------


def reservations_delete_expired(*, now: datetime | None = None) -> int:
    """Delete stock reservations past their time (they already count for nothing)."""
    deleted, _ = Reservation.objects.filter(reserved_until__lte=now or timezone.now()).delete()
    return deleted
