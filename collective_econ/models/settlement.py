"""What settlement needs beyond the ledger: the commission a shop agreed with each
consigning household (代卖). Nothing in the catalog records it yet."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class ConsignmentAgreement(models.Model):
    """From `effective_from` on, the shop keeps `commission_rate` of the household's
    consignment sales for the collective. The latest agreement in force on the day of the
    sale applies; with none, settings.CONSIGNMENT_DEFAULT_COMMISSION_RATE."""

    shop = models.ForeignKey(
        "organisations.Shop", on_delete=models.PROTECT, related_name="consignment_agreements"
    )
    household = models.ForeignKey(
        "organisations.Household",
        on_delete=models.PROTECT,
        related_name="consignment_agreements",
    )
    commission_rate = models.DecimalField(max_digits=5, decimal_places=4)
    effective_from = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shop_id", "household_id", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                name="consignment_commission_between_0_and_1",
                condition=Q(commission_rate__gte=0) & Q(commission_rate__lte=1),
            ),
            models.UniqueConstraint(
                fields=["shop", "household", "effective_from"],
                name="consignment_agreement_once_per_day",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.shop_id}/{self.household_id} {self.commission_rate} from {self.effective_from}"
        )
