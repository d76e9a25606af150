"""What household income statements are compared against: the poverty-monitoring line
(防返贫监测线) a province sets each year."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class PovertyMonitoringLine(models.Model):
    """The annual per-capita net income below which a province monitors a household for
    falling back into poverty, for one year. Without a row for a province and year,
    settings.POVERTY_MONITORING_LINE_DEFAULT applies."""

    province = models.ForeignKey(
        "divisions.Province", on_delete=models.PROTECT, related_name="poverty_monitoring_lines"
    )
    year = models.PositiveSmallIntegerField()
    annual_per_capita_income = models.DecimalField(max_digits=10, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["province_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["province", "year"], name="poverty_line_once_a_year"),
            models.CheckConstraint(
                name="poverty_line_positive", condition=Q(annual_per_capita_income__gt=0)
            ),
            models.CheckConstraint(
                name="poverty_line_year_plausible", condition=Q(year__gte=2000, year__lte=2100)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.province_id} {self.year}: ¥{self.annual_per_capita_income}"
