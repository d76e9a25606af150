"""Township supervision: certification claims and their queue, reminders (an outbox that
`_deliver` sends), complaints, the periodic report, the red flag and the administrator
roster.

Reports and red-flag rankings are stored once and never changed: migration 0002 adds
triggers that refuse UPDATE and DELETE on them, whatever path a write takes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from marketplace.catalog.models import CertificationKind
from marketplace.core.private_files import private_files


class ClaimStatus(models.TextChoices):
    PENDING = "PENDING", "Pending review"
    APPROVED = "APPROVED", "Approved"
    REJECTED = "REJECTED", "Rejected"


class CertificationClaim(models.Model):
    """A shop manager's claim that a product holds a certificate; a township officer
    approves it (which creates the `catalog.Certification`) or rejects it with a reason."""

    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="certification_claims"
    )
    # The product's shop, fixed at filing, so queues filter by township with one join.
    shop = models.ForeignKey(
        "organisations.Shop", on_delete=models.PROTECT, related_name="certification_claims"
    )
    kind = models.CharField(max_length=24, choices=CertificationKind.choices)
    number = models.CharField(max_length=64)
    issuer = models.CharField(max_length=128)
    valid_from = models.DateField()
    valid_until = models.DateField()
    status = models.CharField(
        max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.PENDING
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(auto_now_add=True)
    due_on = models.DateField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    certification = models.OneToOneField(
        "catalog.Certification",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claim",
    )

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "shop"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")), name="claim_validity_ordered"
            ),
            models.CheckConstraint(
                condition=Q(status="PENDING", decided_at__isnull=True)
                | (~Q(status="PENDING") & Q(decided_at__isnull=False) & ~Q(decision_reason="")),
                name="claim_decided_iff_not_pending",
            ),
            models.CheckConstraint(
                condition=~Q(status="APPROVED") | Q(certification__isnull=False),
                name="approved_claim_has_certification",
            ),
            # A retried filing must not open a second review of the same certificate.
            models.UniqueConstraint(
                fields=["product", "kind", "number"],
                condition=Q(status="PENDING"),
                name="one_pending_claim_per_certificate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number} ({self.get_status_display()})"


class ClaimEvidence(models.Model):
    claim = models.ForeignKey(CertificationClaim, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to="supervision/claims/%Y/%m/", storage=private_files)
    original_name = models.CharField(max_length=255)
    # Decided from the file's first bytes, never from its name or the client's header.
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "sha256"], name="claim_evidence_once"),
        ]

    def __str__(self) -> str:
        return self.original_name


class ClaimEvent(models.Model):
    """One step of a claim: who, when, from what, to what, why."""

    claim = models.ForeignKey(CertificationClaim, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=10, choices=ClaimStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=ClaimStatus.choices)
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="claim_event_has_reason")
        ]

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.from_status or '∅'} → {self.to_status}"


class ReminderKind(models.TextChoices):
    QUEUE_DUE_SOON = "QUEUE_DUE_SOON", "Queue item due soon"
    QUEUE_DUE_TODAY = "QUEUE_DUE_TODAY", "Queue item due today"
    EARLY_MONTH = "EARLY_MONTH", "Early-month reminder"
    MID_MONTH = "MID_MONTH", "Mid-month progress check"
    MONTH_END = "MONTH_END", "End-of-month chase"
    QUARTERLY_BULLETIN = "QUARTERLY_BULLETIN", "Quarterly bulletin"
    RED_FLAG_WINNER = "RED_FLAG_WINNER", "Red flag awarded"
    RED_FLAG_BOTTOM = "RED_FLAG_BOTTOM", "Red flag: at the bottom"


class Reminder(models.Model):
    """A message owed to someone: who, what, why, when due. Recorded once per
    (kind, business key, recipient), so a re-run task never sends twice."""

    kind = models.CharField(max_length=24, choices=ReminderKind.choices)
    # What it is about, e.g. "claim:12", "shop:4", "2026-11", "redflag:3".
    business_key = models.CharField(max_length=64)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supervision_reminders"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField()
    reason = models.CharField(max_length=200)
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failure = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "business_key", "recipient"], name="reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient_id} ({self.business_key})"


class ComplainantKind(models.TextChoices):
    BUYER = "BUYER", "Buyer"
    VILLAGER = "VILLAGER", "Villager"


class ComplaintStatus(models.TextChoices):
    OPEN = "OPEN", "Open"
    RESOLVED = "RESOLVED", "Resolved"


class Complaint(models.Model):
    """A complaint by a buyer or a villager against a shop, or one of its shop orders."""

    shop = models.ForeignKey(
        "organisations.Shop", on_delete=models.PROTECT, related_name="complaints"
    )
    shop_order = models.ForeignKey(
        "orders.ShopOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    complainant_kind = models.CharField(max_length=10, choices=ComplainantKind.choices)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject = models.CharField(max_length=200)
    details = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN
    )
    filed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["-filed_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="OPEN", resolved_at__isnull=True, resolution="")
                | Q(status="RESOLVED", resolved_at__isnull=False) & ~Q(resolution=""),
                name="complaint_resolved_iff_resolution",
            ),
            models.CheckConstraint(condition=~Q(subject=""), name="complaint_has_subject"),
        ]

    def __str__(self) -> str:
        return self.subject


class PeriodKind(models.TextChoices):
    MONTH = "MONTH", "Month"
    QUARTER = "QUARTER", "Quarter"


class ScopeKind(models.TextChoices):
    TOWNSHIP = "TOWNSHIP", "Township"
    COUNTY = "COUNTY", "County"


class PeriodicReport(models.Model):
    """The figures of one township or county for one month or quarter, stored once."""

    scope_kind = models.CharField(max_length=10, choices=ScopeKind.choices)
    township = models.ForeignKey(
        "divisions.Township", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    county = models.ForeignKey(
        "divisions.County", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    period_kind = models.CharField(max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField()
    # Exclusive: the first day of the next period.
    period_end = models.DateField()
    generated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "scope_kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope_kind="TOWNSHIP", township__isnull=False, county__isnull=True)
                | Q(scope_kind="COUNTY", county__isnull=False, township__isnull=True),
                name="report_scope_consistent",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=F("period_start")), name="report_period_ordered"
            ),
            models.UniqueConstraint(
                fields=["township", "period_kind", "period_start"],
                condition=Q(township__isnull=False),
                name="one_township_report_per_period",
            ),
            models.UniqueConstraint(
                fields=["county", "period_kind", "period_start"],
                condition=Q(county__isnull=False),
                name="one_county_report_per_period",
            ),
        ]

    def __str__(self) -> str:
        scope = self.township or self.county
        return f"{scope} {self.period_label}"

    @property
    def period_label(self) -> str:
        if self.period_kind == PeriodKind.MONTH:
            return f"{self.period_start:%Y-%m}"
        return f"{self.period_start.year}-Q{(self.period_start.month - 1) // 3 + 1}"


class ValueStatus(models.TextChoices):
    OK = "OK", "Computed"
    # The indicator's source data belongs to a capability not yet on this platform.
    SOURCE_PENDING = "SOURCE_PENDING", "Source not yet available"
    # A ratio whose denominator is zero.
    NOT_APPLICABLE = "NOT_APPLICABLE", "Not applicable"


class ReportValue(models.Model):
    report = models.ForeignKey(PeriodicReport, on_delete=models.PROTECT, related_name="values")
    indicator_code = models.CharField(max_length=48)
    position = models.PositiveSmallIntegerField()
    value = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    previous_value = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    status = models.CharField(max_length=16, choices=ValueStatus.choices)
    # The definition the value was computed under, kept with it: definitions are revised
    # (households benefiting was, in 2026-12) and a filed report must keep saying what its
    # figures meant. Blank on values stored before definitions were kept.
    definition = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["report_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["report", "indicator_code"], name="report_value_once"),
            models.CheckConstraint(
                condition=~Q(status="OK") | Q(value__isnull=False), name="ok_value_present"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_code}={self.value}"


class ReportFiling(models.Model):
    """A township officer files the township's report upwards to the county."""

    report = models.OneToOneField(PeriodicReport, on_delete=models.PROTECT, related_name="filing")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"filing of {self.report_id}"


class ScoringFormula(models.Model):
    """A published, versioned red-flag formula. Rankings name the version they used."""

    version = models.PositiveIntegerField(unique=True)
    # {component code: weight}; the weights sum to 1 (checked by the service).
    weights = models.JSONField()
    description = models.TextField()
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"v{self.version}"


class RedFlagRanking(models.Model):
    """The villages of one township ranked for one quarter, stored once."""

    township = models.ForeignKey("divisions.Township", on_delete=models.PROTECT, related_name="+")
    quarter_start = models.DateField()
    formula = models.ForeignKey(ScoringFormula, on_delete=models.PROTECT, related_name="rankings")
    # sha256 of the ranked entries (village, rank, score, components): a re-run must match.
    digest = models.CharField(max_length=64)
    computed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-quarter_start", "township_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "quarter_start"], name="one_ranking_per_township_quarter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.township_id} {self.quarter_label}"

    @property
    def quarter_label(self) -> str:
        return f"{self.quarter_start.year}-Q{(self.quarter_start.month - 1) // 3 + 1}"


class RedFlagEntry(models.Model):
    ranking = models.ForeignKey(RedFlagRanking, on_delete=models.PROTECT, related_name="entries")
    village = models.ForeignKey("divisions.Village", on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField()
    score = models.DecimalField(max_digits=7, decimal_places=4)
    # {component: {"raw": "12.00" | null, "normalised": "0.5000"}}
    components = models.JSONField()
    # Components with no data, scored 0 by rule.
    missing = models.JSONField(default=list)
    awarded = models.BooleanField(default=False)

    class Meta:
        ordering = ["ranking_id", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["ranking", "village"], name="ranked_once"),
            models.UniqueConstraint(fields=["ranking", "rank"], name="rank_unique"),
            models.UniqueConstraint(
                fields=["ranking"], condition=Q(awarded=True), name="one_flag_per_ranking"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.rank} {self.village_id}"


class AdministratorPost(models.TextChoices):
    VILLAGE_SHOP = "VILLAGE_SHOP", "Village shop administrator"
    STATION = "STATION", "Village station administrator"


class Education(models.TextChoices):
    PRIMARY = "PRIMARY", "Primary (小学)"
    JUNIOR_SECONDARY = "JUNIOR_SECONDARY", "Junior secondary (初中)"
    SENIOR_SECONDARY = "SENIOR_SECONDARY", "Senior secondary (高中/中专)"
    COLLEGE = "COLLEGE", "College (大专)"
    BACHELOR = "BACHELOR", "Bachelor or above (本科及以上)"


class AdministratorAppointment(models.Model):
    """One administrator's term on a village's shop or station post (管理员台账).

    A station post may name the station it is for: the village's logistics station or one
    of its Red Supermarkets (the roster service checks it is in the village). A post is
    (village, post, station named or none), and each keeps its own history: appointing a
    successor ends that post's current term the day before the new one starts, and at most
    one term per post is open.
    """

    village = models.ForeignKey(
        "divisions.Village", on_delete=models.PROTECT, related_name="administrator_terms"
    )
    post = models.CharField(max_length=16, choices=AdministratorPost.choices)
    station = models.ForeignKey(
        "logistics.VillageStation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="administrator_terms",
    )
    red_supermarket = models.ForeignKey(
        "red_supermarket.RedSupermarket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="administrator_terms",
    )
    administrator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="administrator_terms"
    )
    # The entry criteria as they stood on appointment.
    is_party_member = models.BooleanField()
    birth_date = models.DateField()
    education = models.CharField(max_length=20, choices=Education.choices)
    criteria_failed = models.JSONField(default=list, blank=True)
    exception_reason = models.TextField(blank=True)
    exception_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    effective_from = models.DateField()
    effective_until = models.DateField(null=True, blank=True)
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    replacement_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["village_id", "post", "-effective_from", "-pk"]
        constraints = [
            # NULLS NOT DISTINCT: the post naming no station is one post too.
            models.UniqueConstraint(
                fields=["village", "post", "station", "red_supermarket"],
                condition=Q(effective_until__isnull=True),
                nulls_distinct=False,
                name="one_current_administrator_per_post",
            ),
            models.CheckConstraint(
                condition=Q(station__isnull=True) | Q(red_supermarket__isnull=True),
                name="term_names_one_station",
            ),
            models.CheckConstraint(
                condition=Q(post="STATION") | Q(station__isnull=True, red_supermarket__isnull=True),
                name="only_station_posts_name_a_station",
            ),
            models.CheckConstraint(
                condition=Q(effective_until__isnull=True)
                | Q(effective_until__gte=F("effective_from")),
                name="term_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(exception_reason="", exception_approved_by__isnull=True)
                | (~Q(exception_reason="") & Q(exception_approved_by__isnull=False)),
                name="exception_has_reason_and_approver",
            ),
            models.CheckConstraint(
                condition=Q(criteria_failed=[]) | Q(exception_approved_by__isnull=False),
                name="failed_criteria_need_exception",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village_id} {self.post}: {self.administrator_id}"
