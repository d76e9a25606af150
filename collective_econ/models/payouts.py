"""Payouts: money leaving the ledger to a household (its HOUSEHOLD balance due) or a
member (its household's MEMBER balance), by Alipay transfer or in cash at the Red
Supermarket.

`out_biz_no` is the Alipay idempotency key, fixed at creation and reused by every retry,
so Alipay moves the money at most once. The PAYOUT journal transaction is posted once
(key "payout:<pk>") when the payout succeeds, and only then.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class PayoutMethod(models.TextChoices):
    ALIPAY = "ALIPAY", "Alipay transfer"
    CASH = "CASH", "Cash at the Red Supermarket"


class PayoutStatus(models.TextChoices):
    # Created, the transfer not (yet) answered.
    PENDING = "PENDING", "Pending"
    SUCCEEDED = "SUCCEEDED", "Paid"
    # Alipay refused (e.g. PAYEE_NOT_EXIST): nothing moved; retry with the same out_biz_no.
    FAILED = "FAILED", "Failed"
    # The answer was lost: ask Alipay (alipay.fund.trans.common.query) before anything else.
    UNKNOWN = "UNKNOWN", "Outcome unknown"


class PayoutAccountKind(models.TextChoices):
    HOUSEHOLD = "HOUSEHOLD", "Household balance due"
    MEMBER = "MEMBER", "Member distribution"


class Payout(models.Model):
    household = models.ForeignKey(
        "organisations.Household", on_delete=models.PROTECT, related_name="payouts"
    )
    account_kind = models.CharField(max_length=12, choices=PayoutAccountKind.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    method = models.CharField(max_length=8, choices=PayoutMethod.choices)
    status = models.CharField(
        max_length=12, choices=PayoutStatus.choices, default=PayoutStatus.PENDING
    )
    # The caller's key for this request: a retried create returns the first payout.
    request_id = models.CharField(max_length=64, unique=True)
    out_biz_no = models.CharField(max_length=64, unique=True)
    payee_logon_id = models.CharField(max_length=100, blank=True)
    payee_name = models.CharField(max_length=64, blank=True)
    receipt_number = models.CharField(max_length=32, null=True, blank=True, unique=True)
    alipay_order_id = models.CharField(max_length=64, blank=True)
    failure_code = models.CharField(max_length=64, blank=True)
    failure_message = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # When the last transfer was sent: a PENDING payout quiet for longer than
    # PAYOUT_PENDING_RECOVER_AFTER_MINUTES lost its process mid-call and is asked about.
    last_sent_at = models.DateTimeField(null=True, blank=True)
    journal_transaction = models.OneToOneField(
        "collective_econ.JournalTransaction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payout",
    )
    memo = models.CharField(max_length=255, blank=True)
    # The till shift a cash payout was handed out in: its cash left that shift's till, so
    # the shift's expected cash at close is lower by it. Alipay payouts touch no till.
    till_shift = models.ForeignKey(
        "red_supermarket.TillShift",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cash_payouts",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["household", "account_kind", "status"])]
        constraints = [
            models.CheckConstraint(name="payout_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="payout_method_details",
                condition=(Q(method="ALIPAY") & ~Q(payee_logon_id="") & Q(receipt_number=None))
                | (Q(method="CASH") & ~Q(receipt_number=None) & ~Q(receipt_number="")),
            ),
            models.CheckConstraint(
                name="payout_succeeded_is_posted",
                condition=~Q(status="SUCCEEDED") | Q(journal_transaction__isnull=False),
            ),
            models.CheckConstraint(
                name="payout_status_valid", condition=Q(status__in=PayoutStatus.values)
            ),
            # Not "every cash payout has a shift": cash payouts made before shifts were
            # required have none; the service requires one for every new cash payout.
            models.CheckConstraint(
                name="payout_alipay_has_no_till_shift",
                condition=Q(method="CASH") | Q(till_shift__isnull=True),
            ),
            models.CheckConstraint(
                name="payout_account_kind_valid",
                condition=Q(account_kind__in=PayoutAccountKind.values),
            ),
        ]

    def __str__(self) -> str:
        return f"payout {self.pk} {self.amount} {self.status}"
