"""The share register, distributions and payouts in the back office.

The register (members, shares, investors, agreements and its history) is read-only here:
it changes through `collective_econ.shares.services`, which audits every change. A
distribution's change page carries its workflow steps (approve with the members'
assembly, file, mark paid) as buttons to small forms that call the distribution services,
whose refusals come back as messages, and links to the 收益及收益分配表 as a page and as
XLSX. Payouts are listed read-only with a printable receipt. Scoping: a shop manager sees
their village's rows, a township officer the township's, a platform admin all.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from admin.scoping import (
    Access,
    ReadOnlyInline,
    ReadOnlyMixin,
    Scope,
    ScopedModelAdmin,
    acting_user,
)
from collective_econ.distribution import services
from collective_econ.models import (
    CollectiveMember,
    Distribution,
    DistributionAllocation,
    DistributionEvent,
    Investor,
    InvestorAgreement,
    MemberShare,
    Payout,
    ShareRegisterChange,
)
from collective_econ.reports.income_distribution import as_xlsx, income_distribution_statement
from marketplace.accounts.permissions import can_read_village_books
from marketplace.divisions.models import Village
from marketplace.organisations.privacy import household_personal_data

VILLAGE_BOOKS = Scope(village_path="village", manager=Access.VIEW, officer=Access.VIEW)


class MemberShareInline(ReadOnlyInline):
    model = MemberShare
    scope = Scope(village_path="member__village", manager=Access.VIEW, officer=Access.VIEW)
    fields = ("shares", "valid_from", "valid_to")
    ordering = ("valid_from",)


@admin.register(CollectiveMember)
class CollectiveMemberAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = VILLAGE_BOOKS
    list_display = ("pk", "village", "household", "person_name", "created_at")
    list_select_related = ("village", "household")
    search_fields = ("household__reference",)
    readonly_fields = ("village", "household", "person_name", "created_at")
    inlines = (MemberShareInline,)


@admin.register(MemberShare)
class MemberShareAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = Scope(village_path="member__village", manager=Access.VIEW, officer=Access.VIEW)
    list_display = ("member", "shares", "valid_from", "valid_to")
    list_select_related = ("member",)
    readonly_fields = ("member", "shares", "valid_from", "valid_to")


class InvestorAgreementInline(ReadOnlyInline):
    model = InvestorAgreement
    scope = Scope(village_path="investor__village", manager=Access.VIEW, officer=Access.VIEW)
    fields = ("kind", "capital_amount", "rate", "valid_from", "valid_to")
    ordering = ("valid_from",)


@admin.register(Investor)
class InvestorAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = VILLAGE_BOOKS
    list_display = ("name", "village", "created_at")
    list_select_related = ("village",)
    readonly_fields = ("village", "name", "created_at")
    inlines = (InvestorAgreementInline,)


@admin.register(ShareRegisterChange)
class ShareRegisterChangeAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = VILLAGE_BOOKS
    list_display = ("at", "village", "entity", "entity_id", "action", "actor", "reason")
    list_select_related = ("village", "actor")
    list_filter = ("entity", "action")
    readonly_fields = [f.name for f in ShareRegisterChange._meta.fields]


class AllocationInline(ReadOnlyInline):
    model = DistributionAllocation
    scope = Scope(village_path="distribution__village", manager=Access.VIEW, officer=Access.VIEW)
    fields = ("kind", "member", "investor", "weight", "amount")
    related = ("member", "investor")
    ordering = ("kind", "pk")


class EventInline(ReadOnlyInline):
    model = DistributionEvent
    scope = Scope(village_path="distribution__village", manager=Access.VIEW, officer=Access.VIEW)
    fields = ("at", "action", "from_status", "to_status", "actor", "reason")
    related = ("actor",)
    ordering = ("at", "pk")


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=2000)


class AssemblyForm(forms.Form):
    assembly_date = forms.DateField(help_text="YYYY-MM-DD", initial=timezone.localdate)
    attendance = forms.IntegerField(min_value=1, help_text="Members present.")
    resolution = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "cols": 60}))


def _approve(request: HttpRequest, row: Distribution, data: dict[str, Any]) -> Distribution:
    return services.distribution_approve(
        actor=acting_user(request),
        distribution=row,
        assembly_date=data["assembly_date"],
        attendance=data["attendance"],
        resolution=data["resolution"],
    )


def _file(request: HttpRequest, row: Distribution, data: dict[str, Any]) -> Distribution:
    return services.distribution_file(
        actor=acting_user(request), distribution=row, reason=data["reason"]
    )


def _pay(request: HttpRequest, row: Distribution, data: dict[str, Any]) -> Distribution:
    return services.distribution_pay(
        actor=acting_user(request), distribution=row, reason=data["reason"]
    )


def _with_reason(service: Any) -> Any:
    """A step form that asks only why, run by `service(actor, distribution, reason)`."""

    def run(request: HttpRequest, row: Distribution, data: dict[str, Any]) -> Distribution:
        return service(actor=acting_user(request), distribution=row, reason=data["reason"])

    return run


STEPS: dict[str, tuple[str, type[forms.Form], Any]] = {
    "approve": ("Record the members' assembly approval", AssemblyForm, _approve),
    "file": ("Review and file (township)", ReasonForm, _file),
    "pay": ("Mark paid", ReasonForm, _pay),
    "return": (
        "Send back to the village (township)",
        ReasonForm,
        _with_reason(services.distribution_return),
    ),
    "cancel": ("Cancel this draft", ReasonForm, _with_reason(services.distribution_cancel)),
}


@admin.register(InvestorAgreement)
class InvestorAgreementAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = Scope(village_path="investor__village", manager=Access.VIEW, officer=Access.VIEW)
    list_display = ("investor", "kind", "capital_amount", "rate", "valid_from", "valid_to")
    list_select_related = ("investor",)
    readonly_fields = [f.name for f in InvestorAgreement._meta.fields]


@admin.register(DistributionAllocation)
class DistributionAllocationAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = Scope(village_path="distribution__village", manager=Access.VIEW, officer=Access.VIEW)
    list_display = ("distribution", "kind", "member", "investor", "weight", "amount")
    list_select_related = ("distribution", "member", "investor")
    readonly_fields = [f.name for f in DistributionAllocation._meta.fields]


@admin.register(DistributionEvent)
class DistributionEventAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = Scope(village_path="distribution__village", manager=Access.VIEW, officer=Access.VIEW)
    list_display = ("distribution", "at", "action", "from_status", "to_status", "actor")
    list_select_related = ("distribution", "actor")
    readonly_fields = [f.name for f in DistributionEvent._meta.fields]


@admin.register(Distribution)
class DistributionAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = VILLAGE_BOOKS
    list_display = ("village", "year", "status", "distributable", "member_amount", "created_at")
    list_select_related = ("village",)
    list_filter = ("status", "year")
    readonly_fields = [f.name for f in Distribution._meta.fields] + ["workflow", "statement"]
    inlines = (AllocationInline, EventInline)

    @admin.display(description="Workflow")
    def workflow(self, obj: Distribution) -> str:
        return format_html_join(
            " ",
            '<a class="button" href="{}">{}</a>',
            (
                (reverse("admin:backoffice_distribution_step", args=[obj.pk, name]), label)
                for name, (label, _, _) in STEPS.items()
            ),
        )

    @admin.display(description="收益及收益分配表")
    def statement(self, obj: Distribution) -> str:
        url = reverse("admin:backoffice_income_statement", args=[obj.village_id, obj.year])
        return format_html('<a href="{}">page</a> · <a href="{}?format=xlsx">XLSX</a>', url, url)

    def get_urls(self) -> list[Any]:
        own = [
            path(
                "<int:pk>/step/<str:step>/",
                self.admin_site.admin_view(self.step_view),
                name="backoffice_distribution_step",
            ),
            path(
                "statement/<int:village_id>/<int:year>/",
                self.admin_site.admin_view(self.statement_view),
                name="backoffice_income_statement",
            ),
        ]
        return own + super().get_urls()

    def step_view(self, request: HttpRequest, pk: int, step: str) -> HttpResponse:
        if step not in STEPS:
            raise Http404("No such step.")
        row = self.get_object(request, str(pk))
        assert isinstance(row, Distribution)
        label, form_class, run = STEPS[step]
        form = form_class(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                run(request, row, form.cleaned_data)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, f"{label}: done.")
            return HttpResponseRedirect(
                reverse("admin:collective_econ_distribution_change", args=[pk])
            )
        context = {
            **self.admin_site.each_context(request),
            "title": label,
            "opts": self.opts,
            "distribution": row,
            "step_label": label,
            "form": form,
        }
        return TemplateResponse(request, "backoffice/distribution_step.html", context)

    def statement_view(self, request: HttpRequest, village_id: int, year: int) -> HttpResponse:
        village = Village.objects.filter(pk=village_id).first()
        if village is None or not can_read_village_books(
            user=acting_user(request), village_id=village.pk, township_id=village.township_id
        ):
            raise Http404("No such village visible to you.")
        statement = income_distribution_statement(village=village, year=year)
        if request.GET.get("format") == "xlsx":
            response = HttpResponse(
                as_xlsx(statement),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            response["Content-Disposition"] = (
                f'attachment; filename="income-distribution-{village.code}-{year}.xlsx"'
            )
            return response
        context = {
            **self.admin_site.each_context(request),
            "title": f"收益及收益分配表 {village.name} {year}",
            "opts": self.opts,
            "statement": statement,
            "xlsx_url": f"{request.path}?format=xlsx",
        }
        return TemplateResponse(request, "backoffice/income_distribution_statement.html", context)


@admin.register(Payout)
class PayoutAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = Scope(village_path="household__village", manager=Access.VIEW, officer=Access.VIEW)
    list_display = (
        "pk",
        "household",
        "account_kind",
        "amount",
        "method",
        "status",
        "failure_code",
        "receipt",
        "created_at",
    )
    list_select_related = ("household",)
    list_filter = ("status", "method", "account_kind")
    search_fields = ("=out_biz_no", "=receipt_number", "household__reference")
    readonly_fields = [f.name for f in Payout._meta.fields]

    @admin.display(description="Receipt")
    def receipt(self, obj: Payout) -> str:
        url = reverse("admin:backoffice_payout_receipt", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.receipt_number or "print")

    def get_urls(self) -> list[Any]:
        own = [
            path(
                "<int:pk>/receipt/",
                self.admin_site.admin_view(self.receipt_view),
                name="backoffice_payout_receipt",
            )
        ]
        return own + super().get_urls()

    def receipt_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        payout = self.get_object(request, str(pk))
        assert isinstance(payout, Payout)
        personal = household_personal_data(household=payout.household, viewer=acting_user(request))
        context = {
            **self.admin_site.each_context(request),
            "title": "Payout receipt",
            "opts": self.opts,
            "payout": payout,
            "village": payout.household.village,
            "head_name": personal.head_name,
        }
        return TemplateResponse(request, "backoffice/payout_receipt.html", context)
