"""Where each village's cash is, for the books index: the collective's own cash (its safe,
COLLECTIVE_CASH, 库存现金) and its Red Supermarket's till (CASH_TILL), read from the
ledger in a fixed number of queries whatever the number of villages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from collective_econ.ledger.selectors import account_balances
from collective_econ.models import Account, AccountKind
from marketplace.divisions.models import Village

ZERO = Decimal("0.00")
CASH_KINDS = (AccountKind.COLLECTIVE_CASH, AccountKind.CASH_TILL)


@dataclass(frozen=True)
class VillageCash:
    collective_cash: Decimal = ZERO
    till: Decimal = ZERO


def village_cash_balances(*, villages: Sequence[Village]) -> dict[int, VillageCash]:
    """Each village's collective cash and till balance (0.00 for an account never used)."""
    accounts = list(
        Account.objects.filter(kind__in=CASH_KINDS, village__in=[v.pk for v in villages])
    )
    balances = account_balances(accounts=accounts)
    found: dict[tuple[int, str], Decimal] = {
        (account.village_id or 0, account.kind): balances[account.pk] for account in accounts
    }
    return {
        village.pk: VillageCash(
            collective_cash=found.get((village.pk, AccountKind.COLLECTIVE_CASH), ZERO),
            till=found.get((village.pk, AccountKind.CASH_TILL), ZERO),
        )
        for village in villages
    }
