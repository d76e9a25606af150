from django.db import models
from django.db.models import Q


class Channel(models.Model):
    name = models.CharField(max_length=128)
    slug = models.SlugField(max_length=64, unique=True)
    currency_code = models.CharField(max_length=3, default="CNY")
    default_country = models.CharField(max_length=2, default="CN")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(currency_code__regex=r"^[A-Z]{3}$"), name="channel_currency_iso"
            )
        ]

    def __str__(self) -> str:
        return self.slug
