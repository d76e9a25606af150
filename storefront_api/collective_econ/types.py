"""Collective-economy types (Ruralmart extensions): ledger accounts with balances, journal
transactions with their postings, household and village income statements, and the
poverty-monitoring watch. Relations load through DataLoaders; households are the shared
`Household` type, so their personal data is masked unless the caller is entitled.

Amounts are `Money` (CNY): `fractionalAmount` carries the exact fen.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import graphene

from collective_econ.error_codes import StatementErrorCode
from collective_econ.ledger.selectors import account_balances, account_village_id
from collective_econ.models import Account, AccountKind, JournalKind, JournalTransaction, Posting
from collective_econ.statements.selectors import (
    CollectiveIncomeStatement as CollectiveIncomeStatementData,
)
from collective_econ.statements.selectors import HouseholdStatement as HouseholdStatementData
from collective_econ.statements.selectors import HouseholdWatch, IncomeSource, ProductSales
from collective_econ.statements.selectors import PovertyWatch as PovertyWatchData
from storefront_api.collective_econ.distribution import InvestorByIdLoader
from storefront_api.core.connection import CountableConnection
from storefront_api.core.dataloaders import DataLoader, by_key, get_loader, grouped, then
from storefront_api.core.enums import api_enum, domain_enum
from storefront_api.core.ids import to_global_id
from storefront_api.core.types import Money, as_money
from storefront_api.organisations.dataloaders import (
    HouseholdByIdLoader,
    ShopByIdLoader,
    TownshipByIdLoader,
    VillageByIdLoader,
)
from storefront_api.shops.types import Household_, Shop, Township_, Village_

LedgerAccountKindEnum = domain_enum(AccountKind, name="LedgerAccountKindEnum")
JournalKindEnum = domain_enum(JournalKind, name="JournalKindEnum")
CollectiveEconomyErrorCode = domain_enum(
    StatementErrorCode,
    name="CollectiveEconomyErrorCode",
    description="Why a collective-economy query was refused (in `extensions.exception.code`).",
)
PovertyWatchStatusEnum = api_enum(
    "PovertyWatchStatusEnum",
    [("BELOW_LINE", "BELOW_LINE"), ("NEAR_LINE", "NEAR_LINE"), ("FALLING", "FALLING")],
    description="Why a household is on the township's poverty-monitoring watch.",
)


def _cny(amount: Decimal) -> Any:
    return as_money(amount, "CNY")


def _line_ids(ids: Sequence[int]) -> list[str]:
    return [to_global_id("OrderLine", pk) for pk in ids]


# --- loaders ---------------------------------------------------------------------------------


class AccountByIdLoader(DataLoader[int, Account]):
    def batch_load(self, keys: Sequence[int]) -> list[Account | None]:
        rows = Account.objects.filter(pk__in=keys).select_related("household", "shop", "investor")
        return by_key(keys, rows, lambda a: a.pk)


class BalanceByAccountIdLoader(DataLoader[int, Decimal]):
    def batch_load(self, keys: Sequence[int]) -> list[Decimal]:
        balances = account_balances(accounts=[Account(pk=pk) for pk in keys])
        return [balances[pk] for pk in keys]


class PostingsByTransactionIdLoader(DataLoader[int, list[Posting]]):
    """A transaction's postings on accounts the caller may see (all for a platform admin:
    the viewer's village ids are set on the context by the resolver)."""

    def batch_load(self, keys: Sequence[int]) -> list[list[Posting]]:
        rows = list(
            Posting.objects.filter(transaction_id__in=keys)
            .select_related("account__household", "account__shop", "account__investor")
            .order_by("transaction_id", "pk")
        )
        visible = getattr(self.context, "_ledger_village_ids", None)
        if visible is not None:
            rows = [p for p in rows if account_village_id(p.account) in visible]
        for posting in rows:
            get_loader(self.context, AccountByIdLoader).prime(posting.account_id, posting.account)
        return grouped(keys, rows, lambda p: p.transaction_id)


# --- ledger ------------------------------------------------------------------------------------


class LedgerAccount(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node,)
        description = "Ruralmart extension: one account of the collective-economy ledger."

    kind = graphene.Field(LedgerAccountKindEnum, required=True)
    household = graphene.Field(Household_)
    village = graphene.Field(Village_)
    shop = graphene.Field(Shop)
    investor = graphene.Field(
        "storefront_api.collective_econ.share_register.Investor_",
        description="For an INVESTOR account: the investor it owes.",
    )
    balance = graphene.Field(
        Money, required=True, description="Debits minus credits: negative is owed by the books."
    )
    created = graphene.DateTime(required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, Account)

    @staticmethod
    def resolve_id(root: Account, info: Any) -> int:
        return root.pk

    @staticmethod
    def resolve_household(root: Account, info: Any) -> Any:
        if root.household_id is None:
            return None
        return get_loader(info.context, HouseholdByIdLoader).load(root.household_id)

    @staticmethod
    def resolve_village(root: Account, info: Any) -> Any:
        if root.village_id is None:
            return None
        return get_loader(info.context, VillageByIdLoader).load(root.village_id)

    @staticmethod
    def resolve_shop(root: Account, info: Any) -> Any:
        if root.shop_id is None:
            return None
        return get_loader(info.context, ShopByIdLoader).load(root.shop_id)

    @staticmethod
    def resolve_investor(root: Account, info: Any) -> Any:
        if root.investor_id is None:
            return None
        return get_loader(info.context, InvestorByIdLoader).load(root.investor_id)

    @staticmethod
    def resolve_balance(root: Account, info: Any) -> Any:
        return then(get_loader(info.context, BalanceByAccountIdLoader).load(root.pk), _cny)

    @staticmethod
    def resolve_created(root: Account, info: Any) -> Any:
        return root.created_at


class LedgerPosting(graphene.ObjectType):
    class Meta:
        description = "One leg of a journal transaction: a debit (> 0) or credit (< 0)."

    account = graphene.Field(LedgerAccount, required=True)
    amount = graphene.Field(Money, required=True)

    @staticmethod
    def resolve_account(root: Posting, info: Any) -> Any:
        return get_loader(info.context, AccountByIdLoader).load(root.account_id)

    @staticmethod
    def resolve_amount(root: Posting, info: Any) -> Any:
        return _cny(root.amount)


class LedgerTransaction(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node,)
        description = (
            "Ruralmart extension: one balanced journal transaction. `postings` lists the legs "
            "on accounts the caller may see (all of them for a platform admin)."
        )

    kind = graphene.Field(JournalKindEnum, required=True)
    idempotency_key = graphene.String(required=True)
    memo = graphene.String(required=True)
    posted_at = graphene.DateTime(required=True)
    order_line_id = graphene.ID(description="The OrderLine this entry settles or claws back.")
    postings = graphene.List(graphene.NonNull(LedgerPosting), required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, JournalTransaction)

    @staticmethod
    def resolve_id(root: JournalTransaction, info: Any) -> int:
        return root.pk

    @staticmethod
    def resolve_order_line_id(root: JournalTransaction, info: Any) -> str | None:
        return None if root.order_line_id is None else to_global_id("OrderLine", root.order_line_id)

    @staticmethod
    def resolve_postings(root: JournalTransaction, info: Any) -> Any:
        return get_loader(info.context, PostingsByTransactionIdLoader).load(root.pk)


class LedgerAccountCountableConnection(CountableConnection):
    class Meta:
        node = LedgerAccount
        strict_types = True


class LedgerTransactionCountableConnection(CountableConnection):
    class Meta:
        node = LedgerTransaction
        strict_types = True


# --- statements --------------------------------------------------------------------------------


class HouseholdProductSales(graphene.ObjectType):
    product_name = graphene.String(required=True)
    quantity = graphene.Int(required=True)
    gross = graphene.Field(Money, required=True, description="Paid by buyers, after discounts.")
    commission = graphene.Field(Money, required=True, description="Kept by the collective.")
    platform_fee = graphene.Field(Money, required=True)
    net = graphene.Field(Money, required=True, description="Credited to the household.")
    order_line_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)

    @staticmethod
    def resolve_gross(root: ProductSales, info: Any) -> Any:
        return _cny(root.gross)

    @staticmethod
    def resolve_commission(root: ProductSales, info: Any) -> Any:
        return _cny(root.commission)

    @staticmethod
    def resolve_platform_fee(root: ProductSales, info: Any) -> Any:
        return _cny(root.platform_fee)

    @staticmethod
    def resolve_net(root: ProductSales, info: Any) -> Any:
        return _cny(root.net)

    @staticmethod
    def resolve_order_line_ids(root: ProductSales, info: Any) -> list[str]:
        return _line_ids(root.order_line_ids)


def _money_field(attr: str, description: str | None = None) -> Any:
    return graphene.Field(
        Money,
        required=True,
        description=description,
        resolver=lambda root, info: _cny(getattr(root, attr)),
    )


class HouseholdStatement(graphene.ObjectType):
    class Meta:
        description = (
            "Ruralmart extension: a household's income for a month or a year, from the ledger."
        )

    household = graphene.Field(Household_, required=True)
    year = graphene.Int(required=True)
    month = graphene.Int(description="Null for a whole year.")
    period_start = graphene.DateTime(required=True)
    period_end = graphene.DateTime(required=True, description="Exclusive.")
    sales = graphene.List(graphene.NonNull(HouseholdProductSales), required=True)
    gross = _money_field("gross")
    commission = _money_field("commission")
    platform_fees = _money_field("platform_fees")
    net_sales = _money_field("net_sales")
    clawbacks = _money_field("clawbacks", "Taken back after refunds.")
    clawback_order_line_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    payouts = _money_field("payouts")
    payout_transaction_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    opening_balance = _money_field("opening_balance", "Owed to the household at the start.")
    balance_due = _money_field("balance_due", "Owed to the household at the end.")
    receivable = _money_field("receivable", "Owed back by the household at the end.")
    net_income = _money_field("net_income", "Net sales less clawbacks.")
    dividends = _money_field(
        "dividends", "Dividends of the collective's distributions filed in the period."
    )
    dividend_transaction_ids = graphene.List(
        graphene.NonNull(graphene.ID),
        required=True,
        description="The distributions' journal transactions behind `dividends`.",
    )
    dividend_payouts = _money_field("dividend_payouts", "Paid out of the dividends.")
    dividend_payout_transaction_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    member_opening_balance = _money_field(
        "member_opening_balance", "Dividends owed to the household at the start."
    )
    member_balance_due = _money_field(
        "member_balance_due", "Dividends owed to the household at the end."
    )
    total_income = _money_field(
        "total_income", "Net income plus dividends: measured against the poverty line."
    )
    member_count = graphene.Int(required=True)
    per_capita_income = _money_field("per_capita_income", "Total income per member.")
    order_line_ids = graphene.List(
        graphene.NonNull(graphene.ID), required=True, description="Every line behind a figure."
    )

    @staticmethod
    def resolve_year(root: HouseholdStatementData, info: Any) -> int:
        return root.period.year

    @staticmethod
    def resolve_month(root: HouseholdStatementData, info: Any) -> int | None:
        return root.period.month

    @staticmethod
    def resolve_period_start(root: HouseholdStatementData, info: Any) -> Any:
        return root.period.start

    @staticmethod
    def resolve_period_end(root: HouseholdStatementData, info: Any) -> Any:
        return root.period.end

    @staticmethod
    def resolve_clawback_order_line_ids(root: HouseholdStatementData, info: Any) -> list[str]:
        return _line_ids(root.clawback_order_line_ids)

    @staticmethod
    def resolve_payout_transaction_ids(root: HouseholdStatementData, info: Any) -> list[str]:
        return [to_global_id("LedgerTransaction", pk) for pk in root.payout_transaction_ids]

    @staticmethod
    def resolve_order_line_ids(root: HouseholdStatementData, info: Any) -> list[str]:
        return _line_ids(root.order_line_ids)

    @staticmethod
    def resolve_dividend_transaction_ids(root: HouseholdStatementData, info: Any) -> list[str]:
        return [to_global_id("LedgerTransaction", pk) for pk in root.dividend_transaction_ids]

    @staticmethod
    def resolve_dividend_payout_transaction_ids(
        root: HouseholdStatementData, info: Any
    ) -> list[str]:
        return [
            to_global_id("LedgerTransaction", pk) for pk in root.dividend_payout_transaction_ids
        ]


class CollectiveIncomeSource(graphene.ObjectType):
    source = graphene.String(
        required=True,
        description="SALES_SETTLED, COMMISSIONS, CLAWBACKS, or the journal kind of other income.",
    )
    amount = graphene.Field(Money, required=True)

    @staticmethod
    def resolve_amount(root: IncomeSource, info: Any) -> Any:
        return _cny(root.amount)


class CollectiveIncomeStatement(graphene.ObjectType):
    class Meta:
        description = "Ruralmart extension: a village collective's income for a year, by source."

    village = graphene.Field(Village_, required=True)
    year = graphene.Int(required=True)
    gross_sales = _money_field("gross_sales", "Paid by buyers for the village's settled lines.")
    collective_sales = _money_field("collective_sales")
    commissions = _money_field("commissions")
    household_share = _money_field("household_share")
    platform_fees = _money_field("platform_fees")
    logistics = _money_field("logistics")
    clawbacks = _money_field("clawbacks")
    collective_income = _money_field("collective_income")
    order_lines_settled = graphene.Int(required=True)
    by_source = graphene.List(graphene.NonNull(CollectiveIncomeSource), required=True)

    @staticmethod
    def resolve_village(root: CollectiveIncomeStatementData, info: Any) -> Any:
        return root.village

    @staticmethod
    def resolve_year(root: CollectiveIncomeStatementData, info: Any) -> int:
        return root.period.year


class PovertyWatchHousehold(graphene.ObjectType):
    household = graphene.Field(Household_, required=True)
    status = graphene.Field(PovertyWatchStatusEnum, required=True)
    annual_per_capita_income = _money_field("annual_per_capita_income")
    monthly_income = graphene.List(
        graphene.NonNull(Money), required=True, description="The 12 months, oldest first."
    )

    @staticmethod
    def resolve_monthly_income(root: HouseholdWatch, info: Any) -> list[Any]:
        return [_cny(m) for m in root.monthly_income]


class PovertyWatch(graphene.ObjectType):
    class Meta:
        description = (
            "Ruralmart extension: households of a township below the poverty-monitoring line "
            "(防返贫监测线) or heading towards it, worst first."
        )

    township = graphene.Field(Township_, required=True)
    year = graphene.Int(required=True)
    line = _money_field("line", "Annual per-capita income of the province's line.")
    margin = graphene.String(required=True, description="NEAR_LINE is below line × (1 + margin).")
    window_start = graphene.DateTime(required=True)
    window_end = graphene.DateTime(required=True)
    households_checked = graphene.Int(required=True)
    households = graphene.List(graphene.NonNull(PovertyWatchHousehold), required=True)

    @staticmethod
    def resolve_township(root: PovertyWatchData, info: Any) -> Any:
        return get_loader(info.context, TownshipByIdLoader).load(root.township.pk)

    @staticmethod
    def resolve_margin(root: PovertyWatchData, info: Any) -> str:
        return str(root.margin)

    @staticmethod
    def resolve_households(root: PovertyWatchData, info: Any) -> list[HouseholdWatch]:
        return root.flagged


COLLECTIVE_ECON_TYPES = [CollectiveEconomyErrorCode]
