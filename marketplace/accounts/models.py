"""Users log in by email (as in Saleor). Roles are scoped assignments, checked per object.

Also owns the address book (`Address`, Chinese postal addresses in Saleor's field names) and
the record of authentication attempts that login throttling counts (`AuthAttempt`).
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone

from marketplace.core.metadata import metadata_field, metadata_is_an_object


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    first_name = models.CharField(max_length=64, blank=True)
    last_name = models.CharField(max_length=64, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    # Separate from is_active (which staff use to block an account), as in Saleor: a newly
    # registered buyer is active but unconfirmed until they follow the e-mailed link.
    is_confirmed = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    default_shipping_address = models.ForeignKey(
        "accounts.Address", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    default_billing_address = models.ForeignKey(
        "accounts.Address", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = UserManager()

    # Saleor's public metadata, written by the user themself (`updateMetadata`).
    metadata = metadata_field()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    class Meta:
        ordering = ["email"]
        constraints = [metadata_is_an_object("user")]

    def __str__(self) -> str:
        return self.email


class Role(models.TextChoices):
    BUYER = "BUYER", "Buyer"
    SHOP_MANAGER = "SHOP_MANAGER", "Shop manager"
    HOUSEHOLD_SELLER = "HOUSEHOLD_SELLER", "Household seller"
    SUPERMARKET_OPERATOR = "SUPERMARKET_OPERATOR", "Red Supermarket operator"
    TOWNSHIP_OFFICER = "TOWNSHIP_OFFICER", "Township bureau officer"
    # Oversees every township of one county: reads what their officers read, and receives
    # the townships' filings.
    COUNTY_OFFICER = "COUNTY_OFFICER", "County bureau officer"
    PLATFORM_ADMIN = "PLATFORM_ADMIN", "Platform admin (county)"
    # Runs a village station (村级服务站). Unscoped here: the station names its operator
    # (`logistics.VillageStation.operator`), so accounts never depends on logistics.
    STATION_OPERATOR = "STATION_OPERATOR", "Village station operator"


class RoleAssignment(models.Model):
    """A user's role and the one object it is scoped to.

    The CHECK constraints pin each role to exactly the scope it needs, so a shop manager
    without a shop, or an officer without a township, cannot exist.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=24, choices=Role.choices)
    shop = models.ForeignKey(
        "organisations.Shop", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    township = models.ForeignKey(
        "divisions.Township", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    household = models.ForeignKey(
        "organisations.Household", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    county = models.ForeignKey(
        "divisions.County", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user_id", "role"]
        constraints = [
            models.CheckConstraint(
                name="role_scope_matches_role",
                condition=(
                    Q(
                        role__in=["SHOP_MANAGER", "SUPERMARKET_OPERATOR"],
                        shop__isnull=False,
                        township__isnull=True,
                        household__isnull=True,
                        county__isnull=True,
                    )
                    | Q(
                        role="TOWNSHIP_OFFICER",
                        shop__isnull=True,
                        township__isnull=False,
                        household__isnull=True,
                        county__isnull=True,
                    )
                    | Q(
                        role="COUNTY_OFFICER",
                        shop__isnull=True,
                        township__isnull=True,
                        household__isnull=True,
                        county__isnull=False,
                    )
                    | Q(
                        role="HOUSEHOLD_SELLER",
                        shop__isnull=True,
                        township__isnull=True,
                        household__isnull=False,
                        county__isnull=True,
                    )
                    | Q(
                        role__in=["BUYER", "PLATFORM_ADMIN", "STATION_OPERATOR"],
                        shop__isnull=True,
                        township__isnull=True,
                        household__isnull=True,
                        county__isnull=True,
                    )
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "shop", "township", "household", "county"],
                nulls_distinct=False,
                name="role_assignment_unique",
            ),
        ]

    def __str__(self) -> str:
        scope = self.shop or self.township or self.county or self.household or "platform"
        return f"{self.user} — {self.get_role_display()} ({scope})"


class Address(models.Model):
    """A postal address in Saleor's fields, holding a Chinese address (see
    `marketplace.accounts.addresses` for which field holds what and how it is validated).

    `user` is set for address-book entries; it is NULL for copies that a checkout or order
    keeps as a snapshot, which no user may edit through the address book.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="addresses"
    )
    first_name = models.CharField(max_length=256, blank=True)
    last_name = models.CharField(max_length=256, blank=True)
    company_name = models.CharField(max_length=256, blank=True)
    street_address_1 = models.CharField(max_length=256, blank=True)
    street_address_2 = models.CharField(max_length=256, blank=True)
    city = models.CharField(max_length=256, blank=True)
    city_area = models.CharField(max_length=128, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, default="CN")
    country_area = models.CharField(max_length=128, blank=True)
    phone = models.CharField(max_length=32, blank=True, help_text="E.164, e.g. +8613800138000.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                name="address_country_is_iso_code", condition=Q(country__regex=r"^[A-Z]{2}$")
            ),
            models.CheckConstraint(
                name="address_phone_is_e164",
                condition=Q(phone="") | Q(phone__regex=r"^\+[1-9][0-9]{6,14}$"),
            ),
        ]

    def __str__(self) -> str:
        return " ".join(
            part
            for part in (
                self.country_area,
                self.city,
                self.city_area,
                self.street_address_1,
                self.street_address_2,
            )
            if part
        )


class AuthAttemptKind(models.TextChoices):
    LOGIN_FAILURE = "LOGIN_FAILURE", "Failed login"
    PASSWORD_RESET = "PASSWORD_RESET", "Password reset requested"
    REGISTER_EXISTING = "REGISTER_EXISTING", "Registration attempt for a taken e-mail"
    ACCOUNT_DELETION = "ACCOUNT_DELETION", "Account deletion requested"


class AuthAttempt(models.Model):
    """One authentication event that throttling counts. Kept in PostgreSQL, not in process
    memory, so every web process sees the same counts. Rows older than a day (longer than
    any window) are pruned as new ones arrive."""

    kind = models.CharField(max_length=20, choices=AuthAttemptKind.choices)
    email = models.CharField(max_length=254)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["kind", "email", "created_at"], name="authattempt_email_idx"),
            models.Index(fields=["kind", "ip_address", "created_at"], name="authattempt_ip_idx"),
            # For pruning expired rows of every key at once.
            models.Index(fields=["created_at"], name="authattempt_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.email} {self.ip_address or ''}"
