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
