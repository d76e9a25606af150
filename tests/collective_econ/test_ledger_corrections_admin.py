"""Corrections from the back office: a platform admin reverses a transaction (with a
reason) or posts a balanced manual entry, both through the ledger services and audited;
bad entries are refused on the form with nothing posted; nobody else may correct."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from collective_econ.ledger.selectors import account_balance
from collective_econ.ledger.services import account_get_or_create, journal_entry_manual
from collective_econ.models import AccountKind, JournalKind, JournalTransaction, Posting
from marketplace.accounts.models import Role
from marketplace.audit.models import AuditAction, AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(village: Any) -> dict[str, Any]:
    collective = account_get_or_create(kind=AccountKind.VILLAGE_COLLECTIVE, owner=village.village)
    clearing = account_get_or_create(kind=AccountKind.ALIPAY_CLEARING)
    entry = journal_entry_manual(
        idempotency_key="seed",
        postings=[(clearing, "80.00"), (collective, "-80.00")],
        memo="income",
    )
    return {"collective": collective, "clearing": clearing, "entry": entry}


def _entry_data(rows: list[tuple[Any, str]], key: str = "backoffice:k1") -> dict[str, str]:
    data = {"memo": "bank charge booked to the wrong account", "idempotency_key": key}
    for i, (account, amount) in enumerate(rows):
        data[f"account_{i}"] = str(account)
        data[f"amount_{i}"] = amount
    return data


def test_a_platform_admin_reverses_a_transaction_with_a_reason(client: Any, books: Any) -> None:
    admin_user = factories.platform_admin()
    client.force_login(admin_user)
    original = books["entry"]
    change = client.get(
        reverse("admin:collective_econ_journaltransaction_change", args=[original.pk])
    )
    url = reverse("admin:backoffice_journal_reverse", args=[original.pk])
    assert url in change.content.decode()
    assert client.post(url, {"reason": ""}).context["form"].errors["reason"]
    assert not JournalTransaction.objects.filter(kind=JournalKind.REVERSAL).exists()

    done = client.post(url, {"reason": "posted to the wrong village"})
    reversal = JournalTransaction.objects.get(kind=JournalKind.REVERSAL)
    assert done.status_code == 302
    assert (reversal.reverses_id, reversal.memo, reversal.created_by) == (
        original.pk,
        "posted to the wrong village",
        admin_user,
    )
    assert account_balance(account=books["collective"]) == 0
    assert AuditEntry.objects.filter(action=AuditAction.LEDGER_REVERSAL, actor=admin_user).exists()
    client.post(url, {"reason": "again"})  # reversed once only
    assert JournalTransaction.objects.filter(kind=JournalKind.REVERSAL).count() == 1
    # A reversal is not reversed: refused on the form (CANNOT_REVERSE_REVERSAL).
    refused = client.post(
        reverse("admin:backoffice_journal_reverse", args=[reversal.pk]), {"reason": "undo"}
    )
    assert refused.status_code == 200 and refused.context["form"].non_field_errors()
    assert JournalTransaction.objects.filter(kind=JournalKind.REVERSAL).count() == 1


def test_a_platform_admin_posts_a_balanced_manual_entry(client: Any, books: Any) -> None:
    admin_user = factories.platform_admin()
    client.force_login(admin_user)
    listing = client.get(reverse("admin:collective_econ_journaltransaction_changelist"))
    url = reverse("admin:backoffice_journal_manual_entry")
    assert url in listing.content.decode()
    assert client.get(url).context["form"].initial["idempotency_key"].startswith("backoffice:")
    rows = [(books["collective"].pk, "12.50"), (books["clearing"].pk, "-12.50")]
    done = client.post(url, _entry_data(rows))
    assert done.status_code == 302
    entry = JournalTransaction.objects.get(idempotency_key="manual:backoffice:k1")
    assert entry.created_by == admin_user
    assert account_balance(account=books["collective"]) == Decimal("-67.50")
    assert AuditEntry.objects.filter(action=AuditAction.LEDGER_MANUAL_ENTRY).exists()
    client.post(url, _entry_data(rows))  # the same form twice posts once
    assert JournalTransaction.objects.filter(kind=JournalKind.MANUAL).count() == 2  # seed too


@pytest.mark.parametrize(
    "rows",
    [
        [("COLLECTIVE", "10.00"), ("CLEARING", "-9.99")],  # unbalanced
        [("COLLECTIVE", "10.00")],  # one leg
        [("COLLECTIVE", "ten"), ("CLEARING", "-10.00")],  # not a number
        [("COLLECTIVE", "10.001"), ("CLEARING", "-10.001")],  # fractions of a fen
        [("999999", "10.00"), ("CLEARING", "-10.00")],  # no such account
    ],
)
def test_bad_manual_entries_are_refused_and_post_nothing(
    client: Any, books: Any, rows: list[tuple[str, str]]
) -> None:
    ids = {"COLLECTIVE": books["collective"].pk, "CLEARING": books["clearing"].pk}
    client.force_login(factories.platform_admin())
    postings = Posting.objects.count()
    refused = client.post(
        reverse("admin:backoffice_journal_manual_entry"),
        _entry_data([(ids.get(account, account), amount) for account, amount in rows]),
    )
    assert refused.status_code == 200
    assert refused.context["form"].non_field_errors()
    assert Posting.objects.count() == postings


def test_only_platform_admins_correct_the_books(client: Any, books: Any, village: Any) -> None:
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=village.shop, is_staff=True)
    officer = factories.user(
        role=Role.TOWNSHIP_OFFICER, township_obj=village.village.township, is_staff=True
    )
    rows = [(books["collective"].pk, "1.00"), (books["clearing"].pk, "-1.00")]
    for user in (manager, officer):
        client.force_login(user)
        change = client.get(
            reverse("admin:collective_econ_journaltransaction_change", args=[books["entry"].pk])
        )
        assert change.status_code == 200  # they read the village's books
        reverse_url = reverse("admin:backoffice_journal_reverse", args=[books["entry"].pk])
        assert reverse_url not in change.content.decode()
        assert client.post(reverse_url, {"reason": "mine"}).status_code == 403
        manual = reverse("admin:backoffice_journal_manual_entry")
        assert client.post(manual, _entry_data(rows)).status_code == 403
    assert JournalTransaction.objects.count() == 1
