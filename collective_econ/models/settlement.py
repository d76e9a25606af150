"""What settlement needs beyond the ledger: the commission a shop agreed with each
consigning household (代卖), and the platform's fee schedule per channel. Nothing in the
catalog records either."""

from __future__ import annotations

from django.conf import settings
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


class PlatformFeeRate(models.Model):
    """From `effective_from` on, the platform keeps `rate` of what buyers paid on
    `channel` (0 is a valid schedule). A line settles at the rate in force on the day it
    was ordered; with no row for its channel, settings.PLATFORM_FEE_RATES (then
    PLATFORM_FEE_DEFAULT_RATE). Set by platform admins through
    `platform_fee_rate_set`, never back-dated, so a settled line's rate never changes."""

    channel = models.ForeignKey(
        "channels.Channel", on_delete=models.PROTECT, related_name="platform_fee_rates"
    )
    rate = models.DecimalField(max_digits=5, decimal_places=4)
    effective_from = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["channel_id", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                name="platform_fee_rate_between_0_and_1",
                condition=Q(rate__gte=0) & Q(rate__lte=1),
            ),
            models.UniqueConstraint(
                fields=["channel", "effective_from"], name="platform_fee_rate_once_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}: {self.rate} from {self.effective_from}"
