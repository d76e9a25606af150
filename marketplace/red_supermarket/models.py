"""One Red Supermarket per village shop, selling from its own warehouse."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class RedSupermarket(models.Model):
    """The village's store and service station.

    Its operators are the users holding SUPERMARKET_OPERATOR for its shop; its village is
    its shop's. Counter stock lives in `warehouse` under the same reservation and allocation
    rules as online orders, so the counter and the web shop can never sell the same unit.
    """

    shop = models.OneToOneField(
        "organisations.Shop", on_delete=models.PROTECT, related_name="red_supermarket"
    )
    warehouse = models.OneToOneField(
        "inventory.Warehouse", on_delete=models.PROTECT, related_name="red_supermarket"
    )
    # The village station it hosts, where parcels are logged in and handed over.
    station = models.OneToOneField(
        "logistics.VillageStation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="red_supermarket",
    )
    name = models.CharField(max_length=128)
    address = models.CharField(max_length=256)
    opening_hours = models.CharField(max_length=128, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shop__village__code", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="red_supermarket_has_name"),
            models.CheckConstraint(condition=~Q(address=""), name="red_supermarket_has_address"),
        ]

    def __str__(self) -> str:
        return self.name


class ReceiptKind(models.TextChoices):
    COUNTER_SALE = "COUNTER_SALE", "Counter sale"
    AGENCY_ORDER = "AGENCY_ORDER", "Agency service (代办)"
    AGENCY_REFUND = "AGENCY_REFUND", "Agency refund"
    CASH_WITHDRAWAL = "CASH_WITHDRAWAL", "Cash withdrawal (助农取款)"
    PAYOUT = "PAYOUT", "Cash payout"
    # Cash an online order was paid with, handed back: money returned, not a payout earned.
    CASH_REFUND = "CASH_REFUND", "Cash refund (退款)"
    TILL_CLOSE = "TILL_CLOSE", "Till shift closed"


class ReceiptCounter(models.Model):
    """The last receipt number used at one supermarket on one day. Numbers are issued under
    this row's lock, so they run without gaps or repeats however many tills print at once."""

    supermarket = models.ForeignKey(RedSupermarket, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["supermarket", "day"], name="receipt_counter_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.supermarket_id} {self.day}: {self.last_number}"


class Receipt(models.Model):
    """A receipt (回执) as printed: written once, reprinted from these columns, never
    recomputed from the sale, so a reprint shows what the villager was handed.

    `reference` names the business object behind it (e.g. "counter-sale:42"); it is UNIQUE
    per kind, so a retried submit gets the receipt already issued instead of a second one.
    """

    supermarket = models.ForeignKey(
        RedSupermarket, on_delete=models.PROTECT, related_name="receipts"
    )
    number = models.CharField(max_length=32, unique=True)
    kind = models.CharField(max_length=24, choices=ReceiptKind.choices)
    reference = models.CharField(max_length=64)
    # [{"name": ..., "quantity": ..., "unit_price": "12.50", "amount": "25.00"}, ...]
    lines = models.JSONField(default=list)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="CNY")
    payment_method = models.CharField(max_length=32)
    # e.g. {"received": "50.00", "change": "3.50"} or {"alipay_trade_no": ...}
    payment_details = models.JSONField(default=dict, blank=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField()
    reprint_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "reference"], name="receipt_once_per_object"),
            models.CheckConstraint(condition=Q(currency="CNY"), name="receipt_currency_cny"),
            models.CheckConstraint(condition=~Q(reference=""), name="receipt_has_reference"),
        ]

    def __str__(self) -> str:
        return self.number


# --- the counter ---------------------------------------------------------------------------


class QuickKey(models.Model):
    """One button of the supermarket's quick-key grid (goods without a barcode: loose rice,
    eggs), at a fixed position so the operator's hands learn it."""

    supermarket = models.ForeignKey(
        RedSupermarket, on_delete=models.CASCADE, related_name="quick_keys"
    )
    position = models.PositiveSmallIntegerField()
    variant = models.ForeignKey(
        "catalog.ProductVariant", on_delete=models.CASCADE, related_name="+"
    )
    label = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["supermarket_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["supermarket", "position"], name="quick_key_one_per_position"
            ),
            models.CheckConstraint(
                condition=Q(position__gte=1, position__lte=48), name="quick_key_position_on_grid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supermarket_id}#{self.position}"


class TillShiftStatus(models.TextChoices):
    OPEN = "OPEN", "Open"
    CLOSED = "CLOSED", "Closed"


class TillShift(models.Model):
    """An operator's turn at the till: opened with a float, closed with the cash counted.

    At most one shift is open per supermarket (partial UNIQUE). `expected_amount` is what
    the ledger's CASH_TILL account says should be there; the variance is counted − expected.
    """

    supermarket = models.ForeignKey(
        RedSupermarket, on_delete=models.PROTECT, related_name="till_shifts"
    )
    status = models.CharField(
        max_length=8, choices=TillShiftStatus.choices, default=TillShiftStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField()
    float_amount = models.DecimalField(max_digits=12, decimal_places=2)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    counted_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    expected_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    variance = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["supermarket"],
                condition=Q(status="OPEN"),
                name="till_one_open_shift_per_supermarket",
            ),
            models.CheckConstraint(
                condition=Q(float_amount__gte=0), name="till_float_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(
                    status="OPEN",
                    closed_at__isnull=True,
                    counted_amount__isnull=True,
                    expected_amount__isnull=True,
                    variance__isnull=True,
                )
                | Q(
                    status="CLOSED",
                    closed_at__isnull=False,
                    closed_by__isnull=False,
                    counted_amount__gte=0,
                    expected_amount__isnull=False,
                    variance=F("counted_amount") - F("expected_amount"),
                ),
                name="till_closed_iff_counted",
            ),
        ]

    def __str__(self) -> str:
        return f"shift {self.pk} at {self.supermarket_id} ({self.status})"


class CounterPaymentMethod(models.TextChoices):
    CASH = "CASH", "Cash"
    # The buyer shows a payment code, the operator scans it (alipay.trade.pay, bar_code).
    ALIPAY_CODE = "ALIPAY_CODE", "Alipay payment code"
    # The operator shows a QR code, the buyer scans it (alipay.trade.precreate).
    ALIPAY_QR = "ALIPAY_QR", "Alipay QR code"


class CounterSaleStatus(models.TextChoices):
    # Stock is held (allocated) while Alipay decides; the sale is polled.
    PENDING = "PENDING", "Waiting for the payment"
    PAID = "PAID", "Paid"
    FAILED = "FAILED", "Payment failed"
    CANCELLED = "CANCELLED", "Cancelled"


HOLDING_STATUSES = (CounterSaleStatus.PENDING,)


class CounterSale(models.Model):
    """One sale over the counter. `request_id` is the till's idempotency key: a retried
    submit finds this row instead of charging again. Stock is allocated while PENDING,
    taken out of stock when PAID, and given back when FAILED or CANCELLED."""

    supermarket = models.ForeignKey(
        RedSupermarket, on_delete=models.PROTECT, related_name="counter_sales"
    )
    shift = models.ForeignKey(
        TillShift, on_delete=models.PROTECT, null=True, blank=True, related_name="sales"
    )
    request_id = models.CharField(max_length=64, unique=True)
    # What the request carried, so a reused request_id with other content is refused.
    fingerprint = models.CharField(max_length=64)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    member = models.ForeignKey(
        "organisations.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="counter_sales",
    )
    payment_method = models.CharField(max_length=12, choices=CounterPaymentMethod.choices)
    status = models.CharField(
        max_length=12, choices=CounterSaleStatus.choices, default=CounterSaleStatus.PENDING
    )
    total = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="CNY")
    cash_received = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    change_given = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    # Alipay's side: our trade number (unique), theirs, and the QR for ALIPAY_QR.
    out_trade_no = models.CharField(max_length=64, unique=True, null=True, blank=True)
    alipay_trade_no = models.CharField(max_length=64, blank=True)
    # The buyer's one-time payment code; UNIQUE, so a code scanned twice is refused here
    # before it reaches Alipay.
    auth_code = models.CharField(max_length=32, unique=True, null=True, blank=True)
    qr_code = models.CharField(max_length=255, blank=True)
    # A CounterErrorCode value when FAILED or CANCELLED, with the words for the operator.
    failure_code = models.CharField(max_length=32, blank=True)
    failure_reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["supermarket", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="counter_sale_total_positive"),
            models.CheckConstraint(condition=Q(currency="CNY"), name="counter_sale_currency_cny"),
            models.CheckConstraint(
                condition=~Q(payment_method="CASH")
                | Q(
                    cash_received__gte=F("total"),
                    change_given=F("cash_received") - F("total"),
                    shift__isnull=False,
                ),
                name="counter_sale_cash_covers_total",
            ),
            models.CheckConstraint(
                condition=Q(payment_method="CASH") | Q(out_trade_no__isnull=False),
                name="counter_sale_alipay_has_trade_no",
            ),
            models.CheckConstraint(
                condition=~Q(status="PAID") | Q(paid_at__isnull=False),
                name="counter_sale_paid_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"counter sale {self.pk} ({self.status})"

    @property
    def receipt_reference(self) -> str:
        return f"counter-sale:{self.pk}"


class CounterSaleLine(models.Model):
    """A line as sold: names and price copied, so the receipt and history outlive catalogue
    edits. `stock` is the row the units were allocated from and taken out of."""

    sale = models.ForeignKey(CounterSale, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        "catalog.ProductVariant", on_delete=models.PROTECT, related_name="+"
    )
    stock = models.ForeignKey(
        "inventory.Stock", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    product_name = models.CharField(max_length=255)
    variant_name = models.CharField(max_length=255, blank=True)
    barcode = models.CharField(max_length=13, blank=True)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    total_price = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["sale_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="counter_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0, total_price=F("unit_price") * F("quantity")),
                name="counter_line_total_is_price_times_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_name}"
