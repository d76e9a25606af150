"""What the counter posts to the village ledger, and how the till's cash is read from it.

The contract shared with agency services: the village's CASH_TILL balance is the cash in
the till. So:
- a cash sale: Dr CASH_TILL / Cr VILLAGE_COLLECTIVE; an Alipay one: Dr ALIPAY_CLEARING /
  Cr VILLAGE_COLLECTIVE (COUNTER_SALE, key "counter-sale:<id>");
- opening a shift with a float: Dr CASH_TILL / Cr COLLECTIVE_CASH (MANUAL, key
  "till-float:<shift>"): the float is cash moved from the collective's safe (库存现金) into
  the drawer, never the collective's income;
- closing: one TILL_CLOSE entry (key "till-close:<shift>") with the variance between
  TILL_VARIANCE and CASH_TILL (short: Dr TILL_VARIANCE) and the float handed back to the
  account it came from (Dr COLLECTIVE_CASH / Cr CASH_TILL). Only what is there can go
  back: min(float, counted cash). When payouts or withdrawals took more than the shift
  took in, the drawer holds less than the float and handing back all of it would leave
  CASH_TILL below the cash in the drawer (negative). What stays on CASH_TILL afterwards
  is counted − handed back: the shift's takings, counted, until they are banked.
Shifts opened before COLLECTIVE_CASH existed had their float lent by VILLAGE_COLLECTIVE;
their close hands the whole float back there (`float_source` reads the float's own credit
leg), so the income account nets to nothing over the shift; the cash handed back is still
min(float, counted), and any part of the float no longer in the drawer is credited to
COLLECTIVE_CASH, as if it had been lent from there.
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


def till_float_key(shift_id: int) -> str:
    return f"till-float:{shift_id}"


def post_till_float(*, shift_id: int, village: Village, amount: Decimal, actor: User) -> None:
    if amount == 0:
        return
    journal_post(
        kind=JournalKind.MANUAL,
        idempotency_key=till_float_key(shift_id),
        legs=[
            Leg(till_account(village=village), amount),
            Leg(account_get_or_create(kind=AccountKind.COLLECTIVE_CASH, owner=village), -amount),
        ],
        memo=f"Till float for shift {shift_id}",
        actor=actor,
    )


def float_source(*, shift_id: int, village: Village) -> Account:
    """The account the shift's float was lent from: the credit leg of its till-float
    entry (VILLAGE_COLLECTIVE for shifts opened before COLLECTIVE_CASH existed), or the
    collective's cash when the shift had no float posted."""
    credit = (
        Posting.objects.filter(transaction__idempotency_key=till_float_key(shift_id), amount__lt=0)
        .select_related("account")
        .first()
    )
    if credit is not None:
        return credit.account
    return account_get_or_create(kind=AccountKind.COLLECTIVE_CASH, owner=village)


def float_handback(*, float_amount: Decimal, counted: Decimal) -> Decimal:
    """What the close hands back: the float, but never more than the drawer holds."""
    return max(ZERO, min(float_amount, counted))


def till_cash_since(*, village: Village, since: datetime) -> Decimal:
    """The cash that went into the till less what came out, from `since` on."""
    till = till_account(village=village)
    total = Posting.objects.filter(account=till, transaction__posted_at__gte=since).aggregate(
        total=Sum("amount")
    )["total"]
    return (total or ZERO).quantize(Decimal("0.01"))


def post_till_close(
    *,
    shift_id: int,
    village: Village,
    float_amount: Decimal,
    counted: Decimal,
    variance: Decimal,
    actor: User,
) -> Decimal:
    """Post the shift's close once; returns the cash handed back from the drawer."""
    till = till_account(village=village)
    handback = float_handback(float_amount=float_amount, counted=counted)
    legs = []
    if variance:
        legs += [
            Leg(account_get_or_create(kind=AccountKind.TILL_VARIANCE, owner=village), -variance),
            Leg(till, variance),
        ]
    if handback:
        legs += [Leg(till, -handback)]
    if float_amount:
        source = float_source(shift_id=shift_id, village=village)
        if source.kind == AccountKind.COLLECTIVE_CASH:
            if handback:
                legs += [Leg(source, handback)]
        else:
            # A legacy float lent by the income account goes back to it whole, so that
            # account nets to nothing over the shift; the part the drawer no longer holds
            # (paid out) is taken from the collective's cash, where it would have come
            # from had the float been lent from there.
            legs += [Leg(source, float_amount)]
            if float_amount > handback:
                collective_cash = account_get_or_create(
                    kind=AccountKind.COLLECTIVE_CASH, owner=village
                )
                legs += [Leg(collective_cash, handback - float_amount)]
    if legs:
        journal_post(
            kind=JournalKind.TILL_CLOSE,
            idempotency_key=f"till-close:{shift_id}",
            legs=legs,
            memo=f"Till shift {shift_id} closed, variance {variance}, float back {handback}",
            actor=actor,
        )
    return handback


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
