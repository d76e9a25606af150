"""County (6-digit code), township (9-digit) and village (12-digit), per the national
statistical division codes. A child's code always starts with its parent's code."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


def _require_parent_prefix(*, code: str, parent_code: str, child: str, parent: str) -> None:
    # The database cannot see the parent's code in a CHECK, so `full_clean()` holds the rule.
    if code and not code.startswith(parent_code):
        raise ValidationError({"code": f"A {child} code starts with its {parent}'s code."})


class County(models.Model):
    code = models.CharField(max_length=6, unique=True)
    name = models.CharField(max_length=64)
    slug = models.SlugField(max_length=64, unique=True)
    province = models.CharField(max_length=32)
    prefecture = models.CharField(
        max_length=32, help_text="The prefecture-level city, e.g. 临沧市."
    )

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "counties"
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^\d{6}$"), name="county_code_6_digits")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Township(models.Model):
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="townships")
    code = models.CharField(max_length=9, unique=True)
    name = models.CharField(max_length=64)
    slug = models.SlugField(max_length=64, unique=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^\d{9}$"), name="township_code_9_digits"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        if self.county_id:
            _require_parent_prefix(
                code=self.code, parent_code=self.county.code, child="township", parent="county"
            )


class Village(models.Model):
    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="villages")
    code = models.CharField(max_length=12, unique=True)
    name = models.CharField(max_length=64)
    slug = models.SlugField(max_length=64, unique=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^\d{12}$"), name="village_code_12_digits"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        if self.township_id:
            _require_parent_prefix(
                code=self.code, parent_code=self.township.code, child="village", parent="township"
            )
