"""The dashboard as GraphQL types: sections of headline figures and panels (a chart's
table: columns and rows of cells as strings, amounts with 2 decimal places)."""

from __future__ import annotations

from typing import Any

import graphene

from marketplace.oversight.dashboard import Dashboard as DashboardData
from marketplace.oversight.sections.base import Cell, Panel, SectionResult
from storefront_api.core.enums import api_enum

DashboardPeriodKind = api_enum(
    "DashboardPeriodKind", [("MONTH", "month"), ("QUARTER", "quarter"), ("RANGE", "range")]
)


def _cell(value: Cell) -> str | None:
    return None if value is None else str(value)


class DashboardPeriodInput(graphene.InputObjectType):
    kind = graphene.InputField(DashboardPeriodKind, required=True)
    month = graphene.String(description="YYYY-MM, for kind MONTH.")
    quarter = graphene.String(description="YYYY-Qn, for kind QUARTER.")
    start = graphene.String(description="First month (YYYY-MM), for kind RANGE.")
    end = graphene.String(description="Last month (YYYY-MM), for kind RANGE.")


class DashboardFigure(graphene.ObjectType):
    label = graphene.String(required=True)
    value = graphene.String()
    unit = graphene.String(required=True)


class DashboardPanel(graphene.ObjectType):
    key = graphene.String(required=True)
    title = graphene.String(required=True)
    chart = graphene.String(required=True, description="line, bar, ranking, delivery or table.")
    columns = graphene.List(graphene.NonNull(graphene.String), required=True)
    rows = graphene.List(graphene.NonNull(graphene.List(graphene.String)), required=True)
    note = graphene.String(required=True)

    @staticmethod
    def resolve_rows(root: Panel, info: Any) -> list[list[str | None]]:
        return [[_cell(cell) for cell in row] for row in root.rows]


class DashboardSection(graphene.ObjectType):
    key = graphene.String(required=True)
    title = graphene.String(required=True)
    headline = graphene.List(graphene.NonNull(DashboardFigure), required=True)
    panels = graphene.List(graphene.NonNull(DashboardPanel), required=True)

    @staticmethod
    def resolve_headline(root: SectionResult, info: Any) -> list[DashboardFigure]:
        return [
            DashboardFigure(label=label, value=_cell(value), unit=unit)
            for label, value, unit in root.headline
        ]


class Dashboard(graphene.ObjectType):
    scope_name = graphene.String(required=True)
    period_label = graphene.String(required=True)
    first_month = graphene.Date(required=True)
    last_month = graphene.Date(required=True)
    refreshed_at = graphene.DateTime(description="When the precomputed figures were refreshed.")
    sections = graphene.List(graphene.NonNull(DashboardSection), required=True)

    @staticmethod
    def resolve_scope_name(root: DashboardData, info: Any) -> str:
        return root.scope.name

    @staticmethod
    def resolve_period_label(root: DashboardData, info: Any) -> str:
        return root.period.label

    @staticmethod
    def resolve_first_month(root: DashboardData, info: Any) -> Any:
        return root.period.first_month

    @staticmethod
    def resolve_last_month(root: DashboardData, info: Any) -> Any:
        return root.period.last_month
