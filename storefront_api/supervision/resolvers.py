"""Read resolvers: refuse callers outside the scope (PermissionDenied, never an empty
answer), turn bad arguments into coded errors, then call one selector."""

from __future__ import annotations

import base64
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from marketplace.accounts.permissions import can_approve_shop
from marketplace.core.errors import PermissionRefused
from marketplace.divisions.models import County, Township, Village
from marketplace.supervision.access import may_read_county, may_read_township
from marketplace.supervision.complaints import ComplaintFilters, complaint_list
from marketplace.supervision.error_codes import SupervisionErrorCode
from marketplace.supervision.exports import report_pdf, report_xlsx
from marketplace.supervision.models import (
    AdministratorAppointment,
    Complaint,
    PeriodicReport,
    RedFlagRanking,
)
from marketplace.supervision.periods import period_parse, period_range_parse
from marketplace.supervision.queues import QueueItem, approval_queue, platform_approval_queue
from marketplace.supervision.roster import roster_for_village
from storefront_api.core.errors import ApiError, PermissionDenied
from storefront_api.core.ids import decode_id
from storefront_api.core.mutations import error_message, validation_entries
from storefront_api.supervision.types import PeriodicReportFile


def coded(exc: ValidationError) -> ApiError:
    """A domain refusal on a read: the first entry, as a GraphQL error with its code."""
    field, error = next(iter(validation_entries(exc)))
    return ApiError(error_message(error), code=str(error.code).upper(), field=field)


def _found(model: Any, global_id: str, *, type_name: str, field: str) -> Any:
    pk = decode_id(global_id, expected_type=type_name, field=field)
    row = model.objects.filter(pk=pk).first()
    if row is None:
        raise ApiError(
            f"No such {type_name}.", code=SupervisionErrorCode.NOT_FOUND.name, field=field
        )
    return row


def _require_staff(info: Any) -> Any:
    user = info.context.user
    if not user.is_authenticated:
        raise PermissionDenied("Supervision data is for bureau officers: log in.")
    return user


def township_for_reader(info: Any, township_id: str) -> Township:
    user = _require_staff(info)
    township = _found(Township, township_id, type_name="Township", field="township")
    if not may_read_township(user, township):
        raise PermissionDenied(f"You do not oversee {township}.")
    return township


def approval_queue_items(info: Any, *, township_id: str) -> list[QueueItem]:
    township = township_for_reader(info, township_id)
    return approval_queue(township_ids=[township.pk])


def platform_approval_queue_items(info: Any) -> list[QueueItem]:
    user = _require_staff(info)
    if not can_approve_shop(user=user):
        raise PermissionDenied("The platform's approval queue is for platform admins.")
    return platform_approval_queue()


def periodic_reports(
    info: Any,
    *,
    township_id: str | None,
    county_id: str | None,
    period_kind: Any,
    first_period: str | None,
    last_period: str | None,
) -> QuerySet[PeriodicReport]:
    user = _require_staff(info)
    if (township_id is None) == (county_id is None):
        raise ApiError(
            "Give exactly one of township or county.",
            code=SupervisionErrorCode.REQUIRED.name,
            field="township",
        )
    if township_id is not None:
        township = township_for_reader(info, township_id)
        reports = PeriodicReport.objects.filter(township=township)
    else:
        county = _found(County, county_id or "", type_name="County", field="county")
        if not may_read_county(user, county):
            raise PermissionDenied(f"You do not oversee {county}.")
        # The county's officers see the county's own report and every township's.
        reports = PeriodicReport.objects.filter(county=county) | PeriodicReport.objects.filter(
            township__county=county
        )
    kind = getattr(period_kind, "value", period_kind)
    if kind:
        reports = reports.filter(period_kind=kind)
    try:
        if first_period or last_period:
            if not kind:
                raise ApiError(
                    "A range of periods needs the period kind.",
                    code=SupervisionErrorCode.REQUIRED.name,
                    field="periodKind",
                )
            if first_period and last_period:
                start, end = period_range_parse(kind=kind, first=first_period, last=last_period)
                reports = reports.filter(period_start__gte=start.start, period_start__lte=end.start)
            elif first_period:
                start = period_parse(kind=kind, label=first_period, field="first")
                reports = reports.filter(period_start__gte=start.start)
            else:
                end = period_parse(kind=kind, label=last_period or "", field="last")
                reports = reports.filter(period_start__lte=end.start)
    except ValidationError as exc:
        raise coded(exc) from None
    return reports.order_by("-period_start", "scope_kind", "township_id", "pk")


def report_for_reader(info: Any, report_id: str) -> PeriodicReport:
    user = _require_staff(info)
    report = _found(PeriodicReport, report_id, type_name="PeriodicReport", field="id")
    allowed = (
        may_read_township(user, report.township)
        if report.township is not None
        else may_read_county(user, report.county)  # type: ignore[arg-type]
    )
    if not allowed:
        raise PermissionDenied("You do not oversee this report's scope.")
    return report


def periodic_report_file(info: Any, *, report_id: str, file_format: Any) -> PeriodicReportFile:
    report = report_for_reader(info, report_id)
    fmt = getattr(file_format, "value", file_format)
    scope = report.township or report.county
    stem = f"report-{scope.code if scope else report.pk}-{report.period_label}"
    if fmt == "PDF":
        content, content_type, suffix = report_pdf(report), "application/pdf", "pdf"
    else:
        content = report_xlsx(report)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        suffix = "xlsx"
    return PeriodicReportFile(
        filename=f"{stem}.{suffix}",
        content_type=content_type,
        content_base64=base64.b64encode(content).decode(),
    )


def red_flag_ranking(info: Any, *, township_id: str, quarter: str) -> RedFlagRanking | None:
    township = township_for_reader(info, township_id)
    try:
        period = period_parse(kind="QUARTER", label=quarter, field="quarter")
    except ValidationError as exc:
        raise coded(exc) from None
    return RedFlagRanking.objects.filter(township=township, quarter_start=period.start).first()


def red_flag_history(info: Any, *, township_id: str) -> list[RedFlagRanking]:
    township = township_for_reader(info, township_id)
    return list(RedFlagRanking.objects.filter(township=township).order_by("-quarter_start"))


def administrator_roster(info: Any, *, village_id: str) -> list[AdministratorAppointment]:
    user = _require_staff(info)
    village = _found(Village, village_id, type_name="Village", field="village")
    if not may_read_township(user, village.township):
        raise PermissionDenied(f"You do not oversee {village}.")
    return roster_for_village(village=village)


def complaints(info: Any, *, filter: dict[str, Any]) -> QuerySet[Complaint]:
    user = _require_staff(info)

    def pk(name: str, type_name: str) -> int | None:
        raw = filter.get(name)
        return None if not raw else decode_id(raw, expected_type=type_name, field=name)

    status = filter.get("status")
    filters = ComplaintFilters(
        township_id=pk("township", "Township"),
        village_id=pk("village", "Village"),
        status=getattr(status, "value", status),
        filed_from=filter.get("filed_from"),
        filed_to=filter.get("filed_to"),
    )
    try:
        return complaint_list(viewer=user, filters=filters)
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from None
    except ValidationError as exc:
        raise coded(exc) from None
