"""The share register (成员份额) and investors' agreements of a village collective.

Every row is effective-dated: a period runs from `valid_from` to `valid_to` (exclusive;
None = open). Periods of one member's shares, or of one investor's agreement, never
overlap: pgserver ships no btree_gist, so no exclusion constraint; the shares services
check it under a row lock on the member (or investor), and the database keeps what it
can (one period per start date, an end after its start). Nothing here is edited in place
by people: the services close a period and open the next, and write `ShareRegisterChange`
(who, when, why, before and after) in the same transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class CollectiveMember(models.Model):
    """A member of the village collective: a household, or one person in it
    (`person_name`; empty = the household as a whole). Allocations to a member credit its
    household's MEMBER ledger account."""

    village = models.ForeignKey(
        "divisions.Village", on_delete=models.PROTECT, related_name="collective_members"
    )
    household = models.ForeignKey(
        "organisations.Household", on_delete=models.PROTECT, related_name="collective_members"
    )
    person_name = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["village_id", "household_id", "person_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "person_name"], name="collective_member_once_per_person"
            )
        ]

    def __str__(self) -> str:
        # Shown in lists and choices to every reader of the books: the person's name is
        # personal data, so it is masked here (the member's own page unmasks it for those
        # entitled).
        from marketplace.organisations.privacy import mask_name

        person = f"/{mask_name(self.person_name)}" if self.person_name else ""
        return f"{self.household_id}{person}"


class MemberShare(models.Model):
    member = models.ForeignKey(CollectiveMember, on_delete=models.PROTECT, related_name="shares")
    shares = models.DecimalField(max_digits=12, decimal_places=4)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["member_id", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "valid_from"], name="member_share_once_per_start"
            ),
            models.CheckConstraint(
                name="member_share_period_forward",
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
            ),
            models.CheckConstraint(name="member_share_positive", condition=Q(shares__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.shares} from {self.valid_from}"


class Investor(models.Model):
    """Someone from outside who put capital into the collective (外来投资)."""

    village = models.ForeignKey(
        "divisions.Village", on_delete=models.PROTECT, related_name="collective_investors"
    )
    name = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["village_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["village", "name"], name="investor_once_per_village")
        ]

    def __str__(self) -> str:
        return self.name


class AgreementKind(models.TextChoices):
    # `rate` a year on `capital_amount`, for the days of the year the agreement runs.
    FIXED_RETURN = "FIXED_RETURN", "Fixed return on capital"
    # `rate` of what is left after the reserve and welfare funds.
    PROFIT_SHARE = "PROFIT_SHARE", "Share of distributable profit"


class InvestorAgreement(models.Model):
    investor = models.ForeignKey(Investor, on_delete=models.PROTECT, related_name="agreements")
    kind = models.CharField(max_length=16, choices=AgreementKind.choices)
    capital_amount = models.DecimalField(max_digits=14, decimal_places=2)
    rate = models.DecimalField(max_digits=7, decimal_places=6)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["investor_id", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["investor", "valid_from"], name="investor_agreement_once_per_start"
            ),
            models.CheckConstraint(
                name="investor_agreement_period_forward",
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
            ),
            models.CheckConstraint(
                name="investor_agreement_rate_fraction", condition=Q(rate__gte=0, rate__lte=1)
            ),
            models.CheckConstraint(
                name="investor_agreement_capital_non_negative", condition=Q(capital_amount__gte=0)
            ),
            models.CheckConstraint(
                name="investor_agreement_kind_valid", condition=Q(kind__in=AgreementKind.values)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.investor_id}: {self.kind} {self.rate} from {self.valid_from}"


class ShareRegisterChange(models.Model):
    """The audit trail of the register, written by the shares services only."""

    village = models.ForeignKey("divisions.Village", on_delete=models.PROTECT, related_name="+")
    entity = models.CharField(max_length=24)
    entity_id = models.BigIntegerField()
    action = models.CharField(max_length=24)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["village", "at"])]

    def __str__(self) -> str:
        return f"{self.entity}#{self.entity_id} {self.action}"
