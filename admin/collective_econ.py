"""The ledger in the back office: accounts, journal transactions with their postings,
period closes and snapshots, read-only for everyone (money moves only through the
collective_econ services). Platform admins alone get the services' forms: close a month,
reverse a transaction with a reason, post a balanced manual entry, set a channel's
platform fee (each audited or recorded with its author). A platform admin sees
everything; a shop manager sees the accounts of their village (its collective, funds,
till, shop and households) and the transactions touching them; a township officer
those of the township's villages. Consignment agreements and poverty-monitoring lines
are set by platform admins.

Accounts list with their balances (one query per page, from the period-close snapshot),
and a household account links to the household's statement page (per year or month):
readable by whoever reads the household's village's books, and by the household itself;
the head's name is masked unless the viewer is entitled to it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, reverse
from django.urls import path as url_path
from django.utils import timezone
from django.utils.html import format_html

from admin.scoping import (
    PLATFORM_ONLY,
    Access,
    ReadOnlyInline,
    ReadOnlyMixin,
    Scope,
    ScopedModelAdmin,
    acting_user,
)
from collective_econ.ledger.selectors import account_balances
from collective_econ.ledger.services import (
    journal_entry_manual,
    month_end_before,
    period_close_create,
    transaction_reverse,
)
from collective_econ.models import (
    Account,
    AccountKind,
    BalanceSnapshot,
    ConsignmentAgreement,
    JournalTransaction,
    PeriodClose,
    PlatformFeeRate,
    Posting,
    PovertyMonitoringLine,
)
from collective_econ.settlement.services import platform_fee_rate_set
from collective_econ.statements.selectors import household_statement, statement_period
from marketplace.accounts.permissions import (
    RoleScopes,
    can_read_household_statement,
    household_reached_by_grant,
    role_scopes,
)
from marketplace.channels.models import Channel
from marketplace.organisations.models import Household
from marketplace.organisations.privacy import (
    IncomeReadRefused,
    household_incomes_read,
    household_personal_data,
)

# An account's village is reached through one of four columns, by its kind (a CHECK keeps
# exactly one set).
_VILLAGE_OF_ACCOUNT = ("village", "household__village", "shop__village", "investor__village")


@dataclass(frozen=True)
class LedgerScope(Scope):
    """Rows reached through an account (`account_path`), scoped by the account's village."""

    account_path: str = ""
    via_postings: bool = False

    def _by_village(self, suffix: str, ids: Any) -> Q:
        prefix = f"{self.account_path}__" if self.account_path else ""
        q = Q()
        for path in _VILLAGE_OF_ACCOUNT:
            q |= Q(**{f"{prefix}{path}{suffix}": ids})
        if self.via_postings:
            # A transaction is seen when one of its postings is: a subquery, not a join,
            # so a transaction with several visible legs is listed once.
            return Q(pk__in=Posting.objects.filter(q).values("transaction_id"))
        return q

    def _manager_q(self, scopes: RoleScopes) -> Q | None:
        return self._by_village("__in", scopes.managed_village_ids)

    def _officer_q(self, scopes: RoleScopes, *, for_edit: bool = False) -> Q | None:
        return self._by_village(
            "__township__in", scopes.township_ids if for_edit else scopes.overseen_township_ids
        )


ACCOUNT_SCOPE = LedgerScope(manager=Access.VIEW, officer=Access.VIEW)
POSTING_SCOPE = LedgerScope(account_path="account", manager=Access.VIEW, officer=Access.VIEW)
TRANSACTION_SCOPE = LedgerScope(
    account_path="account", via_postings=True, manager=Access.VIEW, officer=Access.VIEW
)


class PostingInline(ReadOnlyInline):
    model = Posting
    scope = POSTING_SCOPE
    fields = ("account", "amount", "currency")
    related = ("account",)
    ordering = ("pk",)


class AccountChangeList(ChangeList):
    """Balances of the page's accounts in one pass (snapshot plus later postings)."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        balances = account_balances(accounts=self.result_list)
        for account in self.result_list:
            account.page_balance = balances[account.pk]


@admin.register(Account)
class AccountAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = ACCOUNT_SCOPE
    list_display = (
        "pk",
        "kind",
        "household",
        "village",
        "shop",
        "investor",
        "balance",
        "statement",
    )
    list_filter = ("kind",)
    list_select_related = ("household", "village", "shop", "investor")
    search_fields = ("=pk", "household__reference", "village__name", "shop__name", "investor__name")
    readonly_fields = [f.name for f in Account._meta.fields]

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return AccountChangeList

    @admin.display(description="Balance (Dr − Cr, ¥)")
    def balance(self, obj: Account) -> Any:
        return getattr(obj, "page_balance", "")

    @admin.display(description="Statement")
    def statement(self, obj: Account) -> Any:
        if obj.kind != AccountKind.HOUSEHOLD or obj.household_id is None:
            return ""
        url = reverse("admin:collective_econ_household_statement", args=[obj.household_id])
        return format_html('<a href="{}">statement</a>', url)

    def get_urls(self) -> list[URLPattern]:
        return [
            url_path(
                "statement/<int:household_id>/",
                self.admin_site.admin_view(self.household_statement_view),
                name="collective_econ_household_statement",
            ),
            *super().get_urls(),
        ]

    def household_statement_view(self, request: HttpRequest, household_id: int) -> HttpResponse:
        household = (
            Household.objects.select_related("village__township").filter(pk=household_id).first()
        )
        user = acting_user(request)
        if (
            household is None
            or user is None
            or not (
                can_read_household_statement(user=user, household=household)
                or household_reached_by_grant(user=user, household=household)
            )
        ):
            raise Http404("No such household statement.")
        now = timezone.localtime()
        try:
            year = int(request.GET.get("year") or now.year)
            month = int(request.GET["month"]) if request.GET.get("month") else None
            period = statement_period(year=year, month=month)
        except (ValueError, ValidationError):
            year, month = now.year, None
            period = statement_period(year=year)
            self.message_user(request, "That is not a period: showing this year.", "warning")
        first_day, last_day = period.days_shown()
        try:
            household_incomes_read(
                households=[household], viewer=user, first_day=first_day, last_day=last_day
            )
        except IncomeReadRefused:
            # Only a data request's holder gets this far and is refused: its period does
            # not hold the days asked.
            raise PermissionDenied(
                f"Your data request does not cover {first_day} to {last_day}: a statement is "
                "read through a request only for months inside its data period."
            ) from None
        statement = household_statement(household=household, period=period)
        return TemplateResponse(
            request,
            "backoffice/household_statement.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Household {household.reference}: statement {year}"
                + (f"-{month:02d}" if month else ""),
                "opts": self.opts,
                "statement": statement,
                "personal": household_personal_data(household=household, viewer=user),
                "year": year,
                "month": month,
                "months": range(1, 13),
                "years": range(now.year - 4, now.year + 1),
            },
        )


MANUAL_ENTRY_ROWS = 6


class ReversalForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=255,
        help_text="Kept as the reversal's memo and in the audit log.",
    )


class ManualEntryForm(forms.Form):
    """A balanced entry typed in: up to MANUAL_ENTRY_ROWS (account id, signed amount)
    rows; the ledger service checks every account and amount and that they balance."""

    memo = forms.CharField(max_length=255, help_text="Why this entry is needed.")
    # Drawn when the form is shown: posting the same form twice posts once.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(MANUAL_ENTRY_ROWS):
            self.fields[f"account_{i}"] = forms.CharField(
                label=f"Account id {i + 1}", max_length=20, required=False
            )
            self.fields[f"amount_{i}"] = forms.CharField(
                label=f"Amount {i + 1}",
                max_length=20,
                required=False,
                help_text="Positive debits, negative credits." if i == 0 else "",
            )

    def postings(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        return [
            (data[f"account_{i}"], data[f"amount_{i}"])
            for i in range(MANUAL_ENTRY_ROWS)
            if data[f"account_{i}"] or data[f"amount_{i}"]
        ]


def _require_platform_admin(request: HttpRequest) -> Any:
    """Corrections and closes span every village's books: platform admins only."""
    user = acting_user(request)
    if not role_scopes(user).is_platform_admin:
        raise PermissionDenied("Only platform admins correct or close the books.")
    return user


@admin.register(JournalTransaction)
class JournalTransactionAdmin(ReadOnlyMixin, ScopedModelAdmin):
    """Read-only like every ledger row; platform admins correct the books from here with a
    reversing transaction (a reason required) or a balanced manual entry. Both go through
    the ledger services, which audit them; nothing posted is ever edited."""

    scope = TRANSACTION_SCOPE
    list_display = ("pk", "kind", "idempotency_key", "posted_at", "order_line", "memo")
    list_filter = ("kind",)
    search_fields = ("=idempotency_key", "memo")
    readonly_fields = [f.name for f in JournalTransaction._meta.fields]
    inlines = (PostingInline,)
    change_list_template = "backoffice/register_change_list.html"
    change_form_template = "backoffice/journal_transaction_change.html"

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        links = (
            [(reverse("admin:backoffice_journal_manual_entry"), "Post a manual entry")]
            if role_scopes(acting_user(request)).is_platform_admin
            else []
        )
        return super().changelist_view(request, {**(extra_context or {}), "register_links": links})

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        extra = {}
        if role_scopes(acting_user(request)).is_platform_admin:
            extra["reverse_url"] = reverse("admin:backoffice_journal_reverse", args=[object_id])
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def get_urls(self) -> list[URLPattern]:
        return [
            url_path(
                "manual-entry/",
                self.admin_site.admin_view(self.manual_entry_view),
                name="backoffice_journal_manual_entry",
            ),
            url_path(
                "<int:pk>/reverse/",
                self.admin_site.admin_view(self.reverse_view),
                name="backoffice_journal_reverse",
            ),
            *super().get_urls(),
        ]

    def _form_page(self, request: HttpRequest, title: str, form: forms.Form) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "form": form,
            "intro": "Posted entries are never edited: a mistake is corrected by a new entry, "
            "recorded with your name in the audit log. A manual entry's amounts must sum to "
            "zero.",
        }
        return TemplateResponse(request, "backoffice/register_change.html", context)

    def reverse_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = _require_platform_admin(request)
        original = JournalTransaction.objects.filter(pk=pk).first()
        if original is None:
            raise Http404("No such journal transaction.")
        form = ReversalForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                entry = transaction_reverse(
                    journal_transaction=original, memo=form.cleaned_data["reason"], actor=user
                )
            except ValidationError as error:
                for problem in error.messages:
                    form.add_error(None, problem)
            else:
                messages.success(request, f"{original.idempotency_key} reversed.")
                return HttpResponseRedirect(
                    reverse("admin:collective_econ_journaltransaction_change", args=[entry.pk])
                )
        return self._form_page(request, f"Reverse {original.idempotency_key}", form)

    def manual_entry_view(self, request: HttpRequest) -> HttpResponse:
        user = _require_platform_admin(request)
        form = ManualEntryForm(
            request.POST if request.method == "POST" else None,
            initial={"idempotency_key": f"backoffice:{uuid.uuid4().hex}"},
        )
        if form.is_valid():
            try:
                entry = journal_entry_manual(
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    postings=form.postings(),
                    memo=form.cleaned_data["memo"],
                    actor=user,
                )
            except ValidationError as error:
                for problem in error.messages:
                    form.add_error(None, problem)
            else:
                messages.success(request, "Manual entry posted.")
                return HttpResponseRedirect(
                    reverse("admin:collective_econ_journaltransaction_change", args=[entry.pk])
                )
        return self._form_page(request, "Post a manual entry", form)


@admin.register(Posting)
class PostingAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = POSTING_SCOPE
    list_display = ("pk", "transaction", "account", "amount", "currency")
    list_select_related = ("transaction", "account")
    list_filter = ("account__kind",)
    readonly_fields = [f.name for f in Posting._meta.fields]


class BalanceSnapshotInline(ReadOnlyInline):
    model = BalanceSnapshot
    scope = PLATFORM_ONLY
    fields = ("account", "currency", "balance")
    related = ("account",)
    ordering = ("account_id",)


class MonthCloseForm(forms.Form):
    month = forms.DateField(
        label="Month to close",
        input_formats=["%Y-%m"],
        help_text="YYYY-MM; closed once, after it has ended, and only after the last close.",
    )


@admin.register(PeriodClose)
class PeriodCloseAdmin(ReadOnlyMixin, ScopedModelAdmin):
    """Closes are made by the hourly beat after each month; a platform admin can close a
    month from here too (the same service, so once per month and never out of order)."""

    scope = PLATFORM_ONLY
    list_display = ("pk", "period_end", "closed_at", "through_posting_id", "closed_by")
    readonly_fields = [f.name for f in PeriodClose._meta.fields]
    inlines = (BalanceSnapshotInline,)
    change_list_template = "backoffice/register_change_list.html"

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        links = [(reverse("admin:backoffice_period_close_month"), "Close a month")]
        return super().changelist_view(request, {**(extra_context or {}), "register_links": links})

    def get_urls(self) -> list[URLPattern]:
        return [
            url_path(
                "close-month/",
                self.admin_site.admin_view(self.close_month_view),
                name="backoffice_period_close_month",
            ),
            *super().get_urls(),
        ]

    def close_month_view(self, request: HttpRequest) -> HttpResponse:
        user = _require_platform_admin(request)
        last = month_end_before(timezone.now()) - timedelta(days=1)
        form = MonthCloseForm(
            request.POST if request.method == "POST" else None,
            initial={"month": f"{last:%Y-%m}"},
        )
        if form.is_valid():
            first = form.cleaned_data["month"]
            tz = timezone.get_current_timezone()
            period_end = datetime(
                first.year + first.month // 12, first.month % 12 + 1, 1, tzinfo=tz
            )
            try:
                close = period_close_create(period_end=period_end, actor=user)
            except ValidationError as error:
                for problem in error.messages:
                    form.add_error("month", problem)
            else:
                messages.success(request, f"{first:%Y-%m} closed.")
                return HttpResponseRedirect(
                    reverse("admin:collective_econ_periodclose_change", args=[close.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": "Close a month",
            "opts": self.opts,
            "form": form,
            "intro": "A month's books are closed once, after it has ended: every account's "
            "balance is kept as of its end, and statements and reports start from it. The "
            "hourly beat closes each month soon after its end; this does the same by hand.",
        }
        return TemplateResponse(request, "backoffice/register_change.html", context)


@admin.register(BalanceSnapshot)
class BalanceSnapshotAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = POSTING_SCOPE
    list_display = ("pk", "period_close", "account", "currency", "balance")
    list_select_related = ("period_close", "account")
    readonly_fields = [f.name for f in BalanceSnapshot._meta.fields]


@admin.register(ConsignmentAgreement)
class ConsignmentAgreementAdmin(ScopedModelAdmin):
    scope = Scope(shop_path="shop", manager=Access.VIEW, officer=Access.VIEW)
    list_display = ("shop", "household", "commission_rate", "effective_from")
    list_select_related = ("shop", "household")
    autocomplete_fields = ()
    raw_id_fields = ("shop", "household")


class PlatformFeeForm(forms.Form):
    channel = forms.ModelChoiceField(
        queryset=Channel.objects.order_by("slug"), to_field_name="slug"
    )
    rate = forms.CharField(max_length=16, help_text="A fraction 0–1, e.g. 0.0175; 0 is valid.")
    effective_from = forms.DateField(help_text="YYYY-MM-DD, today or later.")


@admin.register(PlatformFeeRate)
class PlatformFeeRateAdmin(ReadOnlyMixin, ScopedModelAdmin):
    """The fee schedule: rows are added (never edited) through `platform_fee_rate_set`,
    which audits them; a channel without a row uses PLATFORM_FEE_RATES."""

    scope = PLATFORM_ONLY
    list_display = ("channel", "rate", "effective_from", "created_by", "created_at")
    list_select_related = ("channel", "created_by")
    list_filter = ("channel",)
    readonly_fields = [f.name for f in PlatformFeeRate._meta.fields]
    change_list_template = "backoffice/register_change_list.html"

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        links = [(reverse("admin:backoffice_platform_fee_set"), "Set a channel's fee")]
        return super().changelist_view(request, {**(extra_context or {}), "register_links": links})

    def get_urls(self) -> list[URLPattern]:
        return [
            url_path(
                "set/",
                self.admin_site.admin_view(self.fee_set_view),
                name="backoffice_platform_fee_set",
            ),
            *super().get_urls(),
        ]

    def fee_set_view(self, request: HttpRequest) -> HttpResponse:
        user = _require_platform_admin(request)
        form = PlatformFeeForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            data = form.cleaned_data
            try:
                platform_fee_rate_set(
                    actor=user,
                    channel_slug=data["channel"].slug,
                    rate=data["rate"],
                    effective_from=data["effective_from"],
                )
            except ValidationError as error:
                for problem in error.messages:
                    form.add_error(None, problem)
            else:
                messages.success(request, f"Fee of {data['channel'].slug} set.")
                return HttpResponseRedirect(
                    reverse("admin:collective_econ_platformfeerate_changelist")
                )
        context = {
            **self.admin_site.each_context(request),
            "title": "Set a channel's fee",
            "opts": self.opts,
            "form": form,
            "intro": "A line settles at the fee in force on the day it was ordered; a new fee "
            "takes effect today or later, so lines already settled keep theirs.",
        }
        return TemplateResponse(request, "backoffice/register_change.html", context)


@admin.register(PovertyMonitoringLine)
class PovertyMonitoringLineAdmin(ScopedModelAdmin):
    scope = PLATFORM_ONLY
    list_display = ("province", "year", "annual_per_capita_income")
    list_select_related = ("province",)
    list_filter = ("year",)
