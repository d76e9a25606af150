"""Orders: one buyer-facing `Order` per completed checkout, one `ShopOrder` per village shop
inside it, snapshot `OrderLine`s and the `OrderEvent` history.

Orders are written by `marketplace.checkout.complete_checkout.checkout_complete` and changed
by `marketplace.orders.lifecycle`. Lines copy names, SKU, price and beneficiary at
the time of sale, so later catalog edits never rewrite what was sold.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Func, Q

from marketplace.bookings.models import booking_all_or_none


class NextVal(Func):
    """`nextval('<sequence>')`: order numbers come from a PostgreSQL sequence, which is
    unique and increasing under any concurrency and leaves gaps only on rollback."""

    function = "nextval"
    output_field = models.BigIntegerField()

    def __init__(self, sequence: str) -> None:
        super().__init__(models.Value(sequence))


ORDER_NUMBER_SEQUENCE = "orders_order_number_seq"


class OrderStatus(models.TextChoices):
    """Saleor's OrderStatus."""

    DRAFT = "DRAFT", "Draft"
    UNCONFIRMED = "UNCONFIRMED", "Unconfirmed"
    UNFULFILLED = "UNFULFILLED", "Unfulfilled"
    PARTIALLY_FULFILLED = "PARTIALLY_FULFILLED", "Partially fulfilled"
    PARTIALLY_RETURNED = "PARTIALLY_RETURNED", "Partially returned"
    RETURNED = "RETURNED", "Returned"
    FULFILLED = "FULFILLED", "Fulfilled"
    CANCELED = "CANCELED", "Canceled"
    EXPIRED = "EXPIRED", "Expired"


class OrderChargeStatus(models.TextChoices):
    """Saleor's OrderChargeStatusEnum."""

    NONE = "NONE", "None"
    PARTIAL = "PARTIAL", "Partially charged"
    FULL = "FULL", "Fully charged"
    OVERCHARGED = "OVERCHARGED", "Overcharged"


class OrderAuthorizeStatus(models.TextChoices):
    """Saleor's OrderAuthorizeStatusEnum."""

    NONE = "NONE", "None"
    PARTIAL = "PARTIAL", "Partially authorized"
    FULL = "FULL", "Fully authorized"


def _money(**kw: object) -> models.DecimalField:
    return models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"), **kw)  # type: ignore[arg-type]


def _totals_checks(prefix: str) -> list[models.CheckConstraint]:
    """The money rules an order and a shop order share."""
    return [
        models.CheckConstraint(
            name=f"{prefix}_amounts_non_negative",
            condition=Q(subtotal_amount__gte=0)
            & Q(shipping_amount__gte=0)
            & Q(discount_amount__gte=0)
            & Q(discount_amount__lte=F("subtotal_amount")),
        ),
        models.CheckConstraint(
            name=f"{prefix}_total_adds_up",
            condition=Q(
                total_amount=F("subtotal_amount") + F("shipping_amount") - F("discount_amount")
            ),
        ),
    ]


class Order(models.Model):
    """What the buyer sees: one number, one payment, one confirmation page.

    The primary key is a random UUID because `order(id)` answers anonymous callers (the
    storefront's confirmation page): it must not be guessable.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.BigIntegerField(
        unique=True, editable=False, db_default=NextVal(ORDER_NUMBER_SEQUENCE)
    )
    # The checkout this order came from; UNIQUE makes a second completion impossible even
    # if the checkout row were gone.
    checkout_token = models.UUIDField(unique=True, null=True, blank=True, editable=False)
    channel = models.ForeignKey("channels.Channel", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
    )
    user_email = models.EmailField(blank=True)
    status = models.CharField(
        max_length=24, choices=OrderStatus.choices, default=OrderStatus.UNFULFILLED
    )
    charge_status = models.CharField(
        max_length=12, choices=OrderChargeStatus.choices, default=OrderChargeStatus.NONE
    )
    authorize_status = models.CharField(
        max_length=8, choices=OrderAuthorizeStatus.choices, default=OrderAuthorizeStatus.NONE
    )
    # Sum of successful charges as last reported by payments (`order_mark_charged`).
    charged_amount = _money()
    shipping_address = models.JSONField(null=True, blank=True)
    billing_address = models.JSONField(null=True, blank=True)
    currency = models.CharField(max_length=3, default="CNY")
    subtotal_amount = _money()
    shipping_amount = _money()
    discount_amount = _money()
    total_amount = _money()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-number"]
        indexes = [models.Index(fields=["user", "-created_at"])]
        constraints = [
            *_totals_checks("order"),
            models.CheckConstraint(
                condition=Q(charged_amount__gte=0), name="order_charged_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number}"


class ShopOrder(models.Model):
    """One shop's part of an order: fulfilled, refunded and later settled on its own."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shop_orders")
    shop = models.ForeignKey(
        "organisations.Shop", on_delete=models.PROTECT, related_name="shop_orders"
    )
    status = models.CharField(
        max_length=24, choices=OrderStatus.choices, default=OrderStatus.UNFULFILLED
    )
    delivery_method = models.ForeignKey(
        "logistics.DeliveryMethod",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Snapshots of the delivery choice (the method may change or go away later).
    delivery_method_name = models.CharField(max_length=128, blank=True)
    delivery_kind = models.CharField(max_length=16, blank=True)
    voucher = models.ForeignKey(
        "checkout.Voucher", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    voucher_code = models.CharField(max_length=32, blank=True)
    currency = models.CharField(max_length=3, default="CNY")
    subtotal_amount = _money()
    shipping_amount = _money()
    discount_amount = _money()
    total_amount = _money()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order_id", "shop_id"]
        indexes = [models.Index(fields=["shop", "status", "-created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["order", "shop"], name="one_shop_order_per_shop"),
            *_totals_checks("shop_order"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.shop_id}"


class OrderLine(models.Model):
    """A sold line, frozen at the time of sale. `variant` may vanish; the snapshot stays."""

    shop_order = models.ForeignKey(ShopOrder, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        "catalog.ProductVariant",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="order_lines",
    )
    product_name = models.CharField(max_length=386)
    variant_name = models.CharField(max_length=255, blank=True)
    product_sku = models.CharField(max_length=64)
    offering_kind = models.CharField(max_length=16)
    is_shipping_required = models.BooleanField(default=True)
    quantity = models.PositiveIntegerField()
    quantity_fulfilled = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3, default="CNY")
    unit_price_amount = models.DecimalField(max_digits=12, decimal_places=2)
    total_price_amount = models.DecimalField(max_digits=12, decimal_places=2)
    # Who the sale benefits, as it stood at the time of sale (settlement pays this party).
    beneficiary_kind = models.CharField(max_length=12)
    beneficiary_household = models.ForeignKey(
        "organisations.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="order_lines",
    )
    booking_start_date = models.DateField(null=True, blank=True)
    booking_end_date = models.DateField(null=True, blank=True)
    booking_guests = models.PositiveSmallIntegerField(null=True, blank=True)
    # The key of the tourism-capacity hold this line sold (`BookingHold.key`, same length),
    # written by checkout completion. It is the only exact link from a line to its booking:
    # one order may hold two bookings of the same variant, dates and guests. NULL for goods
    # and for lines sold before the key was kept (those fall back to matching by booking).
    booking_hold_key = models.CharField(max_length=128, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["shop_order_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="order_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(quantity_fulfilled__lte=F("quantity")),
                name="order_line_fulfilled_within_quantity",
            ),
            models.CheckConstraint(
                condition=Q(unit_price_amount__gte=0)
                & Q(total_price_amount=F("unit_price_amount") * F("quantity")),
                name="order_line_total_is_unit_times_quantity",
            ),
            models.CheckConstraint(
                name="order_line_beneficiary_consistent",
                condition=Q(beneficiary_kind="HOUSEHOLD", beneficiary_household__isnull=False)
                | Q(beneficiary_kind="COLLECTIVE", beneficiary_household__isnull=True),
            ),
            booking_all_or_none(name="order_line_booking_all_or_none"),
            models.CheckConstraint(
                name="order_line_hold_key_only_on_bookings",
                condition=Q(booking_hold_key__isnull=True) | Q(booking_start_date__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_sku}"


class OrderEventType(models.TextChoices):
    """The OrderEventsEnum values we record (Saleor names)."""

    PLACED = "PLACED", "Placed"
    PLACED_AUTOMATICALLY_FROM_PAID_CHECKOUT = (
        "PLACED_AUTOMATICALLY_FROM_PAID_CHECKOUT",
        "Placed from a paid checkout",
    )
    ORDER_FULLY_PAID = "ORDER_FULLY_PAID", "Fully paid"
    EMAIL_SENT = "EMAIL_SENT", "Email sent"
    CONFIRMED = "CONFIRMED", "Confirmed"
    CANCELED = "CANCELED", "Canceled"
    FULFILLMENT_FULFILLED_ITEMS = "FULFILLMENT_FULFILLED_ITEMS", "Items fulfilled"
    NOTE_ADDED = "NOTE_ADDED", "Note added"
    OTHER = "OTHER", "Other"


class OrderEvent(models.Model):
    """One entry of an order's history. `shop` is set when the event concerns one shop order."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=48, choices=OrderEventType.choices)
    date = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    shop = models.ForeignKey(
        "organisations.Shop", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    parameters = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.type}"
