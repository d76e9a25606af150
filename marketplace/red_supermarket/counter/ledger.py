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
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import Sum

from collective_econ.ledger.services import Leg, account_get_or_create, journal_post
from collective_econ.models import AccountKind, JournalKind, Posting
from marketplace.accounts.models import User
from marketplace.divisions.models import Village

ZERO = Decimal("0.00")


def post_counter_sale(
    *, sale_id: int, village: Village, total: Decimal, cash: bool, actor: User
) -> None:
    debit = (
        account_get_or_create(kind=AccountKind.CASH_TILL, owner=village)
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
            Leg(account_get_or_create(kind=AccountKind.CASH_TILL, owner=village), amount),
            Leg(account_get_or_create(kind=AccountKind.VILLAGE_COLLECTIVE, owner=village), -amount),
        ],
        memo=f"Till float for shift {shift_id}",
        actor=actor,
    )


def till_cash_since(*, village: Village, since: datetime) -> Decimal:
    till = account_get_or_create(kind=AccountKind.CASH_TILL, owner=village)
    total = Posting.objects.filter(account=till, transaction__posted_at__gte=since).aggregate(
        total=Sum("amount")
    )["total"]
    return (total or ZERO).quantize(Decimal("0.01"))


def post_till_close(
    *, shift_id: int, village: Village, float_amount: Decimal, variance: Decimal, actor: User
) -> None:
    till = account_get_or_create(kind=AccountKind.CASH_TILL, owner=village)
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
