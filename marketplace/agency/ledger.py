"""How agency business lands in the ledger (collective_econ services only).

A cash bill payment: Dr CASH_TILL (amount + fee) / Cr AGENCY_PROVIDER_PAYABLE (amount less
the provider's commission) / Cr VILLAGE_COLLECTIVE (fee + commission). A cash withdrawal:
Dr WITHDRAWAL_RECEIVABLE (amount + commission) / Cr CASH_TILL (amount) / Cr
VILLAGE_COLLECTIVE (commission). A bill paid by Alipay payment code debits ALIPAY_CLEARING
instead of the till, and only once Alipay confirmed the payment. A failure reverses the
entry; a ticket refund pays the villager back out of the till against what is owed to the
provider.
"""

from __future__ import annotations

from decimal import Decimal

from collective_econ.ledger.services import Leg, journal_post, transaction_reverse
from collective_econ.ledger.services import account_get_or_create as _account
from collective_econ.models import AccountKind, JournalKind, JournalTransaction
from marketplace.accounts.models import User
from marketplace.red_supermarket.counter.ledger import till_account, till_cash_balance
from marketplace.red_supermarket.models import RedSupermarket


def till_balance(*, supermarket: RedSupermarket) -> Decimal:
    """The cash in the supermarket's till (the counter's ledger owns the rule)."""
    return till_cash_balance(village=supermarket.shop.village)


def post_payment(
    *,
    key: str,
    supermarket: RedSupermarket,
    amount: Decimal,
    fee: Decimal,
    commission: Decimal,
    memo: str,
    actor: User,
    by_alipay: bool = False,
) -> JournalTransaction:
    """The villager pays `amount + fee` for a provider's service, in cash (into the till) or
    by Alipay (into ALIPAY_CLEARING, where Alipay settles it); the village keeps
    `commission` (the fee plus the provider's commission)."""
    village = supermarket.shop.village
    received = (
        _account(kind=AccountKind.ALIPAY_CLEARING) if by_alipay else till_account(village=village)
    )
    legs = [
        Leg(received, amount + fee),
        Leg(_account(kind=AccountKind.AGENCY_PROVIDER_PAYABLE), -(amount + fee - commission)),
    ]
    if commission:
        legs.append(Leg(_account(kind=AccountKind.VILLAGE_COLLECTIVE, owner=village), -commission))
    entry, _ = journal_post(
        kind=JournalKind.AGENCY_SERVICE, idempotency_key=key, legs=legs, memo=memo, actor=actor
    )
    return entry


def post_withdrawal(
    *,
    key: str,
    supermarket: RedSupermarket,
    amount: Decimal,
    commission: Decimal,
    memo: str,
    actor: User,
) -> JournalTransaction:
    village = supermarket.shop.village
    legs = [
        Leg(_account(kind=AccountKind.WITHDRAWAL_RECEIVABLE), amount + commission),
        Leg(till_account(village=village), -amount),
    ]
    if commission:
        legs.append(Leg(_account(kind=AccountKind.VILLAGE_COLLECTIVE, owner=village), -commission))
    entry, _ = journal_post(
        kind=JournalKind.AGENCY_SERVICE, idempotency_key=key, legs=legs, memo=memo, actor=actor
    )
    return entry


def post_cash_refund(
    *, key: str, supermarket: RedSupermarket, amount: Decimal, memo: str, actor: User
) -> JournalTransaction:
    """Cash back to the villager for what the provider refunded (a ticket refund)."""
    village = supermarket.shop.village
    entry, _ = journal_post(
        kind=JournalKind.AGENCY_SERVICE,
        idempotency_key=key,
        legs=[
            Leg(_account(kind=AccountKind.AGENCY_PROVIDER_PAYABLE), amount),
            Leg(till_account(village=village), -amount),
        ],
        memo=memo,
        actor=actor,
    )
    return entry


def reverse_posting(*, key: str, memo: str, actor: User | None) -> JournalTransaction | None:
    """Reverse the entry posted under `key` (once; a second call returns the same reversal)."""
    original = JournalTransaction.objects.filter(idempotency_key=key).first()
    if original is None:
        return None
    return transaction_reverse(journal_transaction=original, memo=memo, actor=actor)
