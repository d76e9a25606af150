"""The periodic data report: per township and per county, per month and quarter.

A report is generated once (UNIQUE per scope and period; a re-run returns the stored one)
and never changed (database triggers). Each value carries the previous period's value,
read from the previous stored report when there is one, computed otherwise. A county's
report covers all villages of its townships: additive indicators equal the sum of the
townships' figures, ratios and distinct counts are recomputed over the whole county.
Township officers file their township's report; the county's officers see the filings.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from marketplace.accounts.models import User
from marketplace.audit.models import AuditAction
from marketplace.audit.services import audit_record
from marketplace.core.errors import refuse
from marketplace.divisions.models import County, Township, Village
from marketplace.supervision.access import require_township_officer
from marketplace.supervision.error_codes import SupervisionErrorCode
from marketplace.supervision.indicators import INDICATORS, Window, indicator_definition
from marketplace.supervision.models import (
    PeriodicReport,
    ReportFiling,
    ReportValue,
    ScopeKind,
    ValueStatus,
)
from marketplace.supervision.periods import Period


def _village_ids(*, township: Township | None, county: County | None) -> tuple[int, ...]:
    villages = Village.objects.all()
    if township is not None:
        villages = villages.filter(township=township)
    else:
        villages = villages.filter(township__county=county)
    return tuple(villages.order_by("pk").values_list("pk", flat=True))


def _stored(
    *, township: Township | None, county: County | None, period: Period
) -> PeriodicReport | None:
    rows = PeriodicReport.objects.filter(period_kind=period.kind, period_start=period.start)
    if township is not None:
        return rows.filter(township=township).first()
    return rows.filter(county=county).first()


def indicator_values(
    *, village_ids: tuple[int, ...], period: Period
) -> dict[str, tuple[Decimal | None, str]]:
    """(value, status) for every indicator over these villages and this period."""
    window = Window(village_ids=village_ids, start=period.start_at(), end=period.end_at())
    values: dict[str, tuple[Decimal | None, str]] = {}
    for indicator in INDICATORS:
        if indicator.selector is None:
            values[indicator.code] = (None, ValueStatus.SOURCE_PENDING)
            continue
        value = indicator.selector(window)
        values[indicator.code] = (
            value,
            ValueStatus.OK if value is not None else ValueStatus.NOT_APPLICABLE,
        )
    return values


def report_generate(
    *, period: Period, township: Township | None = None, county: County | None = None
) -> PeriodicReport:
    """The stored report of this scope and period, generating it on first call."""
    if (township is None) == (county is None):
        raise ValueError("A report is for exactly one township or one county.")
    existing = _stored(township=township, county=county, period=period)
    if existing is not None:
        return existing
    village_ids = _village_ids(township=township, county=county)
    current = indicator_values(village_ids=village_ids, period=period)
    previous_report = _stored(township=township, county=county, period=period.previous())
    if previous_report is not None:
        previous = {v.indicator_code: v.value for v in previous_report.values.all()}
    else:
        previous = {
            code: value
            for code, (value, _) in indicator_values(
                village_ids=village_ids, period=period.previous()
            ).items()
        }
    try:
        with transaction.atomic():
            report = PeriodicReport.objects.create(
                scope_kind=ScopeKind.TOWNSHIP if township is not None else ScopeKind.COUNTY,
                township=township,
                county=county,
                period_kind=period.kind,
                period_start=period.start,
                period_end=period.end,
            )
            ReportValue.objects.bulk_create(
                ReportValue(
                    report=report,
                    indicator_code=indicator.code,
                    position=position,
                    value=current[indicator.code][0],
                    previous_value=previous.get(indicator.code),
                    status=current[indicator.code][1],
                    definition=indicator_definition(indicator),
                )
                for position, indicator in enumerate(INDICATORS, start=1)
            )
    except IntegrityError:
        # Generated concurrently (beat and a manual run): the first one stands.
        stored = _stored(township=township, county=county, period=period)
        if stored is None:
            raise
        return stored
    return report


def reports_generate_all(*, period: Period) -> list[PeriodicReport]:
    """Every township's and county's report for `period` (idempotent)."""
    reports = [
        report_generate(period=period, township=township)
        for township in Township.objects.order_by("pk")
    ]
    reports += [
        report_generate(period=period, county=county) for county in County.objects.order_by("pk")
    ]
    return reports


@transaction.atomic
def report_file(*, officer: User, report: PeriodicReport, note: str = "") -> ReportFiling:
    """File a township's report upwards to its county. Once."""
    if report.township is None:
        raise refuse(
            "id", "Only a township's report is filed upwards.", SupervisionErrorCode.INVALID
        )
    require_township_officer(officer, report.township, doing="file its report")
    try:
        with transaction.atomic():
            filing = ReportFiling.objects.create(report=report, filed_by=officer, note=note.strip())
    except IntegrityError:
        raise refuse(
            "id", "This report has already been filed.", SupervisionErrorCode.ALREADY_FILED
        ) from None
    audit_record(
        actor=officer,
        action=AuditAction.REPORT_FILE,
        target=report,
        township_ids=[report.township.pk],
    )
    return filing


def reports_visible(
    *, township_ids: frozenset[int] | None, county_ids: frozenset[int] | None
) -> QuerySet[PeriodicReport]:
    """Reports of these townships and counties (None for both: all)."""
    rows = PeriodicReport.objects.select_related("township", "county", "filing")
    if township_ids is None and county_ids is None:
        return rows
    return rows.filter(Q(township_id__in=township_ids or ()) | Q(county_id__in=county_ids or ()))
