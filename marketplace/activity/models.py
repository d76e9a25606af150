"""One row per user and local day, upserted on every login and recorded update."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class AdministratorActivityDay(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activity_days"
    )
    day = models.DateField()
    logins = models.PositiveIntegerField(default=0)
    updates = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="activity_day_unique"),
            models.CheckConstraint(
                condition=Q(logins__gte=0) & Q(updates__gte=0), name="activity_day_counts"
            ),
        ]
        indexes = [models.Index(fields=["day", "user"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}: {self.logins} logins, {self.updates} updates"
