"""Reads of checkouts: line prices and availability, per-shop totals with shipping and
vouchers, delivery options, payment-status arithmetic and Saleor's `problems`.

Prices are read live from the channel listings until `checkout_complete` freezes them in
the order lines. Nothing here writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from logistics.error_codes import DeliveryErrorCode
from logistics.models import DeliveryMethod
from logistics.selectors import DeliveryQuote, delivery_quotes, parcel_items
from marketplace.catalog.models import (
    ProductChannelListing,
    ProductVariant,
    ProductVariantChannelListing,
)
from marketplace.checkout.error_codes import CheckoutErrorCode
from marketplace.checkout.models import (
    Checkout,
    CheckoutAuthorizeStatus,
    CheckoutChargeStatus,
    CheckoutDelivery,
    CheckoutLine,
    CheckoutVoucher,
    Voucher,
    VoucherDiscountType,
)
from marketplace.inventory.models import Reservation, Stock
from marketplace.organisations.models import Shop, ShopStatus

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def checkout_get(*, token: UUID | str) -> Checkout | None:
    """The open (not yet completed) checkout with this token, as the storefront sees it."""
    try:
        return Checkout.objects.filter(order__isnull=True).get(pk=token)
    # A malformed token is "not found", never a 500.
    except (Checkout.DoesNotExist, ValueError, TypeError, ValidationError):
        return None


# --- lines ----------------------------------------------------------------------------------


@dataclass
class LineInfo:
    """A checkout line with what pricing and checks need, loaded in a fixed number of queries."""

    line: CheckoutLine
    variant: ProductVariant
    shop_id: int
    unit_price: Decimal | None
    # Why the line cannot be bought right now (None = it can).
    unavailable: CheckoutErrorCode | None

    @property
    def total_price(self) -> Decimal:
        return ((self.unit_price or ZERO) * self.line.quantity).quantize(CENT)

    @property
    def is_shipping_required(self) -> bool:
        return not self.variant.product.is_tourism


def variant_purchase_refusal(
    *,
    variant: ProductVariant,
    variant_listing: ProductVariantChannelListing | None,
    product_listing: ProductChannelListing | None,
    now: datetime,
) -> CheckoutErrorCode | None:
    """Why `variant` cannot be bought in the channel now, or None. `variant.product.shop`
    must be loaded."""
    if variant_listing is None:
        return CheckoutErrorCode.UNAVAILABLE_VARIANT_IN_CHANNEL
    if (
        product_listing is None
        or not product_listing.is_published
        or (product_listing.published_at is not None and product_listing.published_at > now)
        or variant.product.shop.status != ShopStatus.APPROVED
    ):
        return CheckoutErrorCode.PRODUCT_NOT_PUBLISHED
    purchasable_at = product_listing.available_for_purchase_at
    if purchasable_at is None or purchasable_at > now:
        return CheckoutErrorCode.PRODUCT_UNAVAILABLE_FOR_PURCHASE
    return None


def channel_listings(
    *, channel_id: int, variants: Iterable[ProductVariant]
) -> tuple[dict[int, ProductVariantChannelListing], dict[int, ProductChannelListing]]:
    """Variant and product listings in the channel, keyed by variant pk and product pk."""
    variants = list(variants)
    variant_ids = {v.pk for v in variants}
    product_ids = {v.product_id for v in variants}
    by_variant = {
        vl.variant_id: vl
        for vl in ProductVariantChannelListing.objects.filter(
            channel_id=channel_id, variant_id__in=variant_ids
        )
    }
    by_product = {
        pl.product_id: pl
        for pl in ProductChannelListing.objects.filter(
            channel_id=channel_id, product_id__in=product_ids
        )
    }
    return by_variant, by_product


def checkout_line_infos(*, checkout: Checkout, now: datetime | None = None) -> list[LineInfo]:
    """Every line with its variant, product, shop, live unit price and availability."""
    now = now or timezone.now()
    lines = list(
        CheckoutLine.objects.filter(checkout=checkout)
        .select_related("variant__product__shop")
        .order_by("created_at", "pk")
    )
    by_variant, by_product = channel_listings(
        channel_id=checkout.channel_id, variants=[line.variant for line in lines]
    )
    infos = []
    for line in lines:
        variant = line.variant
        variant_listing = by_variant.get(variant.pk)
        infos.append(
            LineInfo(
                line=line,
                variant=variant,
                shop_id=variant.product.shop_id,
                unit_price=variant_listing.price_amount if variant_listing else None,
                unavailable=variant_purchase_refusal(
                    variant=variant,
                    variant_listing=variant_listing,
                    product_listing=by_product.get(variant.product_id),
                    now=now,
                ),
            )
        )
    return infos


# --- stock ----------------------------------------------------------------------------------


def stock_reserved_by_others(
    *, stock_ids: Iterable[int], checkout: Checkout | None, now: datetime
) -> dict[int, int]:
    """Units of each stock row held by live reservations of checkouts other than `checkout`."""
    qs = Reservation.objects.filter(stock_id__in=list(stock_ids), reserved_until__gt=now)
    if checkout is not None:
        qs = qs.exclude(checkout_line__checkout_id=checkout.pk)
    return {
        row["stock_id"]: row["total"]
        for row in qs.values("stock_id").annotate(total=Sum("quantity_reserved"))
    }


def stock_available_for_checkout(
    *, stocks: Sequence[Stock], checkout: Checkout | None, now: datetime
) -> dict[int, int]:
    """Free units per stock row for `checkout`: on hand, less allocated, less what other
    checkouts hold. Its own reservations do not count against it."""
    reserved = stock_reserved_by_others(
        stock_ids=[s.pk for s in stocks], checkout=checkout, now=now
    )
    return {s.pk: max(0, s.quantity - s.quantity_allocated - reserved.get(s.pk, 0)) for s in stocks}


def variants_available_quantity(
    *, variant_ids: Iterable[int], checkout: Checkout | None, now: datetime | None = None
) -> dict[int, int]:
    """Free units per variant for `checkout`, summed over its warehouses (no locks)."""
    now = now or timezone.now()
    stocks = list(Stock.objects.filter(product_variant_id__in=list(variant_ids)))
    free = stock_available_for_checkout(stocks=stocks, checkout=checkout, now=now)
    totals: dict[int, int] = defaultdict(int)
    for s in stocks:
        totals[s.product_variant_id] += free[s.pk]
    return dict(totals)


# --- vouchers -------------------------------------------------------------------------------


def voucher_lapse(*, voucher: Voucher, now: datetime) -> str | None:
    """Why `voucher` cannot be used at all now (inactive, expired, used up), or None."""
    if not voucher.is_active or voucher.start_date > now:
        return f"The code {voucher.code} is not active."
    if voucher.end_date is not None and voucher.end_date <= now:
        return f"The code {voucher.code} has expired."
    if voucher.usage_limit is not None and voucher.used >= voucher.usage_limit:
        return f"The code {voucher.code} has been used up."
    return None


def voucher_refusal(*, voucher: Voucher, shop_subtotal: Decimal, now: datetime) -> str | None:
    """Why `voucher` does not apply to a shop subtotal now (a message), or None."""
    lapse = voucher_lapse(voucher=voucher, now=now)
    if lapse:
        return lapse
    if shop_subtotal < voucher.min_spend_amount:
        return (
            f"The code {voucher.code} needs a spend of at least ¥{voucher.min_spend_amount} "
            "in its shop."
        )
    return None


def voucher_discount(*, voucher: Voucher, shop_subtotal: Decimal) -> Decimal:
    """The discount on a shop subtotal, never more than the subtotal."""
    if voucher.discount_type == VoucherDiscountType.PERCENTAGE:
        amount = (shop_subtotal * voucher.discount_value / 100).quantize(CENT, ROUND_HALF_UP)
    else:
        amount = voucher.discount_value
    return min(amount, shop_subtotal).quantize(CENT)


# --- totals ---------------------------------------------------------------------------------


@dataclass
class ShopTotals:
    shop: Shop
    lines: list[LineInfo]
    delivery: CheckoutDelivery | None
    voucher: Voucher | None
    subtotal: Decimal = ZERO
    shipping: Decimal = ZERO
    discount: Decimal = ZERO
    # Why the chosen method cannot deliver this cart to the address (shipping is then 0
    # and the checkout cannot complete), or None.
    delivery_refusal: DeliveryErrorCode | None = None

    @property
    def delivery_price_changed(self) -> bool:
        """The chosen method now costs other than the price the buyer agreed to."""
        delivery = self.delivery
        return (
            delivery is not None
            and self.is_shipping_required
            and self.delivery_refusal is None
            and delivery.agreed_shipping_amount is not None
            and delivery.agreed_shipping_amount != self.shipping
        )

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping - self.discount

    @property
    def is_shipping_required(self) -> bool:
        return any(info.is_shipping_required for info in self.lines)


@dataclass
class CheckoutTotals:
    shops: list[ShopTotals] = field(default_factory=list)

    @property
    def subtotal(self) -> Decimal:
        return sum((s.subtotal for s in self.shops), ZERO)

    @property
    def shipping(self) -> Decimal:
        return sum((s.shipping for s in self.shops), ZERO)

    @property
    def discount(self) -> Decimal:
        return sum((s.discount for s in self.shops), ZERO)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping - self.discount

    @property
    def lines(self) -> list[LineInfo]:
        return [info for s in self.shops for info in s.lines]

    def for_shop(self, shop_id: int) -> ShopTotals | None:
        return next((s for s in self.shops if s.shop.pk == shop_id), None)


def checkout_totals(
    *,
    checkout: Checkout,
    lines: list[LineInfo] | None = None,
    now: datetime | None = None,
) -> CheckoutTotals:
    """Per-shop subtotal, shipping (from the chosen method) and voucher discount, and the sums.

    Unavailable lines count at their last price or zero; `checkout_complete` refuses them.
    A voucher that no longer applies (expired, used up, spend below its minimum) gives no
    discount but stays on the checkout, so it applies again once the cart qualifies.
    """
    now = now or timezone.now()
    infos = checkout_line_infos(checkout=checkout, now=now) if lines is None else lines
    by_shop: dict[int, list[LineInfo]] = defaultdict(list)
    for info in infos:
        by_shop[info.shop_id].append(info)
    deliveries = {
        d.shop_id: d
        for d in CheckoutDelivery.objects.filter(checkout=checkout).select_related(
            "delivery_method"
        )
    }
    vouchers = {
        cv.shop_id: cv.voucher
        for cv in CheckoutVoucher.objects.filter(checkout=checkout).select_related("voucher")
    }
    # Every chosen method priced for this cart and address in a fixed number of statements.
    quotes = delivery_quotes(
        shop_items=parcel_items((i.variant, i.line.quantity) for i in infos),
        shop_subtotals={
            shop_id: sum((i.total_price for i in shop_lines), ZERO)
            for shop_id, shop_lines in by_shop.items()
        },
        address=checkout.shipping_address,
        method_ids=[d.delivery_method_id for d in deliveries.values()],
    )
    totals = CheckoutTotals()
    for shop_id, shop_lines in by_shop.items():
        shop = shop_lines[0].variant.product.shop
        shop_totals = ShopTotals(
            shop=shop,
            lines=shop_lines,
            delivery=deliveries.get(shop_id),
            voucher=vouchers.get(shop_id),
        )
        shop_totals.subtotal = sum((i.total_price for i in shop_lines), ZERO)
        delivery = shop_totals.delivery
        if delivery is not None and shop_totals.is_shipping_required:
            quote = quotes.for_method(delivery.delivery_method_id)
            if quote is None:  # a method retired since it was chosen keeps its flat price
                shop_totals.shipping = delivery.delivery_method.price_for()
            else:
                shop_totals.shipping = quote.price if quote.price is not None else ZERO
                shop_totals.delivery_refusal = quote.refusal
        voucher = shop_totals.voucher
        if voucher is not None and not voucher_refusal(
            voucher=voucher, shop_subtotal=shop_totals.subtotal, now=now
        ):
            shop_totals.discount = voucher_discount(
                voucher=voucher, shop_subtotal=shop_totals.subtotal
            )
        totals.shops.append(shop_totals)
    totals.shops.sort(key=lambda s: s.shop.pk)
    return totals


def charge_status_for(*, charged: Decimal, total: Decimal) -> str:
    """Saleor's rule: nothing charged is NONE unless nothing is owed; then by comparison."""
    if charged <= 0:
        return CheckoutChargeStatus.FULL if total <= 0 else CheckoutChargeStatus.NONE
    if charged < total:
        return CheckoutChargeStatus.PARTIAL
    if charged == total:
        return CheckoutChargeStatus.FULL
    return CheckoutChargeStatus.OVERCHARGED


def authorize_status_for(*, authorized: Decimal, charged: Decimal, total: Decimal) -> str:
    """Authorized money covers the total once authorized plus charged reaches it."""
    covered = authorized + charged
    if total <= 0 or covered >= total:
        return CheckoutAuthorizeStatus.FULL
    if covered > 0:
        return CheckoutAuthorizeStatus.PARTIAL
    return CheckoutAuthorizeStatus.NONE


# --- delivery -------------------------------------------------------------------------------


@dataclass
class ShopDeliveryOptions:
    """What one shop offers for its part of the checkout, and what the buyer chose.

    Every method carries `quoted_price`: its price for this shop's parcel to the checkout's
    address (`ShippingMethod.price` shows it). Methods that cannot deliver there are not
    in `methods` but in `unavailable`, each with its reason."""

    shop: Shop
    is_shipping_required: bool
    methods: list[DeliveryMethod]  # the ones that can deliver, cheapest first
    selected: DeliveryMethod | None
    unavailable: list[DeliveryQuote] = field(default_factory=list)


def _priced(method: DeliveryMethod, quote: DeliveryQuote | None) -> DeliveryMethod:
    method.quoted_price = quote.price if quote is not None else method.price_for()  # type: ignore[attr-defined]
    return method


def delivery_options(*, checkout: Checkout) -> list[ShopDeliveryOptions]:
    """Per shop in the checkout (by shop pk): its active delivery methods priced for this
    cart and address, the ones that cannot deliver it, and the choice. A fixed number of
    statements whatever the number of shops and lines."""
    lines = (
        CheckoutLine.objects.filter(checkout=checkout)
        .select_related("variant__product__shop")
        .order_by("pk")
    )
    shops: dict[int, Shop] = {}
    needs_shipping: dict[int, bool] = defaultdict(bool)
    for line in lines:
        product = line.variant.product
        shops[product.shop_id] = product.shop
        needs_shipping[product.shop_id] |= not product.is_tourism
    shipping_shops = [shop_id for shop_id in shops if needs_shipping[shop_id]]
    subtotals = checkout_shop_subtotals(checkout=checkout, shop_ids=shipping_shops)
    quotes = delivery_quotes(
        shop_items={
            shop_id: items
            for shop_id, items in parcel_items((ln.variant, ln.quantity) for ln in lines).items()
            if needs_shipping[shop_id]
        },
        shop_subtotals=subtotals,
        address=checkout.shipping_address,
    )
    chosen = {
        d.shop_id: d.delivery_method
        for d in CheckoutDelivery.objects.filter(checkout=checkout).select_related(
            "delivery_method"
        )
    }
    options = []
    for shop_id in sorted(shops):
        shop_quotes = quotes.for_shop(shop_id) if needs_shipping[shop_id] else []
        selected = chosen.get(shop_id)
        if selected is not None:
            selected = _priced(selected, quotes.for_method(selected.pk))
        options.append(
            ShopDeliveryOptions(
                shop=shops[shop_id],
                is_shipping_required=needs_shipping[shop_id],
                methods=[_priced(q.method, q) for q in shop_quotes if q.is_available],
                selected=selected,
                unavailable=[q for q in shop_quotes if not q.is_available],
            )
        )
    return options


def checkout_shop_subtotals(*, checkout: Checkout, shop_ids: Sequence[int]) -> dict[int, Decimal]:
    """Each shop's line total at live channel prices (what free delivery is measured on)."""
    if not shop_ids:
        return {}
    infos = checkout_line_infos(checkout=checkout)
    subtotals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for info in infos:
        if info.variant.product.shop_id in shop_ids:
            subtotals[info.variant.product.shop_id] += info.total_price
    return dict(subtotals)


# --- problems -------------------------------------------------------------------------------


@dataclass(frozen=True)
class InsufficientStockProblem:
    """Saleor's CheckoutLineProblemInsufficientStock."""

    line: CheckoutLine
    variant: ProductVariant
    available_quantity: int


@dataclass(frozen=True)
class VariantNotAvailableProblem:
    """Saleor's CheckoutLineProblemVariantNotAvailable."""

    line: CheckoutLine


@dataclass(frozen=True)
class DeliveryMethodInvalidProblem:
    """Saleor's CheckoutProblemDeliveryMethodInvalid: the chosen method went inactive."""

    delivery: CheckoutDelivery


@dataclass(frozen=True)
class DeliveryMethodStaleProblem:
    """Saleor's CheckoutProblemDeliveryMethodStale: the chosen method's price moved since
    the buyer agreed to it (choosing the method again accepts the new price)."""

    delivery: CheckoutDelivery
    agreed_price: Decimal
    current_price: Decimal


CheckoutProblem = (
    InsufficientStockProblem
    | VariantNotAvailableProblem
    | DeliveryMethodInvalidProblem
    | DeliveryMethodStaleProblem
)


def checkout_problems(
    *,
    checkout: Checkout,
    lines: list[LineInfo] | None = None,
    totals: CheckoutTotals | None = None,
) -> list[CheckoutProblem]:
    """What would stop this checkout from completing now, line by line (Saleor's `problems`).

    Stock counts as free what on-hand stock less allocations and other checkouts' live
    reservations leaves; tourism capacity is checked by the bookings domain at completion.
    """
    now = timezone.now()
    infos = checkout_line_infos(checkout=checkout, now=now) if lines is None else lines
    problems: list[CheckoutProblem] = []
    tracked = [
        i
        for i in infos
        if i.unavailable is None and i.variant.track_inventory and not i.line.is_booking
    ]
    available = variants_available_quantity(
        variant_ids=[i.variant.pk for i in tracked], checkout=checkout, now=now
    )
    for info in infos:
        if info.unavailable is not None:
            problems.append(VariantNotAvailableProblem(line=info.line))
        elif info in tracked and available.get(info.variant.pk, 0) < info.line.quantity:
            problems.append(
                InsufficientStockProblem(
                    line=info.line,
                    variant=info.variant,
                    available_quantity=available.get(info.variant.pk, 0),
                )
            )
    for delivery in CheckoutDelivery.objects.filter(
        Q(delivery_method__is_active=False), checkout=checkout
    ).select_related("delivery_method"):
        problems.append(DeliveryMethodInvalidProblem(delivery=delivery))
    for shop_totals in totals.shops if totals is not None else ():
        if shop_totals.delivery is not None and shop_totals.delivery_price_changed:
            problems.append(
                DeliveryMethodStaleProblem(
                    delivery=shop_totals.delivery,
                    agreed_price=shop_totals.delivery.agreed_shipping_amount or ZERO,
                    current_price=shop_totals.shipping,
                )
            )
    return problems


def checkouts_of_user(*, user_id: int) -> QuerySet[Checkout]:
    return Checkout.objects.filter(user_id=user_id, order__isnull=True)
