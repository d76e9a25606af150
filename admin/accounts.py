"""Users, their role assignments, address books and sign-in attempts: platform admins only.

Addresses are users' personal data. Address-book entries change through the accounts
services (`address_create`, `address_update`, `address_delete`), which normalise them by
`address_clean` and keep the user's defaults and book size right; the form runs the same
clean first so its errors show on the right fields. Snapshot copies (no user) and the
sign-in attempt log are read-only.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from admin.scoping import (
    PLATFORM_ONLY,
    ReadOnlyMixin,
    ScopedModelAdmin,
    ScopedTabularInline,
    acting_user,
    adopt,
)
from marketplace.accounts import services
from marketplace.accounts.addresses import ADDRESS_FIELDS, address_clean
from marketplace.accounts.models import Address, AuthAttempt, RoleAssignment, User
from marketplace.audit.models import AuditAction
from marketplace.audit.services import audit_record


def _audit_role_change(request: HttpRequest, assignment: RoleAssignment, action: str) -> None:
    """Every grant or removal of a role is a privileged write: into the audit log."""
    audit_record(
        actor=acting_user(request),
        action=action,
        target=assignment,
        township_ids=[assignment.township_id] if assignment.township_id else [],
        details={
            "user": assignment.user_id,
            "role": assignment.role,
            "shop": assignment.shop_id,
            "township": assignment.township_id,
            "county": assignment.county_id,
            "household": assignment.household_id,
        },
    )


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

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        removed = [f.instance for f in formset.deleted_forms if f.instance.pk is not None]
        for assignment in removed:  # before the delete clears their ids
            _audit_role_change(request, assignment, AuditAction.ROLE_REMOVE)
        super().save_formset(request, form, formset, change)
        if formset.model is RoleAssignment:
            saved = [*formset.new_objects, *(obj for obj, _ in formset.changed_objects)]
            for assignment in saved:
                _audit_role_change(request, assignment, AuditAction.ROLE_ASSIGN)

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

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _audit_role_change(request, obj, AuditAction.ROLE_ASSIGN)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        _audit_role_change(request, obj, AuditAction.ROLE_REMOVE)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for assignment in queryset:
            _audit_role_change(request, assignment, AuditAction.ROLE_REMOVE)
        super().delete_queryset(request, queryset)


class AddressForm(forms.ModelForm):
    class Meta:
        model = Address
        fields = ("user", *ADDRESS_FIELDS)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        try:
            values = address_clean(data={field: cleaned.get(field, "") for field in ADDRESS_FIELDS})
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            cleaned.update(values)  # normalised: official province, E.164 phone
        return cleaned


@admin.register(Address)
class AddressAdmin(ScopedModelAdmin):
    scope = PLATFORM_ONLY
    form = AddressForm
    list_display = ("__str__", "recipient", "phone", "user", "created_at")
    list_filter = ("country_area",)
    search_fields = ("user__email", "last_name", "first_name", "phone", "city", "city_area")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    readonly_fields = ("created_at",)

    @admin.display(description="Recipient")
    def recipient(self, obj: Address) -> str:
        return f"{obj.last_name}{obj.first_name}"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # The owner is fixed: moving an address between books would leave defaults behind.
        return ("user", "created_at") if obj is not None else ("created_at",)

    def _is_snapshot(self, obj: Model | None) -> bool:
        return isinstance(obj, Address) and obj.pk is not None and obj.user_id is None

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # A copy kept by a checkout or order records what was used; nobody edits it.
        return not self._is_snapshot(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return not self._is_snapshot(obj) and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "user" and field is not None:
            field.required = True  # new entries go into someone's address book
        return field

    def save_model(
        self, request: HttpRequest, obj: Address, form: forms.ModelForm, change: bool
    ) -> None:
        data = {field: form.cleaned_data[field] for field in ADDRESS_FIELDS}
        if change:
            assert obj.user is not None  # snapshots have no change permission
            saved = services.address_update(user=obj.user, address_id=obj.pk, data=data)
        else:
            _, saved = services.address_create(user=form.cleaned_data["user"], data=data)
        adopt(obj, saved)

    def delete_model(self, request: HttpRequest, obj: Address) -> None:
        assert obj.user is not None  # snapshots have no delete permission
        services.address_delete(user=obj.user, address_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for address in queryset.filter(user__isnull=False).select_related("user"):
            self.delete_model(request, address)


@admin.register(AuthAttempt)
class AuthAttemptAdmin(ReadOnlyMixin, ScopedModelAdmin):
    """The throttling log of logins and password-reset requests, as recorded."""

    scope = PLATFORM_ONLY
    list_display = ("created_at", "kind", "email", "ip_address")
    list_filter = ("kind",)
    search_fields = ("email", "ip_address")
    date_hierarchy = "created_at"
