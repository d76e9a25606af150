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


class Province(models.Model):
    """A provincial-level division (省 / 自治区 / 直辖市), GB/T 2260 two-digit code.

    Seeded by migration with all 31 mainland divisions: delivery zones name provinces by
    code, and a buyer's address names them by `name` (the official name the address book
    stores), so this table is how one is turned into the other."""

    code = models.CharField(max_length=2, unique=True)
    name = models.CharField(max_length=32, unique=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[1-6]\d$"), name="province_code_2_digits"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class City(models.Model):
    """A prefecture-level division (地级市 / 州 / 盟), four-digit code starting with its
    province's. Seeded for the cities the demo and the zones it ships need; more are added
    as shops come from them."""

    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="cities")
    code = models.CharField(max_length=4, unique=True)
    name = models.CharField(max_length=32)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "cities"
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^\d{4}$"), name="city_code_4_digits"),
            models.UniqueConstraint(fields=["province", "name"], name="city_name_per_province"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        if self.province_id:
            _require_parent_prefix(
                code=self.code, parent_code=self.province.code, child="city", parent="province"
            )
