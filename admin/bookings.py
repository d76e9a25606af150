"""Tourism bookings in the back office: each shop's calendar, holds and cancellation terms.

A shop's manager sets the capacity of a date and the refund tiers of the shop or of one
homestay or experience; both writes go through the bookings services
(`booking_capacity_set`, `cancellation_policy_set`, `cancellation_policy_clear`), which
lock the rows and keep the counters and tiers valid. The forms check the same rules first
so a refusal shows on the form. Holds are written by checkouts only and are read-only.
Township officers read all of it within their township.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from admin.scoping import (
    Access,
    ReadOnlyMixin,
    Scope,
    ScopedModelAdmin,
    ScopedTabularInline,
    acting_user,
    adopt,
)
from marketplace.accounts.permissions import RoleScopes
from marketplace.bookings import services
from marketplace.bookings.models import (
    BookingHold,
    CancellationPolicy,
    CancellationTier,
    DayCapacity,
)
from marketplace.bookings.policies import Tier, validate_tiers
from marketplace.catalog.models import OfferingKind

TOURISM_KINDS = (OfferingKind.HOMESTAY, OfferingKind.EXPERIENCE)


@dataclass(frozen=True)
class PolicyScope(Scope):
    """A cancellation policy belongs to its shop directly or through its product, so it is
    in scope through either path (`prefix` leads from a tier to its policy)."""

    prefix: str = ""

    def _paths(self) -> tuple[str, str]:
        lead = f"{self.prefix}__" if self.prefix else ""
        return f"{lead}shop", f"{lead}product__shop"

    def _manager_q(self, scopes: RoleScopes) -> Q | None:
        direct, via_product = self._paths()
        ids = scopes.managed_shop_ids
        return Q(**{f"{direct}__in": ids}) | Q(**{f"{via_product}__in": ids})

    def _officer_q(self, scopes: RoleScopes, *, for_edit: bool = False) -> Q | None:
        direct, via_product = self._paths()
        ids = scopes.township_ids if for_edit else scopes.overseen_township_ids
        return Q(**{f"{direct}__village__township__in": ids}) | Q(
            **{f"{via_product}__village__township__in": ids}
        )


CAPACITY_SCOPE = Scope(shop_path="product__shop", manager=Access.EDIT, officer=Access.VIEW)
HOLD_SCOPE = Scope(shop_path="product__shop", manager=Access.VIEW, officer=Access.VIEW)
POLICY_SCOPE = PolicyScope(manager=Access.EDIT, officer=Access.VIEW)
TIER_SCOPE = PolicyScope(prefix="policy", manager=Access.VIEW, officer=Access.VIEW)
TIER_INLINE_SCOPE = PolicyScope(prefix="policy", manager=Access.EDIT, officer=Access.VIEW)


def _only_tourism(field: Any) -> Any:
    if field is not None:
        field.queryset = field.queryset.filter(offering_kind__in=TOURISM_KINDS)
    return field


# --- the calendar -----------------------------------------------------------------------


class DayCapacityForm(forms.ModelForm):
    class Meta:
        model = DayCapacity
        fields = ("product", "date", "capacity")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        capacity = cleaned.get("capacity")
        # As booking_capacity_set: never below what is already held and sold that day.
        booked = self.instance.held + self.instance.allocated
        if capacity is not None and capacity < booked:
            self.add_error(
                "capacity", f"{booked} are already booked on this date; capacity cannot go below."
            )
        return cleaned


@admin.register(DayCapacity)
class DayCapacityAdmin(ScopedModelAdmin):
    scope = CAPACITY_SCOPE
    form = DayCapacityForm
    list_display = ("date", "product", "shop", "capacity", "held", "allocated", "free")
    list_filter = (("product__shop", RelatedOnlyFieldListFilter),)
    search_fields = ("product__name",)
    list_select_related = ("product__shop",)
    autocomplete_fields = ("product",)
    date_hierarchy = "date"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ("held", "allocated")
        # A day row is one product's one date; another date is another row.
        return ("product", "date", "held", "allocated")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return _only_tourism(field) if db_field.name == "product" else field

    @admin.display(description="Shop", ordering="product__shop__name")
    def shop(self, obj: DayCapacity) -> str:
        return str(obj.product.shop)

    @admin.display(description="Free")
    def free(self, obj: DayCapacity) -> int:
        return obj.free

    def save_model(
        self, request: HttpRequest, obj: DayCapacity, form: forms.ModelForm, change: bool
    ) -> None:
        # The service locks the day row, creating it if need be, and re-checks what is
        # booked under that lock; the form's check above is what users normally meet.
        saved = services.booking_capacity_set(
            actor=acting_user(request), product=obj.product, day=obj.date, capacity=obj.capacity
        )
        adopt(obj, saved)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # Day rows carry the held and sold counters; a date is closed with capacity 0.
        return False


@admin.register(BookingHold)
class BookingHoldAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = HOLD_SCOPE
    list_display = (
        "key",
        "product",
        "variant",
        "start_date",
        "end_date",
        "guests",
        "units",
        "status",
        "expires_at",
        "refund_percent",
    )
    list_filter = ("status", ("product__shop", RelatedOnlyFieldListFilter))
    search_fields = ("key", "product__name", "variant__sku")
    list_select_related = ("product", "variant__product")
    date_hierarchy = "start_date"


# --- cancellation terms -----------------------------------------------------------------


class TierFormSet(BaseInlineFormSet):
    def tiers(self) -> list[Tier]:
        return [
            Tier(form.cleaned_data["min_days_before"], form.cleaned_data["refund_percent"])
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("min_days_before") is not None
            and form.cleaned_data.get("refund_percent") is not None
        ]

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        try:
            validate_tiers(self.tiers())
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None


class TierForm(forms.ModelForm):
    class Meta:
        model = CancellationTier
        fields = ("min_days_before", "refund_percent")

    def validate_unique(self) -> None:
        # The service replaces a policy's tiers as a set, so a tier may take the days of
        # one being replaced; repeats within the submitted set are refused by
        # validate_tiers in the formset.
        return


class CancellationTierInline(ScopedTabularInline):
    model = CancellationTier
    scope = TIER_INLINE_SCOPE
    form = TierForm
    formset = TierFormSet
    extra = 1
    fields = ("min_days_before", "refund_percent")


class CancellationPolicyForm(forms.ModelForm):
    class Meta:
        model = CancellationPolicy
        fields = ("shop", "product")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if "shop" in self.fields and (cleaned.get("shop") is None) == (
            cleaned.get("product") is None
        ):
            self.add_error(None, "A policy is for a shop (all its offers) or for one product.")
        return cleaned


@admin.register(CancellationPolicy)
class CancellationPolicyAdmin(ScopedModelAdmin):
    scope = POLICY_SCOPE
    form = CancellationPolicyForm
    list_display = ("__str__", "shop", "product", "tier_summary", "updated_at")
    list_filter = (("shop", RelatedOnlyFieldListFilter),)
    search_fields = ("shop__name", "product__name")
    list_select_related = ("shop", "product")
    autocomplete_fields = ("shop", "product")
    inlines = (CancellationTierInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).prefetch_related("tiers")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Whose policy it is stays fixed: the service finds a policy by its owner.
        return ("shop", "product", "updated_at") if obj is not None else ()

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return _only_tourism(field) if db_field.name == "product" else field

    @admin.display(description="Tiers")
    def tier_summary(self, obj: CancellationPolicy) -> str:
        return ", ".join(f"≥{t.min_days_before}d: {t.refund_percent}%" for t in obj.tiers.all())

    def save_model(
        self, request: HttpRequest, obj: CancellationPolicy, form: forms.ModelForm, change: bool
    ) -> None:
        # Nothing to save yet: the policy and its tiers are written together by
        # cancellation_policy_set in save_related, once the tier formset is at hand.
        return

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        tiers = [tier for formset in formsets for tier in formset.tiers()]
        policy = form.instance
        saved = services.cancellation_policy_set(
            actor=acting_user(request),
            tiers=tiers,
            shop=None if policy.product_id else policy.shop,
            product=policy.product if policy.product_id else None,
        )
        adopt(policy, saved)

    def construct_change_message(
        self, request: HttpRequest, form: Any, formsets: Any, add: bool = False
    ) -> list[dict[str, Any]]:
        # The tier formsets are not saved row by row (the service replaces them), so the
        # message says the tiers changed rather than listing rows.
        if add:
            return [{"added": {}}]
        fields = list(form.changed_data)
        if any(formset.has_changed() for formset in formsets):
            fields.append("tiers")
        return [{"changed": {"fields": fields}}] if fields else []

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # A policy's tiers go with it; they have no delete permission of their own because
        # they are never deleted one by one.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(str(CancellationTier._meta.verbose_name))
        return deleted, counts, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: CancellationPolicy) -> None:
        services.cancellation_policy_clear(
            actor=acting_user(request),
            shop=None if obj.product_id else obj.shop,
            product=obj.product if obj.product_id else None,
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for policy in queryset.select_related("shop", "product__shop"):
            self.delete_model(request, policy)


@admin.register(CancellationTier)
class CancellationTierAdmin(ReadOnlyMixin, ScopedModelAdmin):
    """Tiers are edited on their policy's page, where they are replaced as a whole."""

    scope = TIER_SCOPE
    list_display = ("policy", "owner", "min_days_before", "refund_percent")
    search_fields = ("policy__shop__name", "policy__product__name")
    list_select_related = ("policy__shop", "policy__product")

    @admin.display(description="For")
    def owner(self, obj: CancellationTier) -> str:
        return str(obj.policy.product or obj.policy.shop)
