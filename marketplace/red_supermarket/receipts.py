"""Issuing receipts: one numbering for every kind of business done at the counter.

Counter sales, agency orders, cash withdrawals, cash payouts and till closes all hand the
villager (or the operator) a receipt; they call `receipt_issue` inside their own database
transaction, so a receipt exists exactly when the business it records does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.red_supermarket.models import Receipt, ReceiptCounter, RedSupermarket

CENT = Decimal("0.01")


def _next_number(*, supermarket: RedSupermarket, at: datetime) -> str:
    day = timezone.localdate(at)
    ReceiptCounter.objects.get_or_create(supermarket=supermarket, day=day)
    # The UPDATE takes the row lock; concurrent issuers queue here, not on a sequence gap.
    ReceiptCounter.objects.filter(supermarket=supermarket, day=day).update(
        last_number=F("last_number") + 1
    )
    last = ReceiptCounter.objects.get(supermarket=supermarket, day=day).last_number
    # RS<supermarket>-<yyyymmdd>-<nnnn>: readable over the phone, sortable, unique.
    return f"RS{supermarket.pk:04d}-{day:%Y%m%d}-{last:04d}"


def receipt_line(name: str, amount: Decimal) -> dict[str, Any]:
    """One line of one item at `amount`: what every service, fee or cash movement prints."""
    return {"name": name, "quantity": 1, "unit_price": str(amount), "amount": str(amount)}


@transaction.atomic
def receipt_issue(
    *,
    supermarket: RedSupermarket,
    kind: str,
    reference: str,
    lines: Sequence[Mapping[str, Any]],
    total: Decimal,
    payment_method: str,
    operator: User,
    payment_details: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> Receipt:
    """The receipt for `reference`: issued now, or the one already issued for it."""
    existing = Receipt.objects.filter(kind=kind, reference=reference).first()
    if existing is not None:
        return existing
    issued_at = at or timezone.now()
    return Receipt.objects.create(
        supermarket=supermarket,
        number=_next_number(supermarket=supermarket, at=issued_at),
        kind=kind,
        reference=reference,
        lines=[dict(line) for line in lines],
        total=total.quantize(CENT),
        payment_method=payment_method,
        payment_details=dict(payment_details or {}),
        operator=operator,
        issued_at=issued_at,
    )


def receipt_mark_reprinted(*, receipt: Receipt) -> None:
    Receipt.objects.filter(pk=receipt.pk).update(reprint_count=F("reprint_count") + 1)
