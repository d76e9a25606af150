"""Party organisations, their shops and the status workflow, and households."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from marketplace.divisions.models import Village


class PartyOrganisation(models.Model):
    """A village Party branch (村党支部). One per village; it runs at most one shop."""

    village = models.OneToOneField(
        Village, on_delete=models.PROTECT, related_name="party_organisation"
    )
    name = models.CharField(max_length=128)
    secretary_title = models.CharField(
        max_length=64, blank=True, help_text="The branch secretary's public title, never a name."
    )

    class Meta:
        ordering = ["village__code"]

    def __str__(self) -> str:
        return self.name


class ShopStatus(models.TextChoices):
    APPLIED = "APPLIED", "Applied"
    RECOMMENDED = "RECOMMENDED", "Recommended by the township"
    APPROVED = "APPROVED", "Approved by the platform"
    SUSPENDED = "SUSPENDED", "Suspended"
    CLOSED = "CLOSED", "Closed"
    REJECTED = "REJECTED", "Rejected"


class Shop(models.Model):
    """The online shop a village Party organisation runs. Only APPROVED shops are public."""

    party_organisation = models.OneToOneField(
        PartyOrganisation, on_delete=models.PROTECT, related_name="shop"
    )
    # Denormalised from the organisation so storefront filters by village/township/county
    # need no extra join; `shop_apply` keeps it equal to the organisation's village.
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="shops")
    name = models.CharField(max_length=128)
    slug = models.SlugField(max_length=128, unique=True)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=ShopStatus.choices, default=ShopStatus.APPLIED)
    applied_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["village__code"]
        indexes = [models.Index(fields=["status", "village"])]
        constraints = [
            models.UniqueConstraint(fields=["village"], name="one_shop_per_village"),
            models.CheckConstraint(
                condition=~Q(status="APPROVED") | Q(approved_at__isnull=False),
                name="approved_shop_has_approval_time",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.status == ShopStatus.APPROVED


class ShopStatusEvent(models.Model):
    """One step of the shop workflow: who moved it, from what, to what, when and why."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="status_events")
    from_status = models.CharField(max_length=16, choices=ShopStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=ShopStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="shop_status_event_has_reason")
        ]

    def __str__(self) -> str:
        return f"{self.shop}: {self.from_status or '∅'} → {self.to_status}"


class HouseholdCategory(models.TextChoices):
    REGISTERED_POOR = "REGISTERED_POOR", "Registered poor (建档立卡户)"
    FORMERLY_POOR = "FORMERLY_POOR", "Formerly poor (脱贫户)"
    MONITORED_UNSTABLE = "MONITORED_UNSTABLE", "Monitored: unstable (脱贫不稳定户)"
    MONITORED_AT_RISK = "MONITORED_AT_RISK", "Monitored: at risk of poverty (边缘易致贫户)"
    MONITORED_HARDSHIP = "MONITORED_HARDSHIP", "Monitored: sudden hardship (突发严重困难户)"
    ORDINARY = "ORDINARY", "Ordinary"


class Household(models.Model):
    """A household. Personal data is kept minimal and only ever leaves through `privacy`."""

    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="households")
    # A stable public reference that carries no personal data (used on trace pages).
    reference = models.CharField(max_length=24, unique=True)
    category = models.CharField(max_length=24, choices=HouseholdCategory.choices)
    member_count = models.PositiveSmallIntegerField()
    head_name = models.CharField(max_length=32)
    id_number = models.CharField(max_length=18, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["village__code", "reference"]
        constraints = [
            models.CheckConstraint(condition=Q(member_count__gte=1), name="household_has_members"),
            models.CheckConstraint(
                condition=Q(id_number="") | Q(id_number__regex=r"^\d{17}[\dX]$"),
                name="household_id_number_format",
            ),
        ]

    def __str__(self) -> str:
        return self.reference
