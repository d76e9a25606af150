"""Each investor has its own INVESTOR ledger account: filing a distribution credits every
investor its own part, the database keeps one account per investor with the investor as
its only owner, the register and the ledger API show what each investor is owed (to the
village's book-readers only), and migration 0021 moves parts filed into the old per-village
control account onto the investors' own accounts."""

from __future__ import annotations

import importlib
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from graphql_relay import to_global_id

from collective_econ.ledger.selectors import account_balance, unbalanced_transaction_ids
from collective_econ.ledger.services import Leg, account_get_or_create, journal_post
from collective_econ.models import Account, AccountKind, AgreementKind, JournalKind
from collective_econ.shares.selectors import investor_balances
from collective_econ.shares.services import investor_agreement_set, investor_register
from tests.api.conftest import GraphQLClient
from tests.api_distribution.books import (
    Books,
    filed_distribution,
    make_books,
    post_collective_income,
)

pytestmark = pytest.mark.django_db

D = Decimal


def _books_with_two_investors() -> tuple[Books, Any, Any]:
    books = make_books(households=2, shares=["3", "1"])
    post_collective_income(books.village, "10000.00")
    investors = []
    for name, rate in (("茶业公司", "0.05"), ("合作银行", "0.10")):
        investor = investor_register(
            actor=books.manager, village=books.village, name=name, reason="capital"
        )
        investor_agreement_set(
            actor=books.manager,
            investor=investor,
            kind=AgreementKind.FIXED_RETURN,
            capital_amount="10000.00",
            rate=rate,
            valid_from=date(2020, 1, 1),
            reason="agreement",
        )
        investors.append(investor)
    return books, investors[0], investors[1]


def test_filing_credits_each_investor_its_own_account() -> None:
    books, tea, bank = _books_with_two_investors()
    filed = filed_distribution(books, reserve="0", welfare="0")
    parts = {
        a.investor_id: a.amount for a in filed.allocations.filter(kind="INVESTOR").order_by("pk")
    }
    assert set(parts) == {tea.pk, bank.pk} and parts[tea.pk] != parts[bank.pk]
    for investor in (tea, bank):
        own = Account.objects.get(kind=AccountKind.INVESTOR, investor=investor)
        assert own.village_id is None
        assert account_balance(account=own) == -parts[investor.pk]
    assert not Account.objects.filter(kind=AccountKind.INVESTOR, village__isnull=False).exists()
    assert investor_balances(investor_ids=[tea.pk, bank.pk]) == parts
    assert sum(parts.values()) == filed.investor_amount
    assert unbalanced_transaction_ids() == []


def test_the_database_keeps_one_account_per_investor_owned_by_it_alone() -> None:
    books, tea, _ = _books_with_two_investors()
    account = account_get_or_create(kind=AccountKind.INVESTOR, owner=tea)
    assert account_get_or_create(kind=AccountKind.INVESTOR, owner=tea).pk == account.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(kind=AccountKind.INVESTOR, investor=tea)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(kind=AccountKind.INVESTOR, investor=tea, village=books.village)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(kind=AccountKind.RESERVE_FUND, investor=tea)
    # The services never make a village's investor account again.
    with pytest.raises(ValidationError) as exc:
        account_get_or_create(kind=AccountKind.INVESTOR, owner=books.village)
    assert exc.value.error_dict["owner"][0].code == "unknown_account"


REGISTER = """
query($village: ID!) { shareRegister(village: $village) {
  investors { name balance { amount currency } } } }"""
ACCOUNTS = """
query($kind: LedgerAccountKindEnum) { ledgerAccounts(first: 20, filter: {kind: $kind}) {
  edges { node { kind village { name } investor { name } balance { amount } } } } }"""


def test_the_api_shows_what_each_investor_is_owed_to_its_villages_readers(
    gql: GraphQLClient,
) -> None:
    books, tea, bank = _books_with_two_investors()
    filed = filed_distribution(books, reserve="0", welfare="0")
    parts = {a.investor_id: a.amount for a in filed.allocations.filter(kind="INVESTOR")}
    gql.login(books.manager)
    register = gql.data(REGISTER, {"village": to_global_id("Village", str(books.village.pk))})
    owed = {
        i["name"]: D(str(i["balance"]["amount"])) for i in register["shareRegister"]["investors"]
    }
    assert owed == {"茶业公司": parts[tea.pk], "合作银行": parts[bank.pk]}
    accounts = gql.data(ACCOUNTS, {"kind": "INVESTOR"})["ledgerAccounts"]["edges"]
    assert sorted(
        (e["node"]["investor"]["name"], -e["node"]["balance"]["amount"]) for e in accounts
    ) == sorted([("茶业公司", float(parts[tea.pk])), ("合作银行", float(parts[bank.pk]))])
    other = make_books(households=0)
    gql.headers.pop("Authorization", None)
    gql.login(other.manager)
    assert gql.data(ACCOUNTS, {"kind": "INVESTOR"})["ledgerAccounts"]["edges"] == []


def test_migration_moves_control_account_parts_to_each_investor() -> None:
    books, _, _ = _books_with_two_investors()
    filed = filed_distribution(books, reserve="0", welfare="0")
    parts = {a.investor_id: a.amount for a in filed.allocations.filter(kind="INVESTOR")}
    # The books as they stood before 0021: the parts sat in one control account per village.
    control = Account.objects.create(kind=AccountKind.INVESTOR, village=books.village)
    own = {pk: Account.objects.get(kind=AccountKind.INVESTOR, investor_id=pk) for pk in parts}
    journal_post(
        kind=JournalKind.MANUAL,
        idempotency_key="legacy-control",
        legs=[Leg(own[pk], amount) for pk, amount in parts.items()]
        + [Leg(control, -sum(parts.values()))],
    )
    assert investor_balances(investor_ids=list(parts)) == dict.fromkeys(parts, D("0.00"))
    migration = importlib.import_module("collective_econ.migrations.0022_investor_accounts")
    migration.move_investor_parts_to_their_own_accounts(apps, None)
    migration.move_investor_parts_to_their_own_accounts(apps, None)  # a rerun moves nothing
    assert investor_balances(investor_ids=list(parts)) == parts
    assert account_balance(account=control) == D("0.00")
    assert unbalanced_transaction_ids() == []
