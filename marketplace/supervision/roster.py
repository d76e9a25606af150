"""The administrator roster (管理员台账) of each village's shop and station posts.

Entry criteria (the seed's): a Party member, aged 45 or under on the day the term starts,
with at least senior-secondary education. An appointee who fails any of them needs a
recorded exception (reason and approving officer). A station post may name its station
(the village's logistics station or one of its Red Supermarkets); each (village, post,
station) keeps its own history. Appointing a successor ends that post's current term the
day before the new one starts; history is never rewritten.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F

from marketplace.accounts.models import User
from marketplace.audit.models import AuditAction
from marketplace.audit.services import audit_record
from marketplace.core.errors import refuse
from marketplace.divisions.models import Village
from marketplace.supervision.access import require_township_officer
from marketplace.supervision.error_codes import SupervisionErrorCode
from marketplace.supervision.models import AdministratorAppointment, AdministratorPost, Education

if TYPE_CHECKING:
    from logistics.stations.models import VillageStation
    from marketplace.red_supermarket.models import RedSupermarket

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


def check_post_station(
    *,
    village: Village,
    post: str,
    station: VillageStation | None,
    red_supermarket: RedSupermarket | None,
) -> None:
    """A post names at most one station, only a station post names one, and the station
    must be the village's own: an administrator of another village's station would be
    counted (activity, reminders) for the wrong village."""
    named = station or red_supermarket
    field = "station" if station is not None else "red_supermarket"
    if named is None:
        return
    if station is not None and red_supermarket is not None:
        raise refuse(
            "red_supermarket",
            "A post is for one station: name the logistics station or the Red Supermarket.",
            SupervisionErrorCode.INVALID,
        )
    if post != AdministratorPost.STATION:
        raise refuse(
            field,
            "Only a station post names a station.",
            SupervisionErrorCode.STATION_NOT_IN_VILLAGE,
        )
    station_village_id = (
        station.village_id if station is not None else red_supermarket.shop.village_id  # type: ignore[union-attr]
    )
    if station_village_id != village.pk:
        raise refuse(
            field,
            f"{named} is not a station of {village}.",
            SupervisionErrorCode.STATION_NOT_IN_VILLAGE,
        )


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
    station: VillageStation | None = None,
    red_supermarket: RedSupermarket | None = None,
) -> AdministratorAppointment:
    require_township_officer(officer, village.township, doing="appoint its administrators")
    if post not in AdministratorPost.values:
        raise refuse("post", f"Unknown post '{post}'.", SupervisionErrorCode.INVALID)
    check_post_station(village=village, post=post, station=station, red_supermarket=red_supermarket)
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
        .filter(
            village=village,
            post=post,
            station=station,
            red_supermarket=red_supermarket,
            effective_until__isnull=True,
        )
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
        station=station,
        red_supermarket=red_supermarket,
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
            "station_id": station.pk if station is not None else None,
            "red_supermarket_id": red_supermarket.pk if red_supermarket is not None else None,
            "administrator_id": administrator.pk,
            "criteria_waived": failed,
            "replaced_id": current.pk if current is not None else None,
        },
        township_ids=[village.township_id],
    )
    return appointment


def roster_for_village(*, village: Village) -> list[AdministratorAppointment]:
    """Every term of the village, grouped by post (village-wide first, then each logistics
    station, then each Red Supermarket), current ones first within each post."""
    return list(
        AdministratorAppointment.objects.filter(village=village)
        .select_related("administrator", "exception_approved_by")
        .order_by(
            "post",
            F("red_supermarket_id").asc(nulls_first=True),
            F("station_id").asc(nulls_first=True),
            "-effective_from",
            "-pk",
        )
    )
