"""Builders for the distribution and payout tests: a village with its manager, township
officer and member households, collective income posted into the ledger (by default in
BOOK_YEAR, the last closed year, since only closed years are distributed; in the current
year through the ledger service, in earlier years by raw SQL, because `posted_at` is set
at posting and the ledger refuses UPDATE), and the register filled in."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from collective_econ.distribution.services import (
    distribution_approve,
    distribution_create,
    distribution_file,
)
from collective_econ.ledger.services import Leg, account_get_or_create, journal_post
from collective_econ.models import (
    AccountKind,
    AgreementKind,
    CollectiveMember,
    Distribution,
    JournalKind,
    Payout,
)
from collective_econ.payouts.services import payout_create
from collective_econ.shares.services import (
    collective_member_register,
    investor_agreement_set,
    investor_register,
    member_shares_set,
)
from marketplace.accounts.models import Role
from marketplace.red_supermarket.counter.services import till_shift_open
from marketplace.red_supermarket.models import RedSupermarket, TillShift, TillShiftStatus
from tests import factories

_keys = itertools.count(1)
THIS_YEAR = timezone.localdate().year
# The last closed year: only a closed year is distributed, so the books are kept there.
BOOK_YEAR = THIS_YEAR - 1


@dataclass
class Books:
    village: Any
    shop: Any
    manager: Any
    officer: Any
    admin: Any
    households: list[Any] = field(default_factory=list)
    members: list[CollectiveMember] = field(default_factory=list)


def make_books(*, households: int = 3, shares: list[str] | None = None) -> Books:
    shop = factories.shop()
    village = shop.village
    books = Books(
        village=village,
        shop=shop,
        manager=factories.user(role=Role.SHOP_MANAGER, shop_obj=shop, is_staff=True),
        officer=factories.user(
            role=Role.TOWNSHIP_OFFICER, township_obj=village.township, is_staff=True
        ),
        admin=factories.platform_admin(),
    )
    for i in range(households):
        household = factories.household(village_obj=village)
        books.households.append(household)
        if shares is not None and i < len(shares):
            member = collective_member_register(
                actor=books.manager, household=household, reason="founding register"
            )
            member_shares_set(
                actor=books.manager,
                member=member,
                shares=shares[i],
                valid_from=date(2020, 1, 1),
                reason="founding register",
            )
            books.members.append(member)
    return books


def post_collective_income(village: Any, amount: str, *, year: int = BOOK_YEAR) -> None:
    """Income (positive) or a loss (negative) on the collective's account, against
    Alipay clearing, posted in `year`."""
    value = Decimal(amount)
    collective = account_get_or_create(kind=AccountKind.VILLAGE_COLLECTIVE, owner=village)
    clearing = account_get_or_create(kind=AccountKind.ALIPAY_CLEARING)
    key = f"test-income:{next(_keys)}:{village.pk}"
    if year == THIS_YEAR:
        journal_post(
            kind=JournalKind.MANUAL,
            idempotency_key=key,
            legs=[Leg(clearing, value), Leg(collective, -value)],
        )
        return
    # One transaction: the deferred balance check runs at its commit, legs and all (in a
    # transactional test each statement would otherwise commit on its own).
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO collective_econ_journaltransaction (kind, idempotency_key, memo, "
            "posted_at) VALUES ('MANUAL', %s, '', %s) RETURNING id",
            [key, timezone.make_aware(datetime(year, 6, 30, 12))],
        )
        (txn,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO collective_econ_posting (transaction_id, account_id, amount, currency) "
            "VALUES (%s, %s, %s, 'CNY'), (%s, %s, %s, 'CNY')",
            [txn, clearing.pk, value, txn, collective.pk, -value],
        )


def stock_till(village: Any, amount: str = "10000.00") -> Any:
    """The village's Red Supermarket (made for its first shop when it has none), with a
    till shift open (a float of 0, opened by an operator of its shop, when none is open)
    and `amount` yuan of cash brought into its till, so cash payouts have cash to pay
    from. The cash comes from the bank (Alipay clearing), not as a float from the
    collective's account, so the collective's income stays what the test posted."""
    supermarket = RedSupermarket.objects.filter(shop__village=village).first()
    if supermarket is None:
        shop = village.shops.order_by("pk").first() or factories.shop(village_obj=village)
        supermarket = factories.red_supermarket(shop_obj=shop)
    if not TillShift.objects.filter(supermarket=supermarket, status=TillShiftStatus.OPEN).exists():
        operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=supermarket.shop)
        till_shift_open(supermarket=supermarket, operator=operator, float_amount="0.00")
    till = account_get_or_create(kind=AccountKind.CASH_TILL, owner=village)
    clearing = account_get_or_create(kind=AccountKind.ALIPAY_CLEARING)
    journal_post(
        kind=JournalKind.MANUAL,
        idempotency_key=f"test-till:{next(_keys)}:{village.pk}",
        legs=[Leg(till, Decimal(amount)), Leg(clearing, -Decimal(amount))],
        memo="cash brought to the till from the bank",
    )
    return supermarket


def error_code(exc: Any) -> str:
    """The code of a service refusal caught by `pytest.raises(ValidationError)`."""
    return next(iter(exc.value.error_dict.values()))[0].code


def draft_distribution(books: Books, *, year: int = BOOK_YEAR, **kw: Any) -> Distribution:
    return distribution_create(
        actor=books.manager,
        village=books.village,
        year=year,
        reserve_fund_percent=kw.pop("reserve", "10"),
        welfare_fund_percent=kw.pop("welfare", "5"),
        reason="plan",
        **kw,
    )


def approve_distribution(books: Books, draft: Distribution) -> Distribution:
    return distribution_approve(
        actor=books.manager,
        distribution=draft,
        assembly_date=timezone.localdate(),
        attendance=30,
        resolution="全体成员大会通过",
    )


def filed_distribution(books: Books, *, year: int = BOOK_YEAR, **kw: Any) -> Distribution:
    draft = approve_distribution(books, draft_distribution(books, year=year, **kw))
    return distribution_file(actor=books.officer, distribution=draft, reason="reviewed")


def member_cash_payout(books: Books, *, household: Any, amount: str, key: str) -> Payout:
    """Pay `household` `amount` of its dividends in cash at the counter, whose till is
    first given that cash."""
    stock_till(books.village, amount)
    return payout_create(
        actor=books.manager,
        village=books.village,
        household=household,
        account_kind="MEMBER",
        amount=amount,
        method="CASH",
        request_id=key,
        receipt_number=f"R-{key}",
    )


def seed_every_distribution_row(village: Any) -> None:
    """One row of every register, distribution and payout table in `village` (for the
    back office's "every model renders" test)."""
    admin = factories.platform_admin()
    household = factories.household(village_obj=village)
    member = collective_member_register(actor=admin, household=household, reason="register")
    member_shares_set(
        actor=admin, member=member, shares="1", valid_from=date(2020, 1, 1), reason="register"
    )
    investor = investor_register(actor=admin, village=village, name="投资方", reason="capital")
    investor_agreement_set(
        actor=admin,
        investor=investor,
        kind=AgreementKind.FIXED_RETURN,
        capital_amount="100.00",
        rate="0.05",
        valid_from=date(2020, 1, 1),
        reason="agreement",
    )
    post_collective_income(village, "100.00")
    books = Books(village=village, shop=None, manager=admin, officer=admin, admin=admin)
    filed_distribution(books)
    stock_till(village, "1.00")
    payout_create(
        actor=admin,
        village=village,
        household=household,
        account_kind="MEMBER",
        amount="1.00",
        method="CASH",
        request_id=f"seed-{village.pk}",
        receipt_number=f"SEED-{village.pk}",
    )
