"""Data requests and the audit chain.

`AuditEntry` rows are never updated or deleted (a trigger refuses both, migration 0002),
and each one carries the hash of the one before it, so a row changed or removed behind
the trigger's back breaks the chain where `ruralmart audit_verify` will find it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Q

from marketplace.core.private_files import private_files

GENESIS_HASH = "0" * 64


class DataRequestStatus(models.TextChoices):
    DRAFT = "DRAFT", "Draft"
    SUBMITTED = "SUBMITTED", "Submitted"
    # `marketplace.accounts.permissions.personal_data_grants` matches this value by name:
    # accounts sits below this package and reads the requester's rows without importing it.
    APPROVED = "APPROVED", "Approved"
    REFUSED = "REFUSED", "Refused"
    EXPIRED = "EXPIRED", "Expired"
    REVOKED = "REVOKED", "Revoked"


class DataAccessRequest(models.Model):
    """A request (查询公函) to read households' unmasked personal data.

    The scope is exactly one of: a set of households, a village, or a township. Once
    approved it grants its requester that scope until `expires_at`, checked at every read.
    """

    requesting_unit = models.CharField(max_length=200)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="data_access_requests"
    )
    purpose = models.TextField()
    households = models.ManyToManyField("organisations.Household", blank=True, related_name="+")
    village = models.ForeignKey(
        "divisions.Village", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    township = models.ForeignKey(
        "divisions.Township", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    period_from = models.DateField(help_text="First day of the data period that may be read.")
    period_to = models.DateField(help_text="Last day of the data period that may be read.")
    expires_at = models.DateTimeField(help_text="The grant ends here, approved or not.")
    letter = models.FileField(upload_to="audit/letters/%Y/%m/", storage=private_files, blank=True)
    letter_content_type = models.CharField(max_length=32, blank=True)
    status = models.CharField(
        max_length=16, choices=DataRequestStatus.choices, default=DataRequestStatus.DRAFT
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="data_request_period_ordered", condition=Q(period_from__lte=F("period_to"))
            ),
            models.CheckConstraint(
                name="data_request_one_place_scope",
                condition=Q(village__isnull=True) | Q(township__isnull=True),
            ),
            models.CheckConstraint(
                name="data_request_decided_has_decider",
                condition=~Q(status__in=["APPROVED", "REFUSED"])
                | Q(decided_by__isnull=False, decided_at__isnull=False),
            ),
            models.CheckConstraint(
                name="data_request_not_self_decided",
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requester")),
            ),
        ]
        indexes = [models.Index(fields=["requester", "status", "expires_at"])]

    def __str__(self) -> str:
        return f"Data request #{self.pk} by {self.requesting_unit} ({self.get_status_display()})"


class AuditAction(models.TextChoices):
    PERSONAL_DATA_READ = "PERSONAL_DATA_READ", "Read of unmasked personal data"
    DATA_REQUEST_CREATE = "DATA_REQUEST_CREATE", "Data request filed"
    DATA_REQUEST_SUBMIT = "DATA_REQUEST_SUBMIT", "Data request submitted"
    DATA_REQUEST_APPROVE = "DATA_REQUEST_APPROVE", "Data request approved"
    DATA_REQUEST_REFUSE = "DATA_REQUEST_REFUSE", "Data request refused"
    DATA_REQUEST_REVOKE = "DATA_REQUEST_REVOKE", "Data request revoked"
    DATA_REQUEST_EXPIRE = "DATA_REQUEST_EXPIRE", "Data request expired"
    SHOP_STATUS_CHANGE = "SHOP_STATUS_CHANGE", "Shop status changed"
    ROLE_ASSIGN = "ROLE_ASSIGN", "Role assigned"
    ROLE_REMOVE = "ROLE_REMOVE", "Role removed"
    LEDGER_MANUAL_ENTRY = "LEDGER_MANUAL_ENTRY", "Manual ledger entry"
    LEDGER_REVERSAL = "LEDGER_REVERSAL", "Ledger transaction reversed"
    CLAIM_DECIDE = "CLAIM_DECIDE", "Certification claim decided"
    ADMINISTRATOR_APPOINT = "ADMINISTRATOR_APPOINT", "Administrator appointed"
    REPORT_FILE = "REPORT_FILE", "Periodic report filed upwards"
    COMPLAINT_RESOLVE = "COMPLAINT_RESOLVE", "Complaint resolved"
    HOUSEHOLD_REGISTER = "HOUSEHOLD_REGISTER", "Household registered"
    HOUSEHOLD_EDIT = "HOUSEHOLD_EDIT", "Household edited"
    PLATFORM_FEE_SET = "PLATFORM_FEE_SET", "Platform fee schedule set"


class AuditEntry(models.Model):
    """One link of the chain: `entry_hash = sha256(previous_hash + canonical JSON)` (see
    `marketplace.audit.chain.canonical_payload` for exactly which columns are hashed).

    The actor is kept by id and e-mail without a foreign-key constraint, so the entry
    outlives the account and still says who it was.
    """

    sequence = models.PositiveBigIntegerField(unique=True)
    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    household_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    # The townships of those households (or of the target), kept at write time so a
    # township officer's search needs no join through rows that may change later.
    township_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    fields = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    where = models.CharField(max_length=200, blank=True)
    # The role that entitled a read, or DATA_REQUEST when a grant did.
    basis = models.CharField(max_length=24, blank=True)
    request = models.ForeignKey(
        DataAccessRequest,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    details = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64, unique=True)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-sequence"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["actor", "created_at"]),
            models.Index(fields=["action", "created_at"]),
            models.Index(fields=["created_at"]),
            GinIndex(fields=["household_ids"], name="audit_entry_households_gin"),
            GinIndex(fields=["township_ids"], name="audit_entry_townships_gin"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} by {self.actor_email or 'system'}"
