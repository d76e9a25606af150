"""Agency services in the back office: the catalogue and providers (platform-wide, read
by managers and officers), orders, withdrawals, tickets and reconciliation (the
supermarket's shop and its township read them). Business rows are written by the agency
services only; the back office refreshes open orders and runs and clears reconciliation
through those services."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path as url_path
from django.urls import reverse
from django.utils import timezone

from admin.scoping import Access, ReadOnlyMixin, Scope, ScopedModelAdmin, acting_user
from marketplace.agency.manual_review import manual_review_resolve
from marketplace.agency.models import (
    AgencyOrder,
    AgencyProvider,
    CashWithdrawal,
    ManualReviewResolution,
    ReconciliationItem,
    ReconciliationRun,
    ReviewOutcome,
    ServiceItem,
    TicketBooking,
    WithdrawalCardDay,
)
from marketplace.agency.orders import agency_order_refresh
from marketplace.agency.reconciliation import reconciliation_item_clear, reconciliation_run
from marketplace.core.errors import PermissionRefused

CATALOGUE_SCOPE = Scope(reference=True)
SUPERMARKET_ROWS = Scope(shop_path="supermarket__shop", manager=Access.VIEW, officer=Access.VIEW)


@admin.register(AgencyProvider)
class AgencyProviderAdmin(ScopedModelAdmin):
    scope = CATALOGUE_SCOPE
    list_display = ("code", "name", "kind", "gateway", "sign_type", "is_active")
    list_filter = ("kind", "is_active")
    # The code is what settings (AGENCY_PROVIDERS) and the callback URL name; where the
    # provider is reached and how it signs are settings too, shown here, not edited.
    readonly_fields = ("code", "gateway", "sign_type")

    @admin.display(description="Gateway URL")
    def gateway(self, provider: AgencyProvider) -> str:
        return str(_provider_settings(provider).get("url") or "not configured")

    @admin.display(description="Signature")
    def sign_type(self, provider: AgencyProvider) -> str:
        return str(_provider_settings(provider).get("sign_type") or "HMAC-SHA256")


def _provider_settings(provider: AgencyProvider) -> dict[str, Any]:
    return dict(settings.AGENCY_PROVIDERS.get(provider.code, {}))


@admin.register(ServiceItem)
class ServiceItemAdmin(ScopedModelAdmin):
    scope = CATALOGUE_SCOPE
    list_display = (
        "code", "name", "category", "flow", "provider", "amount_min", "amount_max",
        "fee_rule", "fee_value", "commission_rate", "is_active",
    )  # fmt: skip
    list_filter = ("category", "flow", "provider", "is_active")
    search_fields = ("code", "name")
    list_select_related = ("provider",)
    readonly_fields = ("code", "flow", "input_fields")


def _report(modeladmin: admin.ModelAdmin, request: HttpRequest, label: str, call: Any) -> None:
    try:
        call()
    except PermissionRefused as exc:
        modeladmin.message_user(request, f"{label}: {exc.message}", messages.ERROR)
    except ValidationError as exc:
        modeladmin.message_user(request, f"{label}: {exc.messages[0]}", messages.ERROR)
    else:
        modeladmin.message_user(request, f"{label}: done.")


class ManualReviewActionForm(ActionForm):
    """The action bar with the reason a manual-review resolution must carry."""

    reason = forms.CharField(
        required=False, max_length=255, label="Reason (manual review)", strip=True
    )


class ResolvesManualReviewMixin:
    """Back-office actions settling rows in MANUAL_REVIEW through `manual_review_resolve`
    (which checks the role and the provider, and refuses a second resolution)."""

    action_form = ManualReviewActionForm

    def _resolve(self, request: HttpRequest, queryset: QuerySet[Any], outcome: str) -> None:
        reason = str(request.POST.get("reason") or "")
        for subject in queryset.select_related("supermarket__shop__village"):
            _report(
                self,  # type: ignore[arg-type]
                request,
                subject.request_id,
                lambda subject=subject: manual_review_resolve(
                    subject=subject, user=acting_user(request), outcome=outcome, reason=reason
                ),
            )

    @admin.action(description="Manual review: resolve the selected as succeeded")
    def resolve_as_succeeded(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._resolve(request, queryset, ReviewOutcome.SUCCESS)

    @admin.action(description="Manual review: resolve the selected as failed (refund)")
    def resolve_as_failed(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._resolve(request, queryset, ReviewOutcome.FAILED)


@admin.register(AgencyOrder)
class AgencyOrderAdmin(ResolvesManualReviewMixin, ReadOnlyMixin, ScopedModelAdmin):
    scope = SUPERMARKET_ROWS
    list_display = (
        "request_id", "supermarket", "item", "amount", "fee", "commission", "payment_method",
        "status", "query_attempts", "created_at",
    )  # fmt: skip
    list_filter = ("status", "payment_method", "item__category")
    search_fields = ("request_id", "provider_order_no", "out_trade_no")
    # The payment code is a one-time bearer token: kept off the back office.
    exclude = ("auth_code",)
    list_select_related = ("supermarket", "item")
    date_hierarchy = "created_at"
    actions = ("refresh_selected", "resolve_as_succeeded", "resolve_as_failed")

    @admin.action(description="Ask the provider again about the selected open orders")
    def refresh_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for order in queryset.select_related("supermarket", "item__provider"):
            _report(
                self,
                request,
                order.request_id,
                lambda order=order: agency_order_refresh(order=order, user=acting_user(request)),
            )


@admin.register(CashWithdrawal)
class CashWithdrawalAdmin(ResolvesManualReviewMixin, ReadOnlyMixin, ScopedModelAdmin):
    scope = SUPERMARKET_ROWS
    actions = ("resolve_as_succeeded", "resolve_as_failed")
    # The card number itself stays off the back office: the mask is enough to find a row.
    list_display = ("request_id", "supermarket", "card_masked", "amount", "status", "business_day")
    list_filter = ("status", "business_day")
    search_fields = ("request_id", "card_masked")
    list_select_related = ("supermarket",)
    exclude = ("card_number",)


@admin.register(WithdrawalCardDay)
class WithdrawalCardDayAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = Scope()
    list_display = ("business_day", "pk")
    exclude = ("card_number",)


class ReviewSubjectScope(Scope):
    """A resolution hangs off an order or a withdrawal (one of the two): it is in a user's
    scope when its subject is, whichever of the two it is."""

    def filter(self, queryset: QuerySet[Any], user: Any, *, for_edit: bool) -> QuerySet[Any]:
        of_withdrawal = replace(self, shop_path="withdrawal__supermarket__shop")
        return Scope.filter(self, queryset, user, for_edit=for_edit) | Scope.filter(
            of_withdrawal, queryset, user, for_edit=for_edit
        )


@admin.register(ManualReviewResolution)
class ManualReviewResolutionAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = ReviewSubjectScope(
        shop_path="order__supermarket__shop", manager=Access.VIEW, officer=Access.VIEW
    )
    list_display = ("pk", "order", "withdrawal", "outcome", "reason", "resolved_by", "resolved_at")
    list_filter = ("outcome",)
    list_select_related = ("order", "withdrawal", "resolved_by")


@admin.register(TicketBooking)
class TicketBookingAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = SUPERMARKET_ROWS
    list_display = (
        "booking_no", "supermarket", "item", "origin", "destination", "departure_at", "price",
        "status",
    )  # fmt: skip
    list_filter = ("status", "item")
    search_fields = ("booking_no", "ticket_no", "request_id")
    list_select_related = ("supermarket", "item")
    exclude = ("passenger_id_number",)


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = Scope(officer=Access.VIEW)
    list_display = (
        "business_day", "source", "theirs_count", "ours_count", "flagged_count",
        "new_items_count", "error", "started_at",
    )  # fmt: skip
    list_filter = ("source",)
    date_hierarchy = "started_at"
    actions = ("rerun_selected", "run_yesterday")

    @admin.action(description="Run the selected days and sources again")
    def rerun_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for run in queryset:
            _report(
                self,
                request,
                f"{run.business_day} {run.source}",
                lambda run=run: reconciliation_run(
                    day=run.business_day, source=run.source, user=acting_user(request)
                ),
            )

    @admin.action(description="Reconcile yesterday for every source")
    def run_yesterday(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        day = timezone.localdate() - timedelta(days=1)
        _report(
            self, request, str(day), lambda: reconciliation_run(day=day, user=acting_user(request))
        )

    # The "button" of the daily reconciliation: a day picker above the list, so a fresh
    # install with no runs yet (nothing to tick) can still be reconciled.
    change_list_template = "backoffice/reconciliation_run_change_list.html"

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        today = timezone.localdate()
        return super().changelist_view(
            request,
            {
                **(extra_context or {}),
                "reconcile_form": ReconcileDayForm(initial={"day": today - timedelta(days=1)}),
                "reconcile_today": today,
            },
        )

    def get_urls(self) -> list[Any]:
        return [
            url_path(
                "run-day/",
                self.admin_site.admin_view(self.run_day_view),
                name="agency_reconciliationrun_run_day",
            ),
            *super().get_urls(),
        ]

    def run_day_view(self, request: HttpRequest) -> HttpResponse:
        """POST a day: every source reconciled for it, the outcome as messages."""
        back = HttpResponseRedirect(reverse("admin:agency_reconciliationrun_changelist"))
        if request.method != "POST":
            return back
        form = ReconcileDayForm(request.POST)
        if not form.is_valid():
            self.message_user(request, "Choose a day to reconcile.", messages.ERROR)
            return back
        day = form.cleaned_data["day"]
        try:
            runs = reconciliation_run(day=day, user=acting_user(request))
        except PermissionRefused as exc:
            self.message_user(request, f"{day}: {exc.message}", messages.ERROR)
        except ValidationError as exc:
            self.message_user(request, f"{day}: {exc.messages[0]}", messages.ERROR)
        else:
            failed = [run for run in runs if run.error]
            summary = ", ".join(f"{run.source} {run.flagged_count}" for run in runs)
            self.message_user(request, f"{day} reconciled; differences per source: {summary}.")
            for run in failed:
                self.message_user(request, f"{run.source}: {run.error}", messages.WARNING)
        return back


class ReconcileDayForm(forms.Form):
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


@admin.register(ReconciliationItem)
class ReconciliationItemAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = SUPERMARKET_ROWS
    list_display = (
        "business_day", "source", "external_id", "kind", "supermarket", "ours_amount",
        "theirs_amount", "cleared",
    )  # fmt: skip
    list_filter = ("kind", "cleared", "source")
    search_fields = ("external_id",)
    list_select_related = ("supermarket",)
    actions = ("clear_selected",)

    @admin.action(description="Mark the selected differences as explained")
    def clear_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for item in queryset:
            _report(
                self,
                request,
                item.external_id,
                lambda item=item: reconciliation_item_clear(
                    item=item, user=acting_user(request), note="cleared in the back office"
                ),
            )
