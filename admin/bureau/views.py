"""Bureau dashboard pages: thin. Parse the period, check the caller through
`marketplace.oversight.access`, build the dashboard, render it or one panel's download.

Refusals: no bureau role for that township or county is a 403 page; a bad period or an
unknown panel or format is a 400 page with the coded error; never a 500."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone

from admin.bureau.echarts_assets import ECHARTS, echarts_served_here
from admin.bureau.exports import panel_csv, panel_xlsx
from admin.scoping import acting_user
from marketplace.core.errors import refuse
from marketplace.oversight.access import (
    DashboardScope,
    county_scope,
    dashboards_for,
    township_scope,
)
from marketplace.oversight.dashboard import Dashboard, dashboard_build
from marketplace.oversight.error_codes import OversightErrorCode
from marketplace.oversight.periods import Period, default_period, period_parse

FORMATS = ("csv", "xlsx")


def _error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    entries = [
        (field, error.message, error.code)
        for field, errors in exc.error_dict.items()
        for error in errors
    ]
    forbidden = any(code == OversightErrorCode.NOT_PERMITTED.value for _, _, code in entries)
    return render(
        request,
        "bureau/error.html",
        {"title": "无法显示看板", "errors": entries},
        status=403 if forbidden else 400,
    )


def _period(request: HttpRequest) -> Period:
    today = timezone.localdate()
    kind = request.GET.get("kind", "")
    if not kind:
        return default_period(today=today)
    return period_parse(
        kind=kind,
        value=request.GET.get(kind, "") if kind in ("month", "quarter") else "",
        start=request.GET.get("start", ""),
        end=request.GET.get("end", ""),
        today=today,
    )


def _chart_data(board: Dashboard) -> list[dict[str, Any]]:
    """What the page's script draws: per panel, the category axis and the series."""

    def number(cell: object) -> object:
        return float(cell) if isinstance(cell, Decimal) else cell

    return [
        {
            "key": panel.key,
            "title": panel.title,
            "chart": panel.chart,
            "categories": [row[0] for row in panel.rows],
            "series": [
                {"name": name, "data": [number(v) for v in values]}
                for name, values in panel.series_values().items()
            ],
        }
        for section in board.sections
        for panel in section.panels
        if panel.chart != "table"
    ]


def _dashboard(request: HttpRequest, scope_of: Any) -> HttpResponse:
    try:
        scope: DashboardScope = scope_of()
        period = _period(request)
        board = dashboard_build(scope=scope, period=period)
        if "panel" in request.GET:
            return _download(request, board)
    except ValidationError as exc:
        return _error(request, exc)
    # Served by the project or not at all: a dashboard never reaches out to a CDN (it must
    # work offline), so without the vendored file the page says so and keeps its tables.
    echarts_src = static(ECHARTS.static_path) if echarts_served_here() else None
    return render(
        request,
        "bureau/dashboard.html",
        {
            "title": f"{scope.name} 数据看板",
            "board": board,
            "period": period,
            "query": request.GET.urlencode(),
            "charts": _chart_data(board),
            "echarts_src": echarts_src,
            "echarts_sri": ECHARTS.sri,
        },
    )


def _download(request: HttpRequest, board: Dashboard) -> HttpResponse:
    panel = board.panel(request.GET["panel"])
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        raise refuse("format", f"Unknown format “{fmt}”.", OversightErrorCode.UNKNOWN_FORMAT)
    filename = f"{board.scope.kind}-{board.scope.id}-{panel.key}-{board.period.slug}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(panel_csv(panel), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            panel_xlsx(panel, title=f"{board.scope.name} {panel.title} {board.period.label}"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def township_dashboard(request: HttpRequest, township_id: int) -> HttpResponse:
    user = acting_user(request)
    return _dashboard(request, lambda: township_scope(user=user, township_id=township_id))


def county_dashboard(request: HttpRequest, county_id: int) -> HttpResponse:
    user = acting_user(request)
    return _dashboard(request, lambda: county_scope(user=user, county_id=county_id))


def bureau_index(request: HttpRequest) -> HttpResponse:
    townships, counties = dashboards_for(user=acting_user(request))
    if not townships and not counties:
        return _error(
            request,
            refuse(
                None,
                "Only bureau officers and platform admins read the dashboards.",
                OversightErrorCode.NOT_PERMITTED,
            ),
        )
    return render(
        request,
        "bureau/index.html",
        {"title": "乡镇数据看板", "townships": townships, "counties": counties},
    )
