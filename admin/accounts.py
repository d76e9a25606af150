"""Users and their role assignments: platform admins only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest

from admin.scoping import Scope, ScopedModelAdmin, ScopedTabularInline
from marketplace.accounts.models import RoleAssignment, User

PLATFORM_ONLY = Scope()


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserChangeForm(DjangoUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class RoleAssignmentInline(ScopedTabularInline):
    model = RoleAssignment
    scope = PLATFORM_ONLY
    extra = 0
    fields = ("role", "shop", "township", "household", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("shop", "township", "household")


@admin.register(User)
class UserAdmin(ScopedModelAdmin, DjangoUserAdmin):
    scope = PLATFORM_ONLY
    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        (
            "Access",
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
                "description": "Back-office access follows roles (below) and needs is_staff; "
                "Django model permissions are not used.",
            },
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active", "roles")
    list_filter = ("is_staff", "is_superuser", "is_active", "role_assignments__role")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("email",)
    inlines = (RoleAssignmentInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).prefetch_related("role_assignments")

    @admin.display(description="Roles")
    def roles(self, obj: User) -> str:
        return ", ".join(sorted({a.get_role_display() for a in obj.role_assignments.all()}))


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ScopedModelAdmin):
    scope = PLATFORM_ONLY
    list_display = ("user", "role", "shop", "township", "household", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "shop__name", "township__name", "household__reference")
    list_select_related = ("user", "shop", "township", "household")
    autocomplete_fields = ("user", "shop", "township", "household")
