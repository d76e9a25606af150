"""Dashboard root fields. Thin: decode the ID, parse the period, check the caller, build.
Refusals and bad periods are GraphQL errors whose `extensions.exception.code` is an
`OversightErrorCode` value, upper-cased as the enum names it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import graphene
from django.core.exceptions import ValidationError
from django.utils import timezone

from marketplace.oversight.access import DashboardScope, county_scope, township_scope
from marketplace.oversight.dashboard import Dashboard as DashboardData
from marketplace.oversight.dashboard import dashboard_build
from marketplace.oversight.periods import default_period, period_parse
from storefront_api.core.errors import ApiError
from storefront_api.core.ids import decode_id
from storefront_api.oversight.types import Dashboard, DashboardPeriodInput


def _build(scope_of: Callable[[], DashboardScope], period: dict[str, Any] | None) -> DashboardData:
    today = timezone.localdate()
    try:
        scope = scope_of()
        if period is None:
            parsed = default_period(today=today)
        else:
            kind = str(getattr(period["kind"], "value", period["kind"]))
            parsed = period_parse(
                kind=kind,
                value=(period.get(kind) or "") if kind in ("month", "quarter") else "",
                start=period.get("start") or "",
                end=period.get("end") or "",
                today=today,
            )
        return dashboard_build(scope=scope, period=parsed)
    except ValidationError as exc:
        field, errors = next(iter(exc.error_dict.items()))
        raise ApiError(
            str(errors[0].message),
            code=str(errors[0].code).upper(),
            field=None if field == "__all__" else field,
        ) from None


class OversightQueries(graphene.ObjectType):
    township_dashboard = graphene.Field(
        Dashboard,
        township=graphene.ID(required=True),
        period=graphene.Argument(DashboardPeriodInput, description="Default: this quarter."),
        description="A township's dashboard figures: its officers, its county's, admins.",
    )
    county_dashboard = graphene.Field(
        Dashboard,
        county=graphene.ID(required=True),
        period=graphene.Argument(DashboardPeriodInput, description="Default: this quarter."),
        description="A county's dashboard figures, summed over its townships.",
    )

    @staticmethod
    def resolve_township_dashboard(
        root: Any, info: Any, township: str, period: dict[str, Any] | None = None
    ) -> DashboardData:
        pk = decode_id(township, expected_type="Township", field="township")
        user = info.context.user
        return _build(lambda: township_scope(user=user, township_id=pk), period)

    @staticmethod
    def resolve_county_dashboard(
        root: Any, info: Any, county: str, period: dict[str, Any] | None = None
    ) -> DashboardData:
        pk = decode_id(county, expected_type="County", field="county")
        user = info.context.user
        return _build(lambda: county_scope(user=user, county_id=pk), period)
