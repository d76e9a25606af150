"""The dashboard of a township or county for a period: every registered section, plus how
fresh the precomputed figures are. The one entry point pages and the API call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from marketplace.core.errors import refuse
from marketplace.oversight.access import DashboardScope
from marketplace.oversight.error_codes import OversightErrorCode
from marketplace.oversight.models import FiguresRefresh
from marketplace.oversight.periods import Period
from marketplace.oversight.refresh import latest_refresh
from marketplace.oversight.sections import SECTIONS
from marketplace.oversight.sections.base import Panel, SectionQuery, SectionResult


@dataclass(frozen=True)
class Dashboard:
    scope: DashboardScope
    period: Period
    sections: list[SectionResult]
    refreshed: FiguresRefresh | None

    @property
    def refreshed_at(self) -> datetime | None:
        return self.refreshed.finished_at if self.refreshed else None

    def panel(self, key: str) -> Panel:
        for section in self.sections:
            for panel in section.panels:
                if panel.key == key:
                    return panel
        raise refuse("panel", f"No chart or table “{key}”.", OversightErrorCode.UNKNOWN_PANEL)


def dashboard_build(
    *, scope: DashboardScope, period: Period, now: datetime | None = None
) -> Dashboard:
    query = SectionQuery(scope=scope, period=period, now=now or timezone.now())
    return Dashboard(
        scope=scope,
        period=period,
        sections=[spec.compute(query) for spec in SECTIONS],
        refreshed=latest_refresh(),
    )
