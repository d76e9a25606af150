"""Users log in by email (as in Saleor). Roles are scoped assignments, checked per object."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone


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
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email


class Role(models.TextChoices):
    BUYER = "BUYER", "Buyer"
    SHOP_MANAGER = "SHOP_MANAGER", "Shop manager"
    HOUSEHOLD_SELLER = "HOUSEHOLD_SELLER", "Household seller"
    SUPERMARKET_OPERATOR = "SUPERMARKET_OPERATOR", "Red Supermarket operator"
    TOWNSHIP_OFFICER = "TOWNSHIP_OFFICER", "Township bureau officer"
    PLATFORM_ADMIN = "PLATFORM_ADMIN", "Platform admin (county)"


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
                    )
                    | Q(
                        role="TOWNSHIP_OFFICER",
                        shop__isnull=True,
                        township__isnull=False,
                        household__isnull=True,
                    )
                    | Q(
                        role="HOUSEHOLD_SELLER",
                        shop__isnull=True,
                        township__isnull=True,
                        household__isnull=False,
                    )
                    | Q(
                        role__in=["BUYER", "PLATFORM_ADMIN"],
                        shop__isnull=True,
                        township__isnull=True,
                        household__isnull=True,
                    )
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "shop", "township", "household"],
                nulls_distinct=False,
                name="role_assignment_unique",
            ),
        ]

    def __str__(self) -> str:
        scope = self.shop or self.township or self.household or "platform"
        return f"{self.user} — {self.get_role_display()} ({scope})"
