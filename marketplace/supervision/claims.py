"""Certification claims: a shop manager files one with evidence; the township officer
approves it (the certificate is then added through `catalog.certification_add`) or rejects
it with a reason. Every step is a `ClaimEvent`.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.accounts.permissions import can_manage_shop, role_scopes
from marketplace.activity.services import activity_record_update
from marketplace.audit.models import AuditAction
from marketplace.audit.services import audit_record
from marketplace.catalog.models import CertificationKind, Product
from marketplace.catalog.services import certification_add
from marketplace.core.errors import PermissionRefused, refuse
from marketplace.supervision.access import require_township_officer
from marketplace.supervision.deadlines import due_date_from
from marketplace.supervision.error_codes import SupervisionErrorCode
from marketplace.supervision.models import (
    CertificationClaim,
    ClaimEvent,
    ClaimEvidence,
    ClaimStatus,
)

# The first bytes of the file types accepted as evidence (scans and photos of certificates).
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


@dataclass(frozen=True)
class EvidenceUpload:
    name: str
    content: bytes


def evidence_content_type(content: bytes) -> str | None:
    for magic, content_type in _MAGIC:
        if content.startswith(magic):
            return content_type
    return None


def _check_evidence(files: list[EvidenceUpload]) -> list[str]:
    if not files:
        raise refuse(
            "evidence", "Attach the certificate (PDF, PNG or JPEG).", SupervisionErrorCode.REQUIRED
        )
    limit = settings.SUPERVISION_EVIDENCE_MAX_BYTES
    types = []
    for upload in files:
        if len(upload.content) > limit:
            raise refuse(
                "evidence",
                f"{upload.name} is larger than {limit // (1 << 20)} MB.",
                SupervisionErrorCode.EVIDENCE_TOO_LARGE,
            )
        content_type = evidence_content_type(upload.content)
        if content_type is None:
            raise refuse(
                "evidence",
                f"{upload.name} is not a PDF, PNG or JPEG file.",
                SupervisionErrorCode.EVIDENCE_TYPE,
            )
        types.append(content_type)
    return types


@transaction.atomic
def claim_file(
    *,
    actor: User,
    product: Product,
    kind: str,
    number: str,
    issuer: str,
    valid_from: datetime.date,
    valid_until: datetime.date,
    evidence: list[EvidenceUpload],
) -> CertificationClaim:
    """File a claim for `product`; a retry of the same pending claim returns it."""
    if not can_manage_shop(user=actor, shop=product.shop):
        raise PermissionRefused(f"Only the managers of {product.shop} may claim for {product}.")
    if kind not in CertificationKind.values:
        raise refuse("kind", f"Unknown certification kind '{kind}'.", SupervisionErrorCode.INVALID)
    number, issuer = number.strip(), issuer.strip()
    if not number:
        raise refuse("number", "The certificate number is required.", SupervisionErrorCode.REQUIRED)
    if not issuer:
        raise refuse("issuer", "The issuer is required.", SupervisionErrorCode.REQUIRED)
    if valid_until < valid_from:
        raise refuse(
            "valid_until",
            "A certificate cannot expire before it starts.",
            SupervisionErrorCode.INVALID,
        )
    if valid_until < timezone.localdate():
        raise refuse("valid_until", "This certificate has expired.", SupervisionErrorCode.INVALID)
    types = _check_evidence(evidence)
    existing = CertificationClaim.objects.filter(
        product=product, kind=kind, number=number, status=ClaimStatus.PENDING
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            claim = CertificationClaim.objects.create(
                product=product,
                shop=product.shop,
                kind=kind,
                number=number,
                issuer=issuer,
                valid_from=valid_from,
                valid_until=valid_until,
                filed_by=actor,
                due_on=due_date_from(timezone.localdate()),
            )
    except IntegrityError:
        # A concurrent retry filed it first.
        return CertificationClaim.objects.get(
            product=product, kind=kind, number=number, status=ClaimStatus.PENDING
        )
    for upload, content_type in zip(evidence, types, strict=True):
        digest = hashlib.sha256(upload.content).hexdigest()
        if claim.evidence.filter(sha256=digest).exists():
            continue
        row = ClaimEvidence(
            claim=claim,
            original_name=upload.name[:255],
            content_type=content_type,
            size=len(upload.content),
            sha256=digest,
        )
        suffix = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[content_type]
        row.file.save(
            f"claim-{claim.pk}-{digest[:12]}.{suffix}", ContentFile(upload.content), save=False
        )
        row.save()
    ClaimEvent.objects.create(
        claim=claim, actor=actor, from_status="", to_status=ClaimStatus.PENDING, reason="Filed."
    )
    activity_record_update(user_id=actor.pk)
    return claim


@transaction.atomic
def claim_decide(
    *, officer: User, claim: CertificationClaim, approve: bool, reason: str
) -> CertificationClaim:
    """Approve or reject a pending claim under a row lock (two officers deciding at once:
    the second sees it decided and is refused)."""
    township = claim.shop.village.township
    require_township_officer(officer, township, doing="decide its certification claims")
    reason = reason.strip()
    if not reason:
        raise refuse("reason", "A decision needs a reason.", SupervisionErrorCode.REQUIRED)
    locked = CertificationClaim.objects.select_for_update().get(pk=claim.pk)
    if locked.status != ClaimStatus.PENDING:
        raise refuse(
            "id",
            f"This claim was already {locked.get_status_display().lower()}.",
            SupervisionErrorCode.INVALID_TRANSITION,
        )
    to_status = ClaimStatus.APPROVED if approve else ClaimStatus.REJECTED
    if approve:
        # The certificate is the shop's: it is added on behalf of the manager who claimed
        # it (the catalog service checks that person manages the shop); the officer's
        # approval is what the claim's event records.
        locked.certification = certification_add(
            actor=locked.filed_by,
            product=locked.product,
            kind=locked.kind,
            number=locked.number,
            issuer=locked.issuer,
            valid_from=locked.valid_from,
            valid_until=locked.valid_until,
        )
    locked.status = to_status
    locked.decided_by = officer
    locked.decided_at = timezone.now()
    locked.decision_reason = reason
    locked.save(
        update_fields=["status", "decided_by", "decided_at", "decision_reason", "certification"]
    )
    ClaimEvent.objects.create(
        claim=locked,
        actor=officer,
        from_status=ClaimStatus.PENDING,
        to_status=to_status,
        reason=reason,
    )
    activity_record_update(user_id=officer.pk)
    audit_record(
        actor=officer,
        action=AuditAction.CLAIM_DECIDE,
        target=locked,
        details={"to": to_status, "reason": reason},
        township_ids=[township.pk],
    )
    return locked


def claim_evidence_visible_to(*, user: User | None) -> QuerySet[ClaimEvidence]:
    """Evidence a reader may open: their own shop's, their townships' (officers, the county
    over them), everything for platform admins; none for anyone else."""
    scopes = role_scopes(user)
    rows = ClaimEvidence.objects.select_related("claim__shop__village")
    if scopes.is_platform_admin:
        return rows
    return rows.filter(
        Q(claim__shop_id__in=scopes.managed_shop_ids)
        | Q(claim__shop__village__township_id__in=scopes.overseen_township_ids)
    )
