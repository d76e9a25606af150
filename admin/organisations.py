"""Party organisations, shops (with their workflow actions) and households.

Shops change status only through the workflow actions; a new shop goes through
`shop_apply` and a new household through `household_register`. Household personal data is
shown masked, in lists and forms alike, to anyone `can_view_household_personal_data` does
not entitle.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.db.models import Model
from django.http import HttpRequest

from admin import shop_workflow
from admin.scoping import (
    Access,
    CreatesThroughServiceMixin,
    ReadOnlyInline,
    Scope,
    ScopedModelAdmin,
    acting_user,
    adopt,
)
from marketplace.accounts.permissions import can_view_household_personal_data, role_scopes
from marketplace.catalog.services import products_mark_search_dirty
from marketplace.organisations import services
from marketplace.organisations.models import Household, PartyOrganisation, Shop, ShopStatusEvent
from marketplace.organisations.privacy import household_personal_data

SHOP_SCOPE = Scope(shop_path="", manager=Access.VIEW, officer=Access.VIEW)
STATUS_EVENT_SCOPE = Scope(shop_path="shop", manager=Access.VIEW, officer=Access.VIEW)
HOUSEHOLD_SCOPE = Scope(village_path="village", manager=Access.EDIT, officer=Access.VIEW)
PERSONAL_FIELDS = ("head_name", "id_number", "phone")


@admin.register(PartyOrganisation)
class PartyOrganisationAdmin(ScopedModelAdmin):
    scope = Scope(village_path="village", manager=Access.VIEW, officer=Access.VIEW)
    list_display = ("name", "village", "township", "secretary_title", "shop")
    list_filter = (("village__township", RelatedOnlyFieldListFilter),)
    search_fields = ("name", "village__name", "village__code")
    list_select_related = ("village__township", "shop")
    autocomplete_fields = ("village",)

    @admin.display(description="Township", ordering="village__township__code")
    def township(self, obj: PartyOrganisation) -> str:
        return obj.village.township.name


class ShopStatusEventInline(ReadOnlyInline):
    model = ShopStatusEvent
    scope = STATUS_EVENT_SCOPE
    fields = ("created_at", "from_status", "to_status", "actor", "reason")
    related = ("actor",)


class ShopForm(forms.ModelForm):
    class Meta:
        model = Shop
        fields = ("party_organisation", "name", "slug", "description")


@admin.register(Shop)
class ShopAdmin(ScopedModelAdmin):
    scope = SHOP_SCOPE
    form = ShopForm
    list_display = ("name", "village", "township", "status", "applied_at", "approved_at")
    list_filter = ("status", ("village__township", RelatedOnlyFieldListFilter))
    search_fields = ("name", "slug", "village__name", "village__code")
    list_select_related = ("village__township",)
    autocomplete_fields = ("party_organisation",)
    inlines = (ShopStatusEventInline,)
    actions = tuple(action for _, action in shop_workflow.ACTIONS.values())

    @admin.display(description="Township", ordering="village__township__code")
    def township(self, obj: Shop) -> str:
        return obj.village.township.name

    def get_fields(self, request: HttpRequest, obj: Shop | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("party_organisation", "name", "slug", "description")
        return (
            "party_organisation",
            "village",
            "name",
            "slug",
            "description",
            "status",
            "applied_at",
            "approved_at",
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Shop | None = None) -> tuple[str, ...]:
        # Status moves only through the workflow actions, which record who, when and why.
        if obj is None:
            return ()
        return ("party_organisation", "village", "status", "applied_at", "approved_at")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "party_organisation" and field is not None:
            field.queryset = field.queryset.filter(shop__isnull=True)
        return field

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        offered = shop_workflow.actions_offered(request.user)
        return {
            name: action
            for name, action in actions.items()
            if name not in shop_workflow.ACTIONS or name in offered
        }

    def save_model(
        self, request: HttpRequest, obj: Shop, form: forms.ModelForm, change: bool
    ) -> None:
        if not change:
            created = services.shop_apply(
                party_organisation=form.cleaned_data["party_organisation"],
                name=form.cleaned_data["name"],
                slug=form.cleaned_data["slug"],
                description=form.cleaned_data.get("description", ""),
                applicant=acting_user(request),
                reason="Application entered in the back office.",
            )
            adopt(obj, created)
            return
        # No shop_update service exists yet; the form edits only name, slug and
        # description, and the rename is what the search documents care about.
        super().save_model(request, obj, form, change)
        if "name" in form.changed_data:
            products_mark_search_dirty(shop=obj)


@admin.register(ShopStatusEvent)
class ShopStatusEventAdmin(ScopedModelAdmin):
    """The workflow history. It is written by the services only, so it is read-only here."""

    scope = STATUS_EVENT_SCOPE
    list_display = ("created_at", "shop", "from_status", "to_status", "actor", "reason")
    list_filter = ("to_status", ("shop", RelatedOnlyFieldListFilter))
    search_fields = ("shop__name", "reason", "actor__email")
    list_select_related = ("shop", "actor")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def _personal_column(name: str, label: str, request: HttpRequest) -> Callable[[Household], str]:
    def column(obj: Household) -> str:
        return getattr(household_personal_data(household=obj, viewer=acting_user(request)), name)

    column.short_description = label  # type: ignore[attr-defined]
    column.__name__ = name
    return column


class HouseholdForm(forms.ModelForm):
    class Meta:
        model = Household
        fields = ("village", "category", "member_count", "head_name", "id_number", "phone")

    def clean_id_number(self) -> str:
        return self.cleaned_data["id_number"].strip().upper()


@admin.register(Household)
class HouseholdAdmin(CreatesThroughServiceMixin, ScopedModelAdmin):
    scope = HOUSEHOLD_SCOPE
    form = HouseholdForm
    list_filter = ("category", ("village", RelatedOnlyFieldListFilter))
    # What autocomplete and the system checks read; get_search_fields widens it per user.
    search_fields = ("reference", "village__name")
    list_select_related = ("village__township",)
    readonly_fields = ("reference", "created_at")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # Villages are reference data everyone may read, but a manager registers
        # households in their own village only (household_register would refuse others).
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        scopes = role_scopes(acting_user(request))
        if db_field.name == "village" and field is not None and not scopes.is_platform_admin:
            field.queryset = field.queryset.filter(pk__in=scopes.managed_village_ids)
        return field

    def get_list_display(self, request: HttpRequest) -> tuple[Any, ...]:
        # Columns are built per request so masking follows the viewer without keeping the
        # request on this (shared) admin instance.
        return (
            "reference",
            _personal_column("head_name", "Head of household", request),
            "category",
            "member_count",
            "village",
            _personal_column("phone", "Phone", request),
        )

    def get_list_display_links(self, request: HttpRequest, list_display: Sequence[Any]) -> Any:
        return ("reference",)

    def get_search_fields(self, request: HttpRequest) -> tuple[str, ...]:
        # Searching by name or ID number would reveal masked data one guess at a time, so
        # only those entitled to every household they can see may search by them.
        scopes = role_scopes(acting_user(request))
        if scopes.is_platform_admin or (scopes.managed_shop_ids and not scopes.township_ids):
            return ("reference", "village__name", *PERSONAL_FIELDS)
        return ("reference", "village__name")

    def _entitled(self, request: HttpRequest, obj: Household | None) -> bool:
        if obj is None:
            return True  # only those who may add households see the empty form
        return can_view_household_personal_data(user=acting_user(request), household=obj)

    def get_fields(self, request: HttpRequest, obj: Household | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("village", "category", "member_count", *PERSONAL_FIELDS)
        personal = (
            PERSONAL_FIELDS
            if self._entitled(request, obj)
            else ("masked_head_name", "masked_id_number", "masked_phone")
        )
        return ("reference", "village", "category", "member_count", *personal, "created_at")

    def get_readonly_fields(
        self, request: HttpRequest, obj: Household | None = None
    ) -> tuple[str, ...]:
        if obj is None:
            return ()
        readonly: tuple[str, ...] = ("reference", "village", "created_at")
        if not self._entitled(request, obj):
            readonly += ("masked_head_name", "masked_id_number", "masked_phone")
        return readonly

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Household | None = None,
    ) -> Any:
        # The form shows the model's fields themselves, not `household_personal_data`'s
        # answer, so the read is noted here: once per rendered page, with the basis (role
        # or data request) that unmasked it. A masked page notes nothing.
        if obj is not None and obj.pk is not None:
            household_personal_data(household=obj, viewer=acting_user(request))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is not None and not self._entitled(request, obj):  # type: ignore[arg-type]
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description="Head of household")
    def masked_head_name(self, obj: Household) -> str:
        return household_personal_data(household=obj, viewer=None).head_name

    @admin.display(description="ID number")
    def masked_id_number(self, obj: Household) -> str:
        return household_personal_data(household=obj, viewer=None).id_number

    @admin.display(description="Phone")
    def masked_phone(self, obj: Household) -> str:
        return household_personal_data(household=obj, viewer=None).phone

    # A change is the form's own save: no household_update service exists yet, and the
    # form's fields are single-row data whose rules are the model's CHECK constraints.
    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and form.changed_data:
            assert isinstance(obj, Household)
            services.household_edit_audit(
                actor=acting_user(request), household=obj, fields=form.changed_data
            )

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Household:
        return services.household_register(
            actor=acting_user(request),
            village=data["village"],
            category=data["category"],
            member_count=data["member_count"],
            head_name=data["head_name"],
            id_number=data.get("id_number", ""),
            phone=data.get("phone", ""),
        )
