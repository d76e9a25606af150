"""Township supervision in the back office: the approval queue, certification claims
(approve or reject with a reason), complaints (resolve), the periodic reports (values,
XLSX and PDF downloads, filing upwards), red-flag rankings and their history, scoring
formulas, the administrator roster, reminders and administrator activity.

Every row here is written by `marketplace.supervision` services; these pages list, show
and call those services. Reports and rankings belong to a township (or county), not to a
shop or village, so their admins scope rows by township themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from admin.scoping import (
    PLATFORM_ONLY,
    Access,
    CreatesThroughServiceMixin,
    ReadOnlyInline,
    ReadOnlyMixin,
    Scope,
    ScopedModelAdmin,
    acting_user,
)
from marketplace.accounts.permissions import role_scopes
from marketplace.activity.models import AdministratorActivityDay
from marketplace.activity.services import activity_record_login
from marketplace.core.errors import PermissionRefused
from marketplace.organisations.models import Shop
from marketplace.supervision.claims import claim_decide
from marketplace.supervision.complaints import (
    complaint_file,
    complaint_resolve,
    may_record_complaints_about,
)
from marketplace.supervision.exports import report_pdf, report_xlsx
from marketplace.supervision.models import (
    AdministratorAppointment,
    CertificationClaim,
    ClaimEvent,
    ClaimEvidence,
    ComplainantKind,
    Complaint,
    PeriodicReport,
    RedFlagEntry,
    RedFlagRanking,
    Reminder,
    ReportFiling,
    ReportValue,
    ScoringFormula,
)
from marketplace.supervision.queues import approval_queue, platform_approval_queue
from marketplace.supervision.red_flag import formula_versions
from marketplace.supervision.reports import report_file

SHOP_ROWS = Scope(shop_path="shop", manager=Access.VIEW, officer=Access.VIEW)
VILLAGE_ROWS = Scope(village_path="village", officer=Access.VIEW)


def _admin_login_recorded(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    # Django's admin login view offers no other seam than this signal; the token login
    # records through `accounts.services` directly.
    activity_record_login(user_id=user.pk)


user_logged_in.connect(_admin_login_recorded, dispatch_uid="supervision-admin-login-activity")


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "cols": 60}), max_length=2000)


def refusal_text(error: ValidationError | PermissionRefused) -> str:
    """A service's refusal as the back office shows it: each message led by its code as
    the API names it (OWN_REQUEST, EXPIRED, ...), so a page and a client say the same."""
    if isinstance(error, PermissionRefused):
        return error.message
    entries = (
        [e for errors in error.error_dict.values() for e in errors]
        if hasattr(error, "error_dict")
        else error.error_list
    )
    return " ".join(
        f"{e.code.upper()}: {' '.join(e.messages)}" if e.code else " ".join(e.messages)
        for e in entries
    )


def reason_action(
    *, name: str, label: str, run: Callable[[HttpRequest, Any, str], Any]
) -> Callable[..., TemplateResponse | None]:
    """An admin action that asks for a reason, then runs `run` per selected row and
    reports each refusal by row."""

    def action(
        modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]
    ) -> TemplateResponse | None:
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            done = 0
            for row in queryset.order_by("pk"):
                try:
                    run(request, row, form.cleaned_data["reason"])
                except (ValidationError, PermissionRefused) as error:
                    messages.error(request, f"{row}: {refusal_text(error)}")
                else:
                    done += 1
            if done:
                messages.success(request, f"{label}: {done} done.")
            return None
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": f"{label}: give a reason",
            "opts": modeladmin.opts,
            "label": label,
            "action_name": name,
            "rows": list(queryset),
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "backoffice/supervision_reason.html", context)

    action.__name__ = name
    return admin.action(description=label)(action)


# --- the approval queue and certification claims ----------------------------------------


class ClaimEvidenceInline(ReadOnlyInline):
    model = ClaimEvidence
    fields = ("original_name", "content_type", "size", "sha256", "file", "uploaded_at")
    scope = Scope(shop_path="claim__shop", manager=Access.VIEW, officer=Access.VIEW)


class ClaimEventInline(ReadOnlyInline):
    model = ClaimEvent
    fields = ("created_at", "actor", "from_status", "to_status", "reason")
    related = ("actor",)
    scope = Scope(shop_path="claim__shop", manager=Access.VIEW, officer=Access.VIEW)


@admin.register(CertificationClaim)
class CertificationClaimAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = SHOP_ROWS
    list_display = ("number", "kind", "product", "shop", "status", "filed_at", "due_on")
    list_filter = ("status", "kind")
    search_fields = ("number", "issuer", "product__name", "shop__name")
    list_select_related = ("product", "shop")
    inlines = (ClaimEvidenceInline, ClaimEventInline)
    actions = (
        reason_action(
            name="claim_approve",
            label="Approve claim",
            run=lambda request, claim, reason: claim_decide(
                officer=acting_user(request), claim=claim, approve=True, reason=reason
            ),
        ),
        reason_action(
            name="claim_reject",
            label="Reject claim",
            run=lambda request, claim, reason: claim_decide(
                officer=acting_user(request), claim=claim, approve=False, reason=reason
            ),
        ),
    )

    def get_urls(self) -> list[Any]:
        return [
            path(
                "queue/",
                self.admin_site.admin_view(self.queue_view),
                name="supervision_approval_queue",
            ),
            *super().get_urls(),
        ]

    def queue_view(self, request: HttpRequest) -> TemplateResponse:
        """The approval queue of the caller's townships: shop applications (reviewed on
        the shop page's actions) and claims (reviewed here), by due date."""
        scopes = role_scopes(acting_user(request))
        if not (scopes.is_platform_admin or scopes.is_bureau_officer):
            raise Http404("The approval queue is for township officers.")
        township_ids = None if scopes.is_platform_admin else scopes.overseen_township_ids
        context = {
            **self.admin_site.each_context(request),
            "title": "Approval queue (待审批事项)",
            "opts": self.opts,
            "items": approval_queue(township_ids=township_ids),
            # The platform admins' own step: recommended shops awaiting their approval.
            "platform_items": platform_approval_queue() if scopes.is_platform_admin else [],
        }
        return TemplateResponse(request, "backoffice/supervision_queue.html", context)


@admin.register(ClaimEvidence)
class ClaimEvidenceAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = Scope(shop_path="claim__shop", manager=Access.VIEW, officer=Access.VIEW)
    list_display = ("original_name", "claim", "content_type", "size", "uploaded_at")
    list_select_related = ("claim",)


@admin.register(ClaimEvent)
class ClaimEventAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = Scope(shop_path="claim__shop", manager=Access.VIEW, officer=Access.VIEW)
    list_display = ("claim", "from_status", "to_status", "actor", "created_at")
    list_select_related = ("claim", "actor")


# --- complaints -----------------------------------------------------------------------------


class ComplaintAddForm(forms.ModelForm):
    """An officer records a complaint a villager brought to the bureau about a shop of the
    township; the shop list holds only those shops."""

    class Meta:
        model = Complaint
        fields = ("shop", "complainant_kind", "subject", "details")

    acting: Any = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        shop = cleaned.get("shop")
        if shop is not None and not may_record_complaints_about(self.acting, shop):
            self.add_error(
                "shop", f"PERMISSION_DENIED: you may not record complaints about {shop}."
            )
        return cleaned


@admin.register(Complaint)
class ComplaintAdmin(CreatesThroughServiceMixin, ReadOnlyMixin, ScopedModelAdmin):
    scope = SHOP_ROWS
    list_display = ("subject", "shop", "complainant_kind", "status", "filed_at", "resolved_at")
    list_filter = ("status", "complainant_kind")
    search_fields = ("subject", "shop__name")
    list_select_related = ("shop",)
    actions = (
        reason_action(
            name="complaint_resolve",
            label="Resolve complaint",
            run=lambda request, complaint, reason: complaint_resolve(
                actor=acting_user(request), complaint=complaint, resolution=reason
            ),
        ),
    )

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # Township officers record villagers' complaints here; buyers use `complaintCreate`.
        if not getattr(request.user, "is_staff", False):
            return False
        scopes = role_scopes(acting_user(request))
        return scopes.is_platform_admin or bool(scopes.township_ids)

    def get_form(
        self, request: HttpRequest, obj: Any | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is not None:
            return super().get_form(request, obj, change, **kwargs)
        base = super().get_form(request, obj, change, form=ComplaintAddForm, **kwargs)
        # A form class per request, so the acting officer never leaks into another request.
        return type("ComplaintAddFormFor", (base,), {"acting": acting_user(request)})

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        if obj is None:
            return ComplaintAddForm.Meta.fields
        return super().get_fields(request, obj)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"complainant_kind": ComplainantKind.VILLAGER}

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "shop":
            scopes = role_scopes(acting_user(request))
            shops = Shop.objects.select_related("village__township").order_by("name")
            if not scopes.is_platform_admin:
                shops = shops.filter(village__township_id__in=scopes.township_ids)
            kwargs["queryset"] = shops
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Model:
        return complaint_file(
            filed_by=acting_user(request),
            shop=data["shop"],
            complainant_kind=data["complainant_kind"],
            subject=data["subject"],
            details=data.get("details", ""),
        )


# --- reports and the red flag: scoped by township ---------------------------------------------


class TownshipScopedAdmin(ReadOnlyMixin, ScopedModelAdmin):
    """Rows of a township (or county): bureau officers read their oversight's rows."""

    scope = Scope(officer=Access.VIEW)
    township_path = "township"
    county_path: str | None = "county"

    def _visible(self, queryset: QuerySet[Any], request: HttpRequest) -> QuerySet[Any]:
        scopes = role_scopes(acting_user(request))
        if scopes.is_platform_admin:
            return queryset
        condition = Q(**{f"{self.township_path}__in": scopes.overseen_township_ids})
        if self.county_path:
            condition |= Q(**{f"{self.county_path}__in": scopes.county_ids})
        return queryset.filter(condition)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        if self.scope.access(request.user) < Access.VIEW:
            return super().get_queryset(request).none()
        return self._visible(admin.ModelAdmin.get_queryset(self, request), request)

    def in_scope(self, request: HttpRequest, obj: Model, *, for_edit: bool) -> bool:
        if for_edit:
            return False
        rows = type(obj)._default_manager.filter(pk=obj.pk)
        return self._visible(rows, request).exists()


class ReportValueInline(ReadOnlyInline):
    model = ReportValue
    fields = ("position", "indicator_code", "value", "previous_value", "status")
    scope = PLATFORM_ONLY

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # Shown under a report the caller may already see.
        return True


@admin.register(PeriodicReport)
class PeriodicReportAdmin(TownshipScopedAdmin):
    list_display = ("__str__", "scope_kind", "period_kind", "period_start", "filed", "downloads")
    list_filter = ("period_kind", "scope_kind")
    list_select_related = ("township", "county", "filing")
    # On the report's own page too, beside its values.
    readonly_fields = ("filed", "downloads")
    inlines = (ReportValueInline,)
    actions = (
        reason_action(
            name="report_file_upwards",
            label="File upwards to the county",
            run=lambda request, report, note: report_file(
                officer=acting_user(request), report=report, note=note
            ),
        ),
    )

    @admin.display(description="Filed")
    def filed(self, obj: PeriodicReport) -> str:
        filing = getattr(obj, "filing", None)
        return f"{filing.filed_at:%Y-%m-%d}" if filing else "—"

    @admin.display(description="Download")
    def downloads(self, obj: PeriodicReport) -> str:
        return format_html(
            '<a href="{}">XLSX</a> · <a href="{}">PDF</a>',
            reverse("admin:supervision_report_download", args=[obj.pk, "xlsx"]),
            reverse("admin:supervision_report_download", args=[obj.pk, "pdf"]),
        )

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:pk>/download/<str:fmt>/",
                self.admin_site.admin_view(self.download_view),
                name="supervision_report_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
        report = self.get_queryset(request).filter(pk=pk).first()
        if report is None or fmt not in ("xlsx", "pdf"):
            raise Http404("No such report visible to you.")
        if fmt == "pdf":
            response = HttpResponse(report_pdf(report), content_type="application/pdf")
        else:
            response = HttpResponse(
                report_xlsx(report),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = (
            f'attachment; filename="report-{report.pk}-{report.period_label}.{fmt}"'
        )
        return response


@admin.register(ReportValue)
class ReportValueAdmin(TownshipScopedAdmin):
    township_path = "report__township"
    county_path = "report__county"
    list_display = ("report", "indicator_code", "value", "previous_value", "status")
    list_filter = ("status",)
    list_select_related = ("report__township", "report__county")


@admin.register(ReportFiling)
class ReportFilingAdmin(TownshipScopedAdmin):
    township_path = "report__township"
    county_path = "report__township__county"
    list_display = ("report", "filed_by", "filed_at")
    list_select_related = ("report__township", "filed_by")


class RedFlagEntryInline(ReadOnlyInline):
    model = RedFlagEntry
    fields = ("rank", "village", "score", "awarded", "missing", "components")
    related = ("village",)
    scope = PLATFORM_ONLY

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return True


def _formula_text(formula: ScoringFormula) -> str:
    """The version's weights and rules, as published (`formula_versions`)."""
    published = next(p for p in formula_versions() if p.formula.pk == formula.pk)
    weights = "; ".join(
        f"{code} × {formula.weights[code]}: {text}" for code, text in published.indicators.items()
    )
    until = f" until {published.effective_until:%Y-%m-%d}" if published.effective_until else ""
    return (
        f"v{formula.version}, in force from {published.effective_from:%Y-%m-%d}{until}. "
        f"Components: {weights}. {published.normalisation_rule} "
        f"Missing data: {published.missing_data_rule} Ties: {published.tie_rule}"
    )


@admin.register(RedFlagRanking)
class RedFlagRankingAdmin(TownshipScopedAdmin):
    county_path = "township__county"
    list_display = ("quarter_label", "township", "formula_version", "computed_at")
    list_filter = ("township",)
    list_select_related = ("township", "formula")
    readonly_fields = ("formula_used",)
    inlines = (RedFlagEntryInline,)

    @admin.display(description="formula", ordering="formula__version")
    def formula_version(self, obj: RedFlagRanking) -> str:
        url = reverse("admin:supervision_scoringformula_change", args=[obj.formula_id])
        return format_html('<a href="{}">v{}</a>', url, obj.formula.version)

    @admin.display(description="formula used")
    def formula_used(self, obj: RedFlagRanking) -> str:
        url = reverse("admin:supervision_scoringformula_change", args=[obj.formula_id])
        return format_html('<a href="{}">{}</a>', url, _formula_text(obj.formula))


@admin.register(RedFlagEntry)
class RedFlagEntryAdmin(TownshipScopedAdmin):
    township_path = "ranking__township"
    county_path = "ranking__township__county"
    list_display = ("ranking", "rank", "village", "score", "awarded")
    list_filter = ("awarded",)
    list_select_related = ("ranking__township", "village")


@admin.register(ScoringFormula)
class ScoringFormulaAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = Scope(reference=True)
    list_display = ("version", "published_at")
    fields = ("version", "published_at", "weights", "rules")
    readonly_fields = ("rules",)

    @admin.display(description="published rules")
    def rules(self, obj: ScoringFormula) -> str:
        return _formula_text(obj)


# --- the roster, reminders, activity --------------------------------------------------------


@admin.register(AdministratorAppointment)
class AdministratorAppointmentAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = VILLAGE_ROWS
    list_display = (
        "village",
        "post",
        "station",
        "red_supermarket",
        "administrator",
        "effective_from",
        "effective_until",
        "criteria_failed",
    )
    list_filter = ("post",)
    search_fields = ("village__name", "administrator__email")
    list_select_related = ("village", "administrator", "station", "red_supermarket")


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = PLATFORM_ONLY
    list_display = ("kind", "business_key", "recipient", "due_at", "sent_at")
    list_filter = ("kind",)
    list_select_related = ("recipient",)


@admin.register(AdministratorActivityDay)
class AdministratorActivityDayAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = PLATFORM_ONLY
    list_display = ("day", "user", "logins", "updates")
    list_select_related = ("user",)
