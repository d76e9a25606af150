"""What the counter posts to the village ledger, and how the till's cash is read from it.

The contract shared with agency services: the village's CASH_TILL balance is the cash in
the till. So:
- a cash sale: Dr CASH_TILL / Cr VILLAGE_COLLECTIVE; an Alipay one: Dr ALIPAY_CLEARING /
  Cr VILLAGE_COLLECTIVE (COUNTER_SALE, key "counter-sale:<id>");
- opening a shift with a float: Dr CASH_TILL / Cr VILLAGE_COLLECTIVE (MANUAL, key
  "till-float:<shift>"). The ledger has no separate "collective's safe" account, so the
  float is lent by the collective's own account and handed back at close;
- closing: one TILL_CLOSE entry (key "till-close:<shift>") with the variance between
  TILL_VARIANCE and CASH_TILL (short: Dr TILL_VARIANCE) and the float back to the
  collective (Dr VILLAGE_COLLECTIVE / Cr CASH_TILL). What stays on CASH_TILL afterwards is
  the shift's takings, counted, until they are banked.
The shift's expected cash is the sum of CASH_TILL postings since it opened (its float
included), whoever posted them: counter sales, agency bill payments, cash withdrawals.
This module owns that rule for everyone: `till_account` is the till, `till_cash_balance`
is all the cash in it (what a withdrawal may pay out), `till_cash_since` what moved
through it since a moment (a shift's expected cash). Agency services read and post the
till through these.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import Sum

from collective_econ.ledger.selectors import account_balance
from collective_econ.ledger.services import Leg, account_get_or_create, journal_post
from collective_econ.models import Account, AccountKind, JournalKind, Posting
from marketplace.accounts.models import User
from marketplace.divisions.models import Village

ZERO = Decimal("0.00")


def till_account(*, village: Village) -> Account:
    """The Red Supermarket's till: its village's CASH_TILL account."""
    return account_get_or_create(kind=AccountKind.CASH_TILL, owner=village)


def till_cash_balance(*, village: Village) -> Decimal:
    """All the cash in the till (the account's balance, read from the latest close on)."""
    return account_balance(account=till_account(village=village))


def post_counter_sale(
    *, sale_id: int, village: Village, total: Decimal, cash: bool, actor: User
) -> None:
    debit = (
        till_account(village=village)
        if cash
        else account_get_or_create(kind=AccountKind.ALIPAY_CLEARING)
    )
    collective = account_get_or_create(kind=AccountKind.VILLAGE_COLLECTIVE, owner=village)
    journal_post(
        kind=JournalKind.COUNTER_SALE,
        idempotency_key=f"counter-sale:{sale_id}",
        legs=[Leg(debit, total), Leg(collective, -total)],
        memo=f"Counter sale {sale_id}",
        actor=actor,
    )


def post_till_float(*, shift_id: int, village: Village, amount: Decimal, actor: User) -> None:
    if amount == 0:
        return
    journal_post(
        kind=JournalKind.MANUAL,
        idempotency_key=f"till-float:{shift_id}",
        legs=[
            Leg(till_account(village=village), amount),
            Leg(account_get_or_create(kind=AccountKind.VILLAGE_COLLECTIVE, owner=village), -amount),
        ],
        memo=f"Till float for shift {shift_id}",
        actor=actor,
    )


def till_cash_since(*, village: Village, since: datetime) -> Decimal:
    """The cash that went into the till less what came out, from `since` on."""
    till = till_account(village=village)
    total = Posting.objects.filter(account=till, transaction__posted_at__gte=since).aggregate(
        total=Sum("amount")
    )["total"]
    return (total or ZERO).quantize(Decimal("0.01"))


def post_till_close(
    *, shift_id: int, village: Village, float_amount: Decimal, variance: Decimal, actor: User
) -> None:
    till = till_account(village=village)
    legs = []
    if variance:
        legs += [
            Leg(account_get_or_create(kind=AccountKind.TILL_VARIANCE, owner=village), -variance),
            Leg(till, variance),
        ]
    if float_amount:
        legs += [
            Leg(
                account_get_or_create(kind=AccountKind.VILLAGE_COLLECTIVE, owner=village),
                float_amount,
            ),
            Leg(till, -float_amount),
        ]
    if not legs:
        return
    journal_post(
        kind=JournalKind.TILL_CLOSE,
        idempotency_key=f"till-close:{shift_id}",
        legs=legs,
        memo=f"Till shift {shift_id} closed, variance {variance}",
        actor=actor,
    )


def post_parcel_dispatch_fee(
    *, dispatch_id: int, village: Village, fee: Decimal, actor: User
) -> None:
    """The fee a villager pays in cash to send a parcel: into the till, owed to the carrier
    (logistics payable) until its bill is paid. Once per dispatch."""
    journal_post(
        kind=JournalKind.AGENCY_SERVICE,
        idempotency_key=f"parcel-dispatch-fee:{dispatch_id}",
        legs=[
            Leg(till_account(village=village), fee),
            Leg(account_get_or_create(kind=AccountKind.LOGISTICS_PAYABLE), -fee),
        ],
        memo=f"Parcel dispatch {dispatch_id}: fee taken in cash",
        actor=actor,
    )
