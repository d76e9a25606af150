"""The poverty-monitoring line households' income is compared with.

The line itself belongs to the collective economy: a `PovertyMonitoringLine` per province
and year, else `POVERTY_MONITORING_LINE_DEFAULT` (yuan per person per year). A household is
"near" it below line × (1 + POVERTY_MONITORING_MARGIN), the same rule the township's
poverty watch (`households_near_poverty_line`) applies, so the dashboard and the watch
never disagree about who is near the line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings

from collective_econ.statements.selectors import poverty_line_for, poverty_lines_for_townships
from marketplace.divisions.models import Township


@dataclass(frozen=True)
class MonitoringLine:
    yearly_per_capita: Decimal
    near_factor: Decimal

    @property
    def near_ceiling(self) -> Decimal:
        return self.yearly_per_capita * self.near_factor


def poverty_monitoring_line(*, on: date, township_id: int | None = None) -> MonitoringLine:
    township = (
        Township.objects.select_related("county").filter(pk=township_id).first()
        if township_id is not None
        else None
    )
    line = (
        poverty_line_for(township=township, year=on.year)
        if township is not None
        else Decimal(str(settings.POVERTY_MONITORING_LINE_DEFAULT))
    )
    return MonitoringLine(
        yearly_per_capita=line,
        near_factor=1 + Decimal(str(settings.POVERTY_MONITORING_MARGIN)),
    )


def poverty_monitoring_lines(*, on: date, township_ids: Iterable[int]) -> dict[int, MonitoringLine]:
    """Each township's line (its province's for `on`'s year), in a fixed number of
    statements: a county dashboard spans townships that may sit in different provinces."""
    near_factor = 1 + Decimal(str(settings.POVERTY_MONITORING_MARGIN))
    return {
        township_id: MonitoringLine(yearly_per_capita=line, near_factor=near_factor)
        for township_id, line in poverty_lines_for_townships(
            township_ids=township_ids, year=on.year
        ).items()
    }
