"""The share register, distributions and payouts in the back office.

The register (members, shares, investors, agreements) is never edited row by row here:
its pages carry small forms (set a household's shares from a day on, register an investor,
set an investor's agreement) that call `collective_econ.shares.services`, which checks the
caller keeps the village's books and audits every change; refusals come back on the form.
Each member's and investor's page shows its history (who, when, why, before and after). A
distribution's change page carries its workflow steps (approve with the members'
assembly, file, mark paid) as buttons to small forms that call the distribution services,
whose refusals come back as messages, and links to the 收益及收益分配表 as a page and as
XLSX. Book-keepers draft a distribution, pay a household and retry a failed Alipay
transfer through forms calling the services; a books page links every visible village's
collective income statement and 收益及收益分配表 by year (with a distribution or not) and
every visible township's poverty-monitoring watch. Payouts are listed read-only with a
printable receipt. Scoping: a shop manager sees
their village's rows, a township officer the township's, a platform admin all.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.db.models import Q
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
    AccountKind,
    AgreementKind,
    CollectiveMember,
    Distribution,
    DistributionAllocation,
    DistributionEvent,
    DistributionStatus,
    Investor,
    InvestorAgreement,
    MemberShare,
    Payout,
    PayoutMethod,
    PayoutStatus,
    ShareRegisterChange,
)
from collective_econ.payouts import services as payout_services
from collective_econ.payouts.alipay_transfer import transfer_adapter_from_settings
from collective_econ.reports.cash import village_cash_balances
from collective_econ.reports.income_distribution import as_xlsx, income_distribution_statement
from collective_econ.shares import services as register_services
from collective_econ.shares.selectors import investor_balances
from collective_econ.statements.selectors import (
    collective_income_statement,
    households_near_poverty_line,
    statement_period,
)
from marketplace.accounts.permissions import (
    can_read_township_watch,
    can_read_village_books,
    can_view_household_personal_data,
    role_scopes,
)
from marketplace.divisions.models import Township, Village
from marketplace.organisations.models import Household
from marketplace.organisations.privacy import household_personal_data, mask_name

RETRYABLE = (PayoutStatus.FAILED, PayoutStatus.UNKNOWN)

VILLAGE_BOOKS = Scope(village_path="village", manager=Access.VIEW, officer=Access.VIEW)


class MemberShareInline(ReadOnlyInline):
    model = MemberShare
    scope = Scope(village_path="member__village", manager=Access.VIEW, officer=Access.VIEW)
    fields = ("shares", "valid_from", "valid_to")
    ordering = ("valid_from",)


class HouseholdChoice(forms.ModelChoiceField):
    """Households by reference only: the head's name is personal data."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.reference)


def kept_village_ids(request: HttpRequest) -> frozenset[int] | None:
    """Villages whose register the user keeps; None: every village (platform admin)."""
    scopes = role_scopes(acting_user(request))
    return None if scopes.is_platform_admin else scopes.managed_village_ids


def _in_kept_villages(rows: Any, request: HttpRequest, path: str) -> Any:
    ids = kept_village_ids(request)
    return rows if ids is None else rows.filter(**{f"{path}__in": ids})


_PERIOD_HELP = "YYYY-MM-DD"


class RegisterForm(forms.Form):
    """A register form; its choices follow the villages the requesting user keeps."""

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request


class KeptHouseholdForm(RegisterForm):
    """A form about one household of the villages whose books the user keeps."""

    household = HouseholdChoice(queryset=Household.objects.none())

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        households = _in_kept_villages(
            Household.objects.select_related("village").order_by("village_id", "reference"),
            request,
            "village_id",
        )
        self.fields["household"].queryset = households  # type: ignore[attr-defined]


class MemberSharesForm(KeptHouseholdForm):
    person_name = forms.CharField(
        max_length=32, required=False, help_text="One person of the household; empty: all of it."
    )
    shares = forms.CharField(max_length=32, help_text='Up to 4 decimals; "0" ends the holding.')
    valid_from = forms.DateField(label="Effective from", help_text=_PERIOD_HELP)
    valid_to = forms.DateField(
        label="Effective to", required=False, help_text="Exclusive; empty for an open period."
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=2000)


class KeptVillageForm(RegisterForm):
    """A form about one of the villages whose books the user keeps."""

    village = forms.ModelChoiceField(queryset=Village.objects.none())

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        villages = _in_kept_villages(Village.objects.order_by("code"), request, "pk")
        self.fields["village"].queryset = villages  # type: ignore[attr-defined]


class InvestorForm(KeptVillageForm):
    name = forms.CharField(max_length=128)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=2000)


class AgreementForm(RegisterForm):
    kind = forms.ChoiceField(choices=AgreementKind.choices)
    capital_amount = forms.CharField(max_length=32, help_text="Yuan, e.g. 20000.00")
    rate = forms.CharField(max_length=16, help_text="A fraction 0–1, e.g. 0.05")
    valid_from = forms.DateField(label="Effective from", help_text=_PERIOD_HELP)
    valid_to = forms.DateField(
        label="Effective to", required=False, help_text="Exclusive; empty for an open agreement."
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=2000)


class DistributionDraftForm(KeptVillageForm):
    year = forms.IntegerField(help_text="A closed accounting year.")
    reserve_fund_percent = forms.CharField(max_length=8, help_text="公积公益金, 0–100")
    welfare_fund_percent = forms.CharField(max_length=8, help_text="福利费, 0–100")
    member_amount = forms.CharField(
        max_length=32, required=False, help_text="Yuan to members; empty: all that is left."
    )
    record_date = forms.DateField(
        required=False, help_text="Shares held on this day count; empty: the year's last day."
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=2000)


class PayoutForm(KeptHouseholdForm):
    account_kind = forms.ChoiceField(
        choices=[
            (AccountKind.HOUSEHOLD, "Sales owed to the household"),
            (AccountKind.MEMBER, "Dividends owed to the member household"),
        ]
    )
    amount = forms.CharField(max_length=32, help_text="Yuan, e.g. 120.00")
    method = forms.ChoiceField(choices=PayoutMethod.choices)
    payee_logon_id = forms.CharField(max_length=100, required=False, help_text="Alipay only")
    payee_name = forms.CharField(max_length=64, required=False, help_text="Alipay only")
    receipt_number = forms.CharField(max_length=32, required=False, help_text="Cash only")
    memo = forms.CharField(max_length=255, required=False)
    # Drawn when the form is shown: posting the same form twice pays once.
    request_id = forms.CharField(widget=forms.HiddenInput, max_length=64)


class PayoutRetryForm(forms.Form):
    payee_logon_id = forms.CharField(
        max_length=100, required=False, help_text="A corrected Alipay login; empty: the same."
    )


def _refusal_onto(form: forms.Form, error: ValidationError) -> None:
    """A service's refusal shown on the field it names (or above the form)."""
    entries = error.error_dict.items() if hasattr(error, "error_dict") else [(None, error)]
    for field, problem in entries:
        form.add_error(field if field in form.fields else None, problem)


def history_table(rows: Any) -> str:
    """The register's changes of one member or investor, newest first."""
    if not rows:
        return "No changes recorded."
    return format_html(
        "<table><tr><th>When</th><th>What</th><th>Action</th><th>Before</th><th>After</th>"
        "<th>By</th><th>Why</th></tr>{}</table>",
        format_html_join(
            "",
            "<tr><td>{}</td><td>{} #{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            "<td>{}</td></tr>",
            (
                (
                    timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M"),
                    row.entity,
                    row.entity_id,
                    row.action,
                    row.before or "",
                    row.after or "",
                    row.actor or "",
                    row.reason,
                )
                for row in rows
            ),
        ),
    )


class RegisterFormPages:
    """A register form page: GET shows it, POST calls the service and goes back to the
    member's or investor's page (or shows the refusal on the form)."""

    def register_form_view(
        self: Any,
        request: HttpRequest,
        *,
        form_class: type[RegisterForm],
        title: str,
        run: Any,
        initial: dict[str, Any] | None = None,
        intro: str = "",
    ) -> HttpResponse:
        form = form_class(
            request.POST if request.method == "POST" else None, request=request, initial=initial
        )
        if form.is_valid():
            try:
                done = run(acting_user(request), form.cleaned_data)
            except ValidationError as error:
                _refusal_onto(form, error)
            else:
                messages.success(request, f"{title}: done.")
                return HttpResponseRedirect(
                    reverse(f"admin:collective_econ_{done._meta.model_name}_change", args=[done.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "form": form,
            "intro": intro,
        }
        return TemplateResponse(request, "backoffice/register_change.html", context)


def _may_keep_some_books(request: HttpRequest) -> bool:
    ids = kept_village_ids(request)
    return ids is None or bool(ids)


def _masked_snapshot(data: Any) -> Any:
    if isinstance(data, dict) and data.get("person_name"):
        return {**data, "person_name": mask_name(data["person_name"])}
    return data


@admin.register(CollectiveMember)
class CollectiveMemberAdmin(RegisterFormPages, ReadOnlyMixin, ScopedModelAdmin):
    """A member's person name is personal data: masked in the list, and on the member's
    page (and its history) unless the viewer is entitled to the household's data."""

    scope = VILLAGE_BOOKS
    list_display = ("pk", "village", "household", "masked_person_name", "created_at")
    list_select_related = ("village", "household")
    search_fields = ("household__reference",)
    inlines = (MemberShareInline,)
    change_list_template = "backoffice/register_change_list.html"

    def _entitled(self, request: HttpRequest, obj: CollectiveMember | None) -> bool:
        return obj is not None and can_view_household_personal_data(
            user=acting_user(request), household=obj.household
        )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return self.get_readonly_fields(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if self._entitled(request, obj):
            return ("village", "household", "person_name", "created_at", "change", "history")
        return ("village", "household", "masked_person_name", "created_at", "change")

    @admin.display(description="Person")
    def masked_person_name(self, obj: CollectiveMember) -> str:
        return mask_name(obj.person_name)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        extra = {
            "register_links": [
                (reverse("admin:backoffice_member_shares_set"), "Set a household's shares")
            ]
            if _may_keep_some_books(request)
            else []
        }
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    @admin.display(description="Change")
    def change(self, obj: CollectiveMember) -> str:
        url = reverse("admin:backoffice_member_shares_set")
        return format_html(
            '<a class="button" href="{}?member={}">Set shares from a day on</a>', url, obj.pk
        )

    @admin.display(description="History")
    def history(self, obj: CollectiveMember) -> str:
        """Shown to viewers entitled to the household's data only (see get_fields)."""
        share_ids = list(obj.shares.values_list("pk", flat=True))
        rows = ShareRegisterChange.objects.filter(village_id=obj.village_id).filter(
            Q(entity="MEMBER", entity_id=obj.pk) | Q(entity="MEMBER_SHARE", entity_id__in=share_ids)
        )
        return history_table(list(rows.select_related("actor")))

    def get_urls(self) -> list[Any]:
        own = [
            path(
                "set-shares/",
                self.admin_site.admin_view(self.shares_set_view),
                name="backoffice_member_shares_set",
            )
        ]
        return own + super().get_urls()

    def shares_set_view(self, request: HttpRequest) -> HttpResponse:
        initial: dict[str, Any] = {}
        member = self.get_queryset(request).filter(pk=_int(request.GET.get("member"))).first()
        if member is not None:
            initial = {"household": member.household_id, "person_name": member.person_name}

        def run(actor: Any, data: dict[str, Any]) -> CollectiveMember:
            household = data["household"]
            changed, _ = register_services.household_shares_set(
                actor=actor,
                village=household.village,
                household=household,
                person_name=data["person_name"],
                shares=data["shares"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                reason=data["reason"],
            )
            return changed

        return self.register_form_view(
            request,
            form_class=MemberSharesForm,
            title="Set a household's shares",
            run=run,
            initial=initial,
        )


def _int(raw: str | None) -> int:
    try:
        return int(raw or 0)
    except ValueError:
        return 0


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


class InvestorChangeList(ChangeList):
    """What the collective owes each investor of the page, in one pass."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        owed = investor_balances(investor_ids=[investor.pk for investor in self.result_list])
        for investor in self.result_list:
            investor.page_balance = owed[investor.pk]


@admin.register(Investor)
class InvestorAdmin(RegisterFormPages, ReadOnlyMixin, ScopedModelAdmin):
    scope = VILLAGE_BOOKS
    list_display = ("name", "village", "balance", "created_at")
    list_select_related = ("village",)
    readonly_fields = ("village", "name", "balance", "created_at", "change", "history")
    inlines = (InvestorAgreementInline,)
    change_list_template = "backoffice/register_change_list.html"

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        extra = {
            "register_links": [(reverse("admin:backoffice_investor_register"), "Add an investor")]
            if _may_keep_some_books(request)
            else []
        }
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return InvestorChangeList

    @admin.display(description="Owed (¥)")
    def balance(self, obj: Investor) -> Any:
        owed = getattr(obj, "page_balance", None)
        return owed if owed is not None else investor_balances(investor_ids=[obj.pk])[obj.pk]

    @admin.display(description="Change")
    def change(self, obj: Investor) -> str:
        url = reverse("admin:backoffice_investor_agreement_set", args=[obj.pk])
        return format_html('<a class="button" href="{}">Set the agreement from a day on</a>', url)

    @admin.display(description="History")
    def history(self, obj: Investor) -> str:
        agreement_ids = list(obj.agreements.values_list("pk", flat=True))
        rows = ShareRegisterChange.objects.filter(village_id=obj.village_id).filter(
            Q(entity="INVESTOR", entity_id=obj.pk)
            | Q(entity="INVESTOR_AGREEMENT", entity_id__in=agreement_ids)
        )
        return history_table(list(rows.select_related("actor")))

    def get_urls(self) -> list[Any]:
        own = [
            path(
                "register/",
                self.admin_site.admin_view(self.investor_register_view),
                name="backoffice_investor_register",
            ),
            path(
                "<int:pk>/agreement/",
                self.admin_site.admin_view(self.agreement_set_view),
                name="backoffice_investor_agreement_set",
            ),
        ]
        return own + super().get_urls()

    def investor_register_view(self, request: HttpRequest) -> HttpResponse:
        def run(actor: Any, data: dict[str, Any]) -> Investor:
            return register_services.investor_register(
                actor=actor, village=data["village"], name=data["name"], reason=data["reason"]
            )

        return self.register_form_view(
            request, form_class=InvestorForm, title="Add an investor", run=run
        )

    def agreement_set_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        investor = self.get_object(request, str(pk))
        assert isinstance(investor, Investor)

        def run(actor: Any, data: dict[str, Any]) -> Investor:
            register_services.investor_agreement_set(
                actor=actor,
                investor=investor,
                kind=data["kind"],
                capital_amount=data["capital_amount"],
                rate=data["rate"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                reason=data["reason"],
            )
            return investor

        return self.register_form_view(
            request, form_class=AgreementForm, title=f"Agreement of {investor.name}", run=run
        )


@admin.register(ShareRegisterChange)
class ShareRegisterChangeAdmin(ReadOnlyMixin, ScopedModelAdmin):
    """The whole register's log; a member's person name is masked in it (the member's own
    page shows it unmasked to those entitled)."""

    scope = VILLAGE_BOOKS
    list_display = ("at", "village", "entity", "entity_id", "action", "actor", "reason")
    list_select_related = ("village", "actor")
    list_filter = ("entity", "action")
    readonly_fields = (
        *(f.name for f in ShareRegisterChange._meta.fields if f.name not in ("before", "after")),
        "before_shown",
        "after_shown",
    )
    # Viewers without change rights would see every model field, raw snapshots included.
    fields = readonly_fields

    @admin.display(description="Before")
    def before_shown(self, obj: ShareRegisterChange) -> Any:
        return _masked_snapshot(obj.before)

    @admin.display(description="After")
    def after_shown(self, obj: ShareRegisterChange) -> Any:
        return _masked_snapshot(obj.after)


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


def _visible_villages(request: HttpRequest) -> Any:
    """Villages whose books the user reads (see can_read_village_books)."""
    scopes = role_scopes(acting_user(request))
    villages = Village.objects.select_related("township").order_by("township__name", "code")
    if scopes.is_platform_admin:
        return villages
    return villages.filter(
        Q(pk__in=scopes.managed_village_ids) | Q(township_id__in=scopes.overseen_township_ids)
    )


def _visible_townships(request: HttpRequest) -> Any:
    scopes = role_scopes(acting_user(request))
    townships = Township.objects.order_by("name")
    if scopes.is_platform_admin:
        return townships
    return townships.filter(pk__in=scopes.overseen_township_ids)


def _readable_village(request: HttpRequest, village_id: int) -> Village:
    village = Village.objects.filter(pk=village_id).first()
    if village is None or not can_read_village_books(
        user=acting_user(request), village_id=village.pk, township_id=village.township_id
    ):
        raise Http404("No such village visible to you.")
    return village


def _year_period(year: int) -> Any:
    try:
        return statement_period(year=year)
    except ValidationError as error:
        raise Http404(" ".join(error.messages)) from error


@admin.register(Distribution)
class DistributionAdmin(RegisterFormPages, ReadOnlyMixin, ScopedModelAdmin):
    """Besides the workflow: a form to draft a distribution (book-keepers), and the books
    of every visible village by year (its collective income statement, its
    收益及收益分配表 with or without a distribution) and of every visible township (the
    households near the poverty-monitoring line)."""

    scope = VILLAGE_BOOKS
    change_list_template = "backoffice/register_change_list.html"
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

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        links = [(reverse("admin:backoffice_books_index"), "Books by village and year")]
        if _may_keep_some_books(request):
            links.insert(
                0, (reverse("admin:backoffice_distribution_draft"), "Draft a distribution")
            )
        return super().changelist_view(request, {**(extra_context or {}), "register_links": links})

    def draft_view(self, request: HttpRequest) -> HttpResponse:
        def run(actor: Any, data: dict[str, Any]) -> Distribution:
            return services.distribution_create(
                actor=actor,
                village=data["village"],
                year=data["year"],
                reserve_fund_percent=data["reserve_fund_percent"],
                welfare_fund_percent=data["welfare_fund_percent"],
                member_amount=data["member_amount"] or None,
                record_date=data["record_date"],
                reason=data["reason"],
            )

        initial: dict[str, Any] = {"year": timezone.localdate().year - 1}
        village = _visible_villages(request).filter(pk=_int(request.GET.get("village"))).first()
        if village is not None:
            initial["village"] = village.pk
        if request.GET.get("year"):
            initial["year"] = _int(request.GET.get("year"))
        return self.register_form_view(
            request,
            form_class=DistributionDraftForm,
            title="Draft a distribution",
            run=run,
            initial=initial,
            intro="The draft is computed from the ledger and the share register: prior losses "
            "made up, then the funds at the percentages given, investors by their agreements, "
            "members by their shares. The members' assembly approves it next.",
        )

    def books_index_view(self, request: HttpRequest) -> HttpResponse:
        this_year = timezone.localdate().year
        years = list(range(this_year, this_year - 4, -1))
        villages = list(_visible_villages(request))
        drafted = set(
            Distribution.objects.filter(village__in=villages, year__in=years)
            .exclude(status=DistributionStatus.CANCELLED)
            .values_list("village_id", "year")
        )
        cash = village_cash_balances(villages=villages)
        rows = [
            (village, cash[village.pk], [(year, (village.pk, year) in drafted) for year in years])
            for village in villages
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Books by village and year",
            "opts": self.opts,
            "rows": rows,
            "townships": list(_visible_townships(request)),
            "years": years,
            "may_draft": _may_keep_some_books(request),
            "accounts_url": reverse("admin:collective_econ_account_changelist"),
        }
        return TemplateResponse(request, "backoffice/books_index.html", context)

    def income_view(self, request: HttpRequest, village_id: int, year: int) -> HttpResponse:
        village = _readable_village(request, village_id)
        statement = collective_income_statement(village=village, period=_year_period(year))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Collective income {village.name} {year}",
            "opts": self.opts,
            "statement": statement,
            "distribution_statement_url": reverse(
                "admin:backoffice_income_statement", args=[village.pk, year]
            ),
        }
        return TemplateResponse(request, "backoffice/collective_income.html", context)

    def poverty_watch_view(self, request: HttpRequest, township_id: int, year: int) -> HttpResponse:
        user = acting_user(request)
        township = Township.objects.filter(pk=township_id).first()
        if township is None or not can_read_township_watch(user=user, township_id=township.pk):
            raise Http404("No such township visible to you.")
        watch = households_near_poverty_line(township=township, year=_year_period(year).year)
        flagged = [
            (row, household_personal_data(household=row.household, viewer=user).head_name)
            for row in watch.flagged
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Households near the poverty-monitoring line: {township.name} {year}",
            "opts": self.opts,
            "watch": watch,
            "flagged": flagged,
        }
        return TemplateResponse(request, "backoffice/poverty_watch.html", context)

    def get_urls(self) -> list[Any]:
        pages: list[tuple[str, Callable[..., HttpResponse], str]] = [
            ("draft/", self.draft_view, "backoffice_distribution_draft"),
            ("books/", self.books_index_view, "backoffice_books_index"),
            (
                "income/<int:village_id>/<int:year>/",
                self.income_view,
                "backoffice_collective_income",
            ),
            (
                "poverty-watch/<int:township_id>/<int:year>/",
                self.poverty_watch_view,
                "backoffice_poverty_watch",
            ),
            ("<int:pk>/step/<str:step>/", self.step_view, "backoffice_distribution_step"),
            (
                "statement/<int:village_id>/<int:year>/",
                self.statement_view,
                "backoffice_income_statement",
            ),
        ]
        own = [
            path(route, self.admin_site.admin_view(view), name=name) for route, view, name in pages
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
        village = _readable_village(request, village_id)
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
class PayoutAdmin(RegisterFormPages, ReadOnlyMixin, ScopedModelAdmin):
    """Payouts are made and retried here through the payout services (which check the
    caller keeps the household's village's books); rows are never edited."""

    scope = Scope(village_path="household__village", manager=Access.VIEW, officer=Access.VIEW)
    change_list_template = "backoffice/register_change_list.html"
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
    readonly_fields = [f.name for f in Payout._meta.fields] + ["retry"]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        links = (
            [(reverse("admin:backoffice_payout_create"), "Pay a household")]
            if _may_keep_some_books(request)
            else []
        )
        return super().changelist_view(request, {**(extra_context or {}), "register_links": links})

    @admin.display(description="Retry")
    def retry(self, obj: Payout) -> str:
        if obj.method != PayoutMethod.ALIPAY or obj.status not in RETRYABLE:
            return "—"
        url = reverse("admin:backoffice_payout_retry", args=[obj.pk])
        return format_html('<a class="button" href="{}">Retry the transfer</a>', url)

    def create_view(self, request: HttpRequest) -> HttpResponse:
        def run(actor: Any, data: dict[str, Any]) -> Payout:
            household = data["household"]
            alipay = data["method"] == PayoutMethod.ALIPAY
            return payout_services.payout_create(
                actor=actor,
                village=household.village,
                household=household,
                account_kind=data["account_kind"],
                amount=data["amount"],
                method=data["method"],
                request_id=data["request_id"],
                adapter=transfer_adapter_from_settings() if alipay else None,
                payee_logon_id=data["payee_logon_id"],
                payee_name=data["payee_name"],
                receipt_number=data["receipt_number"] or None,
                memo=data["memo"],
            )

        return self.register_form_view(
            request,
            form_class=PayoutForm,
            title="Pay a household",
            run=run,
            initial={"request_id": f"backoffice:{uuid.uuid4().hex}"},
            intro="Paid from what the ledger owes the household, never more. Cash is paid "
            "from the Red Supermarket's till with its receipt number; an Alipay transfer is "
            "sent at once, and a failed one can be retried from its page.",
        )

    def retry_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        payout = self.get_object(request, str(pk))
        if not isinstance(payout, Payout):
            raise Http404("No such payout visible to you.")
        form = PayoutRetryForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                done = payout_services.payout_retry(
                    actor=acting_user(request),
                    payout=payout,
                    adapter=transfer_adapter_from_settings(),
                    payee_logon_id=form.cleaned_data["payee_logon_id"] or None,
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, f"Retried: {done.get_status_display()}.")
            return HttpResponseRedirect(
                reverse("admin:collective_econ_payout_change", args=[payout.pk])
            )
        context = {
            **self.admin_site.each_context(request),
            "title": "Retry the transfer",
            "opts": self.opts,
            "form": form,
            "intro": f"Payout of {payout.amount} 元 ({payout.get_status_display()}), sent again "
            f"with the same out_biz_no {payout.out_biz_no}: Alipay pays it at most once.",
        }
        return TemplateResponse(request, "backoffice/register_change.html", context)

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
            ),
            path(
                "pay/",
                self.admin_site.admin_view(self.create_view),
                name="backoffice_payout_create",
            ),
            path(
                "<int:pk>/retry/",
                self.admin_site.admin_view(self.retry_view),
                name="backoffice_payout_retry",
            ),
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
