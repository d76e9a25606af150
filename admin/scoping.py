"""Role scoping shared by every back-office admin class.

What comes in: the request's user and its role assignments (through
`marketplace.accounts.permissions.role_scopes`, one query per request). What goes out: the
rows an admin lists, whether a user may view, add, change or delete a row, and which rows a
foreign-key field may point at. Nothing here reads `auth.Permission`: a staff user with a
role can use the back office without model permissions being granted by hand, and a staff
user without a role sees nothing.

Each admin declares a `Scope`: how its rows hang off a shop or a village, and what shop
managers and township officers may do with them. Platform admins (superusers or the
PLATFORM_ADMIN role) see and edit everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any, ClassVar, cast

from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest

from marketplace.accounts.models import User
from marketplace.accounts.permissions import RoleScopes, role_scopes

if TYPE_CHECKING:
    from django.db.models import ForeignKey


def acting_user(request: HttpRequest) -> User:
    """The user behind an admin request. The admin site admits only active staff users,
    so this is never anonymous by the time a view or action runs."""
    return cast(User, request.user)


class Access(IntEnum):
    NONE = 0
    VIEW = 1
    EDIT = 2


def _in(path: str) -> str:
    return f"{path}__in" if path else "pk__in"


def _township_in(path: str) -> str:
    return f"{path}__township__in" if path else "township__in"


@dataclass(frozen=True)
class Scope:
    """How one model's rows are scoped to roles.

    `shop_path` is the ORM path from the model to the shop that owns a row ("" when the row
    is the shop itself); `village_path` likewise to the owning village, for rows that belong
    to a village rather than a shop (households, party organisations, villages). A model
    with neither is platform-wide: only platform admins touch it, unless it is `reference`
    data (categories, product types, channels, divisions) that managers and officers need
    to read and pick on their own forms.
    """

    shop_path: str | None = None
    village_path: str | None = None
    manager: Access = Access.NONE
    officer: Access = Access.NONE
    reference: bool = False
    # The ORM path from the model to the station operator (a user) whose rows these are:
    # operators are scoped by the stations they run, not by a shop or village.
    operator_path: str | None = None
    operator: Access = Access.NONE

    def access(self, user: Any) -> Access:
        """The most a user may do with this model at all, before looking at any row."""
        if not getattr(user, "is_staff", False):
            return Access.NONE
        scopes = role_scopes(user)
        if scopes.is_platform_admin:
            return Access.EDIT
        level = Access.NONE
        if scopes.managed_shop_ids:
            level = max(level, self.manager)
        if scopes.township_ids:
            level = max(level, self.officer)
        if scopes.county_ids:
            # A county officer reads what township officers read, across the county; writes
            # stay with the townships.
            level = max(level, min(self.officer, Access.VIEW))
        if self.reference and (scopes.managed_shop_ids or scopes.is_bureau_officer):
            level = max(level, Access.VIEW)
        if scopes.is_station_operator and self.operator_path is not None:
            level = max(level, self.operator)
        return level

    def _manager_q(self, scopes: RoleScopes) -> Q | None:
        if self.shop_path is not None:
            return Q(**{_in(self.shop_path): scopes.managed_shop_ids})
        if self.village_path is not None:
            return Q(**{_in(self.village_path): scopes.managed_village_ids})
        return None

    def _officer_q(self, scopes: RoleScopes, *, for_edit: bool = False) -> Q | None:
        townships = scopes.township_ids if for_edit else scopes.overseen_township_ids
        if self.shop_path is not None:
            path = f"{self.shop_path}__village" if self.shop_path else "village"
            return Q(**{_township_in(path): townships})
        if self.village_path is not None:
            return Q(**{_township_in(self.village_path): townships})
        return None

    def filter(self, queryset: QuerySet[Any], user: Any, *, for_edit: bool) -> QuerySet[Any]:
        """The rows `user` may see (or, with `for_edit`, change) in `queryset`."""
        needed = Access.EDIT if for_edit else Access.VIEW
        if self.access(user) < needed:
            return queryset.none()
        scopes = role_scopes(user)
        if scopes.is_platform_admin or (self.reference and not for_edit):
            return queryset
        conditions: list[Q] = []
        if scopes.managed_shop_ids and self.manager >= needed:
            conditions.append(self._manager_q(scopes) or Q(pk__in=[]))
        if scopes.is_bureau_officer and self.officer >= needed:
            conditions.append(self._officer_q(scopes, for_edit=for_edit) or Q(pk__in=[]))
        if scopes.is_station_operator and self.operator_path and self.operator >= needed:
            conditions.append(Q(**{self.operator_path: user.pk}))
        if not conditions:
            return queryset.none()
        combined = conditions[0]
        for condition in conditions[1:]:
            combined |= condition
        return queryset.filter(combined)

    def choices(self, queryset: QuerySet[Any], user: Any) -> QuerySet[Any]:
        """The rows a foreign key on someone's form may point at.

        A manager may attach things only to their own shop's rows (their shop, its
        products, variants and warehouses, their village's households) even where they may
        not edit those rows themselves; reference data is open to everyone who may see it.
        Officers edit nothing, so they get no choices beyond reference data.
        """
        scopes = role_scopes(user)
        if scopes.is_platform_admin:
            return queryset
        if self.reference and self.access(user) >= Access.VIEW:
            return queryset
        manager_q = self._manager_q(scopes) if scopes.managed_shop_ids else None
        return queryset.filter(manager_q) if manager_q is not None else queryset.none()


# Rows only platform admins see or touch (checkouts, buyer orders, payments, users).
PLATFORM_ONLY = Scope()


def _scoped_choices(
    site: admin.AdminSite, db_field: ForeignKey[Any, Any], request: HttpRequest, kwargs: dict
) -> None:
    """Narrow a foreign key's choices to what the related model's scope allows."""
    if "queryset" in kwargs:
        return
    related_model = db_field.remote_field.model
    try:
        related_admin = site.get_model_admin(related_model)
    except NotRegistered:
        return
    scope = getattr(related_admin, "scope", None)
    if not isinstance(scope, Scope):
        return
    ordering = related_admin.get_ordering(request)
    base = related_model._default_manager.all()
    if ordering:
        base = base.order_by(*ordering)
    kwargs["queryset"] = scope.choices(base, request.user)


class ScopedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose rows and permissions follow its `scope`, never auth.Permission."""

    scope: ClassVar[Scope] = Scope()

    # --- rows ---------------------------------------------------------------------------
    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return self.scope.filter(super().get_queryset(request), request.user, for_edit=False)

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Model:
        # Django answers a missing row with a redirect to the index; a row outside the
        # user's scope must look exactly like a missing one, and a plain 404 says so.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(f"No {self.opts.verbose_name} with that ID is visible to you.")
        return obj

    def in_scope(self, request: HttpRequest, obj: Model, *, for_edit: bool) -> bool:
        """Whether `obj` lies in the user's view (or edit) scope. Cached per request."""
        if obj.pk is None:
            return True
        scopes = role_scopes(acting_user(request))
        if scopes.is_platform_admin or (self.scope.reference and not for_edit):
            return True
        cache: dict[tuple[str, Any, bool], bool] = request.__dict__.setdefault(
            "_backoffice_scope_cache", {}
        )
        key = (obj._meta.label, obj.pk, for_edit)
        if key not in cache:
            rows = type(obj)._default_manager.filter(pk=obj.pk)
            cache[key] = self.scope.filter(rows, request.user, for_edit=for_edit).exists()
        return cache[key]

    # --- permissions --------------------------------------------------------------------
    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.scope.access(request.user) >= Access.VIEW

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if self.scope.access(request.user) < Access.VIEW:
            return False
        return obj is None or self.in_scope(request, obj, for_edit=False)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.scope.access(request.user) >= Access.EDIT

    def may_edit(self, request: HttpRequest, obj: Model | None = None) -> bool:
        """Edit access by scope alone; admins that forbid changing or deleting outright
        override the `has_*_permission` methods and keep this as the scope answer."""
        if self.scope.access(request.user) < Access.EDIT:
            return False
        return obj is None or self.in_scope(request, obj, for_edit=True)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.may_edit(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.may_edit(request, obj)

    # --- choices ------------------------------------------------------------------------
    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        _scoped_choices(self.admin_site, db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedInlineMixin:
    """Inline permissions: the child model's scope, and never more than the parent allows.

    The parent row has already passed its own admin's scope; an inline may be edited only
    when the parent may be changed, so a user who sees a parent read-only (an officer, or
    a manager looking at a neighbouring shop) sees its inlines read-only too.
    """

    scope: ClassVar[Scope] = Scope()
    admin_site: admin.AdminSite
    parent_model: type[Model]

    def _parent_admin(self) -> admin.ModelAdmin:
        return self.admin_site.get_model_admin(self.parent_model)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.scope.access(request.user) >= Access.VIEW

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if self.scope.access(request.user) < Access.EDIT:
            return False
        return obj is None or self._parent_admin().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if self.scope.access(request.user) < Access.EDIT:
            return False
        if obj is None:
            return self._parent_admin().has_add_permission(request)
        return self._parent_admin().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_change_permission(request, obj)

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        _scoped_choices(self.admin_site, db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class ScopedTabularInline(ScopedInlineMixin, admin.TabularInline):
    pass


class ScopedStackedInline(ScopedInlineMixin, admin.StackedInline):
    pass


class ReadOnlyMixin:
    """Rows written only by services (history, snapshots, payments): listed and viewed,
    never added, edited or deleted here. Works for model admins and inlines alike."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReadOnlyInline(ReadOnlyMixin, ScopedTabularInline):
    """A table of rows only services write (lines, events, snapshots) under their parent:
    every field shown read-only, no blank rows to fill in, and the relations named in
    `related` fetched in the inline's one query."""

    extra = 0
    can_delete = False
    related: ClassVar[tuple[str, ...]] = ()

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        return self.fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        # select_related() with no names would follow every foreign key; name them or none.
        return queryset.select_related(*self.related) if self.related else queryset


class CreatesThroughServiceMixin:
    """For admins whose adds go through a domain service while a change is the form's own
    save (what stays editable is single-row data that the model's constraints guard).
    Subclasses say which service in `create`; the row it makes is adopted by the form."""

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)  # type: ignore[misc]
        else:
            adopt(obj, self.create(request, form.cleaned_data))


def adopt(target: Model, created: Model) -> None:
    """Make the admin form's instance stand for a row a service created.

    The admin logs, messages and redirects using the form's instance; when a service made
    the row instead of `form.save()`, copying its state across keeps all of that right.
    """
    target.__dict__.update(created.__dict__)
