"""The administrator roster (管理员台账) of each village's shop and station posts.

Entry criteria (the seed's): a Party member, aged 45 or under on the day the term starts,
with at least senior-secondary education. An appointee who fails any of them needs a
recorded exception (reason and approving officer). Appointing a successor ends the
current term the day before the new one starts; history is never rewritten.
"""

from __future__ import annotations

import datetime

from django.db import transaction

from marketplace.accounts.models import User
from marketplace.audit.models import AuditAction
from marketplace.audit.services import audit_record
from marketplace.core.errors import refuse
from marketplace.divisions.models import Village
from marketplace.supervision.access import require_township_officer
from marketplace.supervision.error_codes import SupervisionErrorCode
from marketplace.supervision.models import AdministratorAppointment, AdministratorPost, Education

MAX_AGE = 45
_EDUCATION_ORDER = list(Education.values)
MIN_EDUCATION = Education.SENIOR_SECONDARY


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)


def criteria_failed(
    *, is_party_member: bool, birth_date: datetime.date, education: str, on: datetime.date
) -> list[str]:
    failed = []
    if not is_party_member:
        failed.append("party_member")
    if age_on(birth_date, on) > MAX_AGE:
        failed.append("age")
    if _EDUCATION_ORDER.index(education) < _EDUCATION_ORDER.index(MIN_EDUCATION):
        failed.append("education")
    return failed


@transaction.atomic
def administrator_appoint(
    *,
    officer: User,
    village: Village,
    post: str,
    administrator: User,
    is_party_member: bool,
    birth_date: datetime.date,
    education: str,
    effective_from: datetime.date,
    exception_reason: str = "",
    replacement_reason: str = "",
) -> AdministratorAppointment:
    require_township_officer(officer, village.township, doing="appoint its administrators")
    if post not in AdministratorPost.values:
        raise refuse("post", f"Unknown post '{post}'.", SupervisionErrorCode.INVALID)
    if education not in Education.values:
        raise refuse("education", f"Unknown education '{education}'.", SupervisionErrorCode.INVALID)
    if birth_date >= effective_from:
        raise refuse(
            "birth_date", "The birth date must precede the term.", SupervisionErrorCode.INVALID
        )
    failed = criteria_failed(
        is_party_member=is_party_member,
        birth_date=birth_date,
        education=education,
        on=effective_from,
    )
    exception_reason = exception_reason.strip()
    if failed and not exception_reason:
        raise refuse(
            "exception_reason",
            "The appointee does not meet the entry criteria ("
            + ", ".join(failed)
            + "); record the reason for the exception.",
            SupervisionErrorCode.CRITERIA_NOT_MET,
        )
    current = (
        AdministratorAppointment.objects.select_for_update()
        .filter(village=village, post=post, effective_until__isnull=True)
        .first()
    )
    if current is not None:
        if effective_from <= current.effective_from:
            raise refuse(
                "effective_from",
                f"The current term started on {current.effective_from}; a successor starts later.",
                SupervisionErrorCode.INVALID,
            )
        if not replacement_reason.strip():
            raise refuse(
                "replacement_reason",
                "Say why the current administrator is replaced.",
                SupervisionErrorCode.REQUIRED,
            )
        current.effective_until = effective_from - datetime.timedelta(days=1)
        current.replacement_reason = replacement_reason.strip()
        current.save(update_fields=["effective_until", "replacement_reason"])
    appointment = AdministratorAppointment.objects.create(
        village=village,
        post=post,
        administrator=administrator,
        is_party_member=is_party_member,
        birth_date=birth_date,
        education=education,
        criteria_failed=failed,
        exception_reason=exception_reason if failed else "",
        exception_approved_by=officer if failed else None,
        effective_from=effective_from,
        appointed_by=officer,
    )
    # The entry holds personal data (birth date, Party membership): who set it down, and
    # whether the criteria were waived, is the kind of write the log exists for.
    audit_record(
        actor=officer,
        action=AuditAction.ADMINISTRATOR_APPOINT,
        target=appointment,
        details={
            "post": post,
            "administrator_id": administrator.pk,
            "criteria_waived": failed,
            "replaced_id": current.pk if current is not None else None,
        },
        township_ids=[village.township_id],
    )
    return appointment


def roster_for_village(*, village: Village) -> list[AdministratorAppointment]:
    """Every term of the village, current ones first within each post."""
    return list(
        AdministratorAppointment.objects.filter(village=village)
        .select_related("administrator", "exception_approved_by")
        .order_by("post", "-effective_from", "-pk")
    )
