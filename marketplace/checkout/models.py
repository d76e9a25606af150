"""Checkout models: the cart (`Checkout`, `CheckoutLine`), each shop's delivery choice
(`CheckoutDelivery`), and per-shop vouchers (`Voucher`, applied through `CheckoutVoucher`).

Only `marketplace.checkout.services` and `.complete_checkout` write these rows.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper

from marketplace.bookings.models import booking_all_or_none
from marketplace.core.metadata import metadata_field, metadata_is_an_object


class CheckoutChargeStatus(models.TextChoices):
    """Saleor's CheckoutChargeStatusEnum."""

    NONE = "NONE", "None"
    PARTIAL = "PARTIAL", "Partially charged"
    FULL = "FULL", "Fully charged"
    OVERCHARGED = "OVERCHARGED", "Overcharged"


class CheckoutAuthorizeStatus(models.TextChoices):
    """Saleor's CheckoutAuthorizeStatusEnum."""

    NONE = "NONE", "None"
    PARTIAL = "PARTIAL", "Partially authorized"
    FULL = "FULL", "Fully authorized"


def _money(**kw: object) -> models.DecimalField:
    return models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"), **kw)  # type: ignore[arg-type]


class Checkout(models.Model):
    """A buyer's cart across several village shops, until it becomes one order.

    As in Saleor the token is the primary key, and the public id. After completion the row
    stays, linked to its `order`, so completing again returns that order.
    """

    token = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.ForeignKey("channels.Channel", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="checkouts",
    )
    email = models.EmailField(blank=True)
    # Address snapshots in Saleor's AddressInput shape (camelCase keys are not used here:
    # snake_case, e.g. {"first_name", "street_address_1", "city", "country_area", ...}).
    shipping_address = models.JSONField(null=True, blank=True)
    billing_address = models.JSONField(null=True, blank=True)
    # Saleor's public metadata, which storefronts write on their checkout (`updateMetadata`).
    metadata = metadata_field()
    currency = models.CharField(max_length=3, default="CNY")
    charge_status = models.CharField(
        max_length=12, choices=CheckoutChargeStatus.choices, default=CheckoutChargeStatus.NONE
    )
    authorize_status = models.CharField(
        max_length=8, choices=CheckoutAuthorizeStatus.choices, default=CheckoutAuthorizeStatus.NONE
    )
    # What payments last reported as charged / authorized in total (see
    # `services.checkout_mark_charged`); the statuses are derived from these and the total.
    charged_amount = _money()
    authorized_amount = _money()
    created_at = models.DateTimeField(auto_now_add=True)
    last_change = models.DateTimeField(auto_now=True, db_index=True)
    completing_started_at = models.DateTimeField(null=True, blank=True)
    order = models.OneToOneField(
        "orders.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checkout",
    )

    class Meta:
        ordering = ["-last_change", "token"]
        constraints = [
            models.CheckConstraint(
                condition=Q(charged_amount__gte=0) & Q(authorized_amount__gte=0),
                name="checkout_paid_amounts_non_negative",
            ),
            metadata_is_an_object("checkout"),
        ]

    def __str__(self) -> str:
        return str(self.token)

    @property
    def is_completed(self) -> bool:
        return self.order_id is not None


class CheckoutLine(models.Model):
    """A variant and quantity in a checkout. Tourism lines carry their booking.

    For a tourism line the quantity is the number of priced units of the booking (nights
    for a homestay, guests for an experience), worked out by the service from the dates.
    """

    checkout = models.ForeignKey(Checkout, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        "catalog.ProductVariant", on_delete=models.CASCADE, related_name="checkout_lines"
    )
    quantity = models.PositiveIntegerField()
    booking_start_date = models.DateField(null=True, blank=True)
    booking_end_date = models.DateField(null=True, blank=True)
    booking_guests = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="checkout_line_quantity_gt_0"),
            booking_all_or_none(name="checkout_line_booking_all_or_none"),
            # Goods merge into one line per variant; bookings may repeat a variant on
            # other dates.
            models.UniqueConstraint(
                fields=["checkout", "variant"],
                condition=Q(booking_start_date__isnull=True),
                name="one_goods_line_per_variant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant_id}"

    @property
    def is_booking(self) -> bool:
        return self.booking_start_date is not None

    @property
    def hold_key(self) -> str:
        """The key of this line's tourism-capacity hold in `marketplace.bookings`."""
        return f"checkout-line:{self.pk}"


class CheckoutDelivery(models.Model):
    """The delivery method a buyer chose for one shop's part of the checkout."""

    checkout = models.ForeignKey(Checkout, on_delete=models.CASCADE, related_name="deliveries")
    shop = models.ForeignKey("organisations.Shop", on_delete=models.CASCADE, related_name="+")
    delivery_method = models.ForeignKey(
        "logistics.DeliveryMethod", on_delete=models.CASCADE, related_name="+"
    )
    # The shipping price the buyer last saw for this choice: set when they choose it and
    # whenever their own change (lines, address) re-prices it. A price that moves for any
    # other reason (the shop edits its rates) no longer matches, and checkoutComplete
    # refuses instead of charging what the buyer never saw. Null on rows older than this.
    agreed_shipping_amount = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["checkout_id", "shop_id"]
        verbose_name_plural = "checkout deliveries"
        constraints = [
            models.UniqueConstraint(fields=["checkout", "shop"], name="one_delivery_per_shop"),
            models.CheckConstraint(
                condition=Q(agreed_shipping_amount__isnull=True) | Q(agreed_shipping_amount__gte=0),
                name="checkout_delivery_agreed_price_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.checkout_id}/{self.shop_id}: {self.delivery_method_id}"


class VoucherDiscountType(models.TextChoices):
    PERCENTAGE = "PERCENTAGE", "Percentage of the shop's lines"
    FIXED = "FIXED", "Fixed amount off the shop's lines"


class Voucher(models.Model):
    """A shop's promo code: a discount on that shop's lines only (never on shipping).

    Codes are unique per shop, compared case-insensitively; two shops may use the same code,
    and a checkout holding both shops' goods gets both discounts.
    """

    shop = models.ForeignKey(
        "organisations.Shop", on_delete=models.CASCADE, related_name="vouchers"
    )
    code = models.CharField(max_length=32)
    name = models.CharField(max_length=128, blank=True)
    discount_type = models.CharField(max_length=10, choices=VoucherDiscountType.choices)
    discount_value = models.DecimalField(max_digits=12, decimal_places=2)
    min_spend_amount = _money()
    start_date = models.DateTimeField()
    end_date = models.DateTimeField(null=True, blank=True)
    usage_limit = models.PositiveIntegerField(null=True, blank=True)
    used = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shop_id", "code"]
        constraints = [
            models.UniqueConstraint(Upper("code"), "shop", name="voucher_code_unique_per_shop"),
            models.CheckConstraint(condition=~Q(code=""), name="voucher_code_not_blank"),
            models.CheckConstraint(
                name="voucher_value_in_range",
                condition=Q(discount_value__gt=0)
                & (
                    Q(discount_type="FIXED")
                    | Q(discount_type="PERCENTAGE", discount_value__lte=100)
                ),
            ),
            models.CheckConstraint(
                condition=Q(min_spend_amount__gte=0), name="voucher_min_spend_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gt=F("start_date")),
                name="voucher_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(used__lte=F("usage_limit")),
                name="voucher_used_within_limit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop_id}:{self.code}"


class CheckoutVoucher(models.Model):
    """A voucher applied to a checkout; at most one per shop."""

    checkout = models.ForeignKey(Checkout, on_delete=models.CASCADE, related_name="vouchers")
    shop = models.ForeignKey("organisations.Shop", on_delete=models.CASCADE, related_name="+")
    voucher = models.ForeignKey(Voucher, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["checkout_id", "shop_id"]
        constraints = [
            models.UniqueConstraint(fields=["checkout", "shop"], name="one_voucher_per_shop")
        ]

    def __str__(self) -> str:
        return f"{self.checkout_id}/{self.shop_id}: {self.voucher_id}"
