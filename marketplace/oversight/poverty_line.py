"""The poverty-monitoring line households' income is compared with.

One selector, so the lead can repoint it at the collective economy's
`PovertyMonitoringLine` model once it lands; until then the line is the setting
`POVERTY_MONITORING_LINE_DEFAULT` (yuan per person per year), and a household is "near"
the line below `POVERTY_NEAR_LINE_FACTOR` times it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings


@dataclass(frozen=True)
class MonitoringLine:
    yearly_per_capita: Decimal
    near_factor: Decimal

    @property
    def near_ceiling(self) -> Decimal:
        return self.yearly_per_capita * self.near_factor


def poverty_monitoring_line(*, on: date, township_id: int | None = None) -> MonitoringLine:
    return MonitoringLine(
        yearly_per_capita=Decimal(str(settings.POVERTY_MONITORING_LINE_DEFAULT)),
        near_factor=Decimal(str(settings.POVERTY_NEAR_LINE_FACTOR)),
    )
