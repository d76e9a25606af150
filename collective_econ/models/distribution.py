"""A village collective's yearly distribution of its income, and its workflow.

The amounts are computed by `collective_econ.distribution.services` when the draft is made
and frozen on the row; CHECKs keep the parts within the whole, so the statement
(收益及收益分配表) always adds up. Workflow: DRAFT → APPROVED (members' assembly) → FILED
(township; posts the DISTRIBUTION journal transaction) → PAID; every step is a
`DistributionEvent`. Exits before filing: APPROVED → RETURNED (the township sends it back),
DRAFT or RETURNED → CANCELLED (the book-keeper discards it); only live rows hold the year.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class DistributionStatus(models.TextChoices):
    DRAFT = "DRAFT", "Draft"
    APPROVED = "APPROVED", "Approved by the members' assembly"
    FILED = "FILED", "Reviewed and filed by the township"
    PAID = "PAID", "Paid"
    # Exits: the township sent an approved distribution back, or the book-keeper
    # discarded a draft or a returned one. The rows stay as history; the village may
    # draft the year again.
    RETURNED = "RETURNED", "Returned by the township"
    CANCELLED = "CANCELLED", "Cancelled"


# A live distribution holds its village's year; returned and cancelled ones do not.
LIVE_DISTRIBUTION_STATUSES = ["DRAFT", "APPROVED", "FILED", "PAID"]


def _money(**kw: object) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"), **kw)  # type: ignore[arg-type]


class Distribution(models.Model):
    village = models.ForeignKey(
        "divisions.Village", on_delete=models.PROTECT, related_name="distributions"
    )
    year = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=12, choices=DistributionStatus.choices, default=DistributionStatus.DRAFT
    )
    # Shares are read as they stand on this day (by default the year's last day).
    record_date = models.DateField()
    reserve_fund_percent = models.DecimalField(max_digits=5, decimal_places=2)
    welfare_fund_percent = models.DecimalField(max_digits=5, decimal_places=2)
    # 本年收益: the collective's net income in the year, from the ledger.
    net_income = _money()
    # 年初未分配收益: earlier years' income not distributed (negative: losses not made up).
    opening_undistributed = _money()
    # 可分配收益 = net_income + opening_undistributed.
    distributable = _money()
    reserve_amount = _money()
    welfare_amount = _money()
    investor_amount = _money()
    member_amount = _money()
    # 年末未分配收益: what stays with the collective.
    closing_undistributed = _money()
    assembly_date = models.DateField(null=True, blank=True)
    assembly_attendance = models.PositiveIntegerField(null=True, blank=True)
    assembly_resolution = models.TextField(blank=True)
    journal_transaction = models.OneToOneField(
        "collective_econ.JournalTransaction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="distribution",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "village_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "year"],
                condition=Q(status__in=LIVE_DISTRIBUTION_STATUSES),
                name="distribution_once_a_year",
            ),
            models.CheckConstraint(
                name="distribution_percents_valid",
                condition=Q(reserve_fund_percent__gte=0, welfare_fund_percent__gte=0)
                & Q(reserve_fund_percent__lte=Decimal(100) - F("welfare_fund_percent")),
            ),
            models.CheckConstraint(
                name="distribution_parts_non_negative",
                condition=Q(
                    reserve_amount__gte=0,
                    welfare_amount__gte=0,
                    investor_amount__gte=0,
                    member_amount__gte=0,
                ),
            ),
            models.CheckConstraint(
                name="distribution_parts_sum_to_distributable",
                condition=Q(
                    distributable=F("reserve_amount")
                    + F("welfare_amount")
                    + F("investor_amount")
                    + F("member_amount")
                    + F("closing_undistributed")
                ),
            ),
            models.CheckConstraint(
                name="distribution_distributable_is_income_plus_opening",
                condition=Q(distributable=F("net_income") + F("opening_undistributed")),
            ),
            models.CheckConstraint(
                name="distribution_status_valid", condition=Q(status__in=DistributionStatus.values)
            ),
            models.CheckConstraint(
                name="distribution_filed_has_journal",
                condition=Q(status__in=["DRAFT", "APPROVED", "RETURNED", "CANCELLED"])
                | Q(journal_transaction__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village_id}/{self.year} {self.status}"


class AllocationKind(models.TextChoices):
    RESERVE_FUND = "RESERVE_FUND", "Reserve fund (提取公积公益金)"
    WELFARE_FUND = "WELFARE_FUND", "Welfare fund (提取福利费)"
    INVESTOR = "INVESTOR", "Investor (外来投资分利)"
    MEMBER = "MEMBER", "Member (成员分配)"


class DistributionAllocation(models.Model):
    """One part of a distribution: a fund, an investor or a member, with the weight it
    was split by (shares, or the agreement's amount)."""

    distribution = models.ForeignKey(
        Distribution, on_delete=models.CASCADE, related_name="allocations"
    )
    kind = models.CharField(max_length=16, choices=AllocationKind.choices)
    member = models.ForeignKey(
        "collective_econ.CollectiveMember", on_delete=models.PROTECT, null=True, related_name="+"
    )
    investor = models.ForeignKey(
        "collective_econ.Investor", on_delete=models.PROTECT, null=True, related_name="+"
    )
    weight = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal("0"))
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["distribution_id", "kind", "pk"]
        constraints = [
            models.CheckConstraint(name="allocation_non_negative", condition=Q(amount__gte=0)),
            models.CheckConstraint(
                name="allocation_names_its_party",
                condition=(Q(kind="MEMBER") & Q(member__isnull=False, investor__isnull=True))
                | (Q(kind="INVESTOR") & Q(member__isnull=True, investor__isnull=False))
                | (
                    Q(kind__in=["RESERVE_FUND", "WELFARE_FUND"])
                    & Q(member__isnull=True, investor__isnull=True)
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


class DistributionEvent(models.Model):
    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=16)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    reason = models.TextField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["distribution_id", "at", "pk"]
        constraints = [
            # A step happens once: approving twice can never leave two approvals behind.
            models.UniqueConstraint(
                fields=["distribution", "to_status"], name="distribution_event_once_per_status"
            )
        ]

    def __str__(self) -> str:
        return f"{self.distribution_id}: {self.action}"
