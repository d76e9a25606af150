"""Collective-economy root fields (Ruralmart extensions, staff only and role-scoped):
statements, the ledger's accounts and transactions, the poverty-monitoring watch."""

from __future__ import annotations

from typing import Any

import graphene

from storefront_api.collective_econ import ledger, statements
from storefront_api.collective_econ.types import (
    CollectiveIncomeStatement,
    HouseholdStatement,
    JournalKindEnum,
    LedgerAccountCountableConnection,
    LedgerAccountKindEnum,
    LedgerTransactionCountableConnection,
    PovertyWatch,
)
from storefront_api.core.connection import connection_args, paginate


class LedgerAccountFilterInput(graphene.InputObjectType):
    kind = graphene.Field(LedgerAccountKindEnum)
    village = graphene.ID(description="Accounts of this village's books.")
    household = graphene.ID()
    shop = graphene.ID()


class LedgerTransactionFilterInput(graphene.InputObjectType):
    kind = graphene.Field(JournalKindEnum)
    account = graphene.ID(description="Transactions with a posting on this LedgerAccount.")
    village = graphene.ID(description="Transactions touching this village's books.")
    posted_from = graphene.DateTime()
    posted_to = graphene.DateTime()
    order_line = graphene.ID()


class CollectiveEconQueries(graphene.ObjectType):
    household_statement = graphene.Field(
        HouseholdStatement,
        household=graphene.ID(required=True),
        year=graphene.Int(required=True),
        month=graphene.Int(description="1 to 12; without it, the whole year."),
        description="A household's income statement (the household, its village's books).",
    )
    collective_income_statement = graphene.Field(
        CollectiveIncomeStatement,
        village=graphene.ID(required=True),
        year=graphene.Int(required=True),
        description="A village collective's income for a year, by source.",
    )
    ledger_accounts = graphene.Field(
        LedgerAccountCountableConnection,
        filter=graphene.Argument(LedgerAccountFilterInput),
        description="Ledger accounts of the books the caller reads, with balances.",
        **connection_args(),
    )
    ledger_transactions = graphene.Field(
        LedgerTransactionCountableConnection,
        filter=graphene.Argument(LedgerTransactionFilterInput),
        description="Journal transactions touching the books the caller reads, newest first.",
        **connection_args(),
    )
    households_near_poverty_line = graphene.Field(
        PovertyWatch,
        township=graphene.ID(required=True),
        year=graphene.Int(required=True),
        description="A township's households below or heading towards the poverty line.",
    )

    @staticmethod
    def resolve_household_statement(
        root: Any, info: Any, household: str, year: int, month: int | None = None
    ) -> Any:
        return statements.resolve_household_statement(
            info, household=household, year=year, month=month
        )

    @staticmethod
    def resolve_collective_income_statement(root: Any, info: Any, village: str, year: int) -> Any:
        return statements.resolve_collective_income_statement(info, village=village, year=year)

    @staticmethod
    def resolve_ledger_accounts(root: Any, info: Any, filter: Any = None, **page: Any) -> Any:
        accounts = ledger.ledger_account_list(info, filter=filter)
        return paginate(
            accounts, LedgerAccountCountableConnection, connection_name="ledgerAccounts", **page
        )

    @staticmethod
    def resolve_ledger_transactions(root: Any, info: Any, filter: Any = None, **page: Any) -> Any:
        entries = ledger.ledger_transaction_list(info, filter=filter)
        return paginate(
            entries,
            LedgerTransactionCountableConnection,
            connection_name="ledgerTransactions",
            **page,
        )

    @staticmethod
    def resolve_households_near_poverty_line(root: Any, info: Any, township: str, year: int) -> Any:
        return statements.resolve_households_near_poverty_line(info, township=township, year=year)
