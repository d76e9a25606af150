from django.db import models
from django.db.models import F, Q


class Warehouse(models.Model):
    shop = models.ForeignKey(
        "organisations.Shop", on_delete=models.PROTECT, related_name="warehouses"
    )
    name = models.CharField(max_length=128)
    slug = models.SlugField(max_length=128, unique=True)
    street_address = models.CharField(max_length=256, blank=True)
    is_village_station = models.BooleanField(
        default=True, help_text="Buyers may pick orders up here."
    )

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class Stock(models.Model):
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="stocks")
    product_variant = models.ForeignKey(
        "catalog.ProductVariant", on_delete=models.CASCADE, related_name="stocks"
    )
    quantity = models.IntegerField(default=0)
    quantity_allocated = models.IntegerField(default=0)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "product_variant"], name="one_stock_row_per_variant_warehouse"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="stock_quantity_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(quantity_allocated__gte=0) & Q(quantity_allocated__lte=F("quantity")),
                name="stock_allocated_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_variant_id}@{self.warehouse_id}: {self.quantity}"


class Reservation(models.Model):
    """Stock a checkout line holds until `reserved_until`, so others cannot take it meanwhile.

    Expired rows no longer count against availability; a periodic task deletes them. The
    checkout services are the only writers.
    """

    checkout_line = models.ForeignKey(
        "checkout.CheckoutLine", on_delete=models.CASCADE, related_name="reservations"
    )
    stock = models.ForeignKey(Stock, on_delete=models.CASCADE, related_name="reservations")
    quantity_reserved = models.PositiveIntegerField()
    reserved_until = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["stock", "reserved_until"])]
        constraints = [
            models.UniqueConstraint(
                fields=["checkout_line", "stock"], name="one_reservation_per_line_stock"
            ),
            models.CheckConstraint(
                condition=Q(quantity_reserved__gt=0), name="reservation_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity_reserved} of {self.stock_id} until {self.reserved_until}"


class Allocation(models.Model):
    """Stock promised to an order line. `Stock.quantity_allocated` is the sum of these rows,
    kept by the same service that writes them, under the stock row's lock."""

    order_line = models.ForeignKey(
        "orders.OrderLine", on_delete=models.CASCADE, related_name="allocations"
    )
    # Deleting a stock row (its variant went away) takes its allocations with it; the order
    # line keeps its snapshot.
    stock = models.ForeignKey(Stock, on_delete=models.CASCADE, related_name="allocations")
    quantity_allocated = models.PositiveIntegerField()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order_line", "stock"], name="one_allocation_per_line_stock"
            ),
            models.CheckConstraint(
                # Fulfilment brings a row down to 0 and keeps it, for returns.
                condition=Q(quantity_allocated__gte=0),
                name="allocation_quantity_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity_allocated} of {self.stock_id} for line {self.order_line_id}"
