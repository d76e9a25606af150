"""The ledger in the back office: accounts, journal transactions with their postings,
period closes and snapshots, read-only for everyone (money moves only through the
collective_econ services). A platform admin sees everything; a shop manager sees the
accounts of their village (its collective, funds, till, shop and households) and the
transactions touching them; a township officer those of the township's villages.
Consignment agreements are set by platform admins and visible to the shop concerned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import admin
from django.db.models import Q

from admin.scoping import (
    PLATFORM_ONLY,
    Access,
    ReadOnlyInline,
    ReadOnlyMixin,
    Scope,
    ScopedModelAdmin,
)
from collective_econ.models import (
    Account,
    BalanceSnapshot,
    ConsignmentAgreement,
    JournalTransaction,
    PeriodClose,
    Posting,
)
from marketplace.accounts.permissions import RoleScopes

# An account's village is one of three columns, by its kind (a CHECK keeps exactly one set).
_VILLAGE_OF_ACCOUNT = ("village", "household__village", "shop__village")


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


@admin.register(Account)
class AccountAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = ACCOUNT_SCOPE
    list_display = ("pk", "kind", "household", "village", "shop", "created_at")
    list_filter = ("kind",)
    list_select_related = ("household", "village", "shop")
    search_fields = ("=pk", "household__reference", "village__name", "shop__name")
    readonly_fields = [f.name for f in Account._meta.fields]


@admin.register(JournalTransaction)
class JournalTransactionAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = TRANSACTION_SCOPE
    list_display = ("pk", "kind", "idempotency_key", "posted_at", "order_line", "memo")
    list_filter = ("kind",)
    search_fields = ("=idempotency_key", "memo")
    readonly_fields = [f.name for f in JournalTransaction._meta.fields]
    inlines = (PostingInline,)


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


@admin.register(PeriodClose)
class PeriodCloseAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = PLATFORM_ONLY
    list_display = ("pk", "closed_at", "through_posting_id", "closed_by")
    readonly_fields = [f.name for f in PeriodClose._meta.fields]
    inlines = (BalanceSnapshotInline,)


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
