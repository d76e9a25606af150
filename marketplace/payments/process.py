"""Saleor's transactionProcess: carry on with an attempt the buyer left waiting.

- a demo attempt waiting for its second step (CHARGE_ACTION_REQUIRED) is settled as
  `data.event.type` asks (CHARGE_SUCCESS by default, or CHARGE_FAILURE);
- an Alipay attempt is checked with Alipay now (`alipay.trade.query`), as reconciliation
  would do later: what a storefront calls when the buyer comes back from the cashier;
- cash is confirmed at the counter, never here.

A settled attempt answers TRANSACTION_ALREADY_PROCESSED, so a retried call changes nothing.
Only whoever may use the attempt's checkout may process it: another buyer's attempt is
NOT_FOUND, as the checkout itself would be.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from marketplace.accounts.models import User
from marketplace.core.errors import refuse
from marketplace.payments.demo_gateway import AT_PROCESS, demo_event_type, demo_settle
from marketplace.payments.error_codes import TransactionProcessErrorCode
from marketplace.payments.models import (
    GatewayId,
    TransactionEvent,
    TransactionItem,
    TransactionStatus,
)
from marketplace.payments.notify import transaction_reconcile

ProcessCode = TransactionProcessErrorCode


@dataclass(frozen=True)
class ProcessResult:
    transaction: TransactionItem
    event: TransactionEvent | None
    data: dict[str, Any]


def _may_use(tx: TransactionItem, user: User | None) -> bool:
    holder = tx.checkout or tx.order
    owner_id = holder.user_id if holder is not None else None
    return owner_id is None or (user is not None and user.pk == owner_id)


def transaction_process(*, token: UUID, data: Any = None, user: User | None) -> ProcessResult:
    tx = TransactionItem.objects.select_related("checkout", "order").filter(token=token).first()
    if tx is None or not _may_use(tx, user):
        raise refuse("id", "Couldn't find this transaction.", ProcessCode.NOT_FOUND)
    if tx.status != TransactionStatus.PENDING:
        raise refuse(
            "id",
            f"This payment attempt is already {tx.status.lower()}.",
            ProcessCode.TRANSACTION_ALREADY_PROCESSED,
        )
    if tx.gateway_id == GatewayId.DEMO:
        event_type = demo_event_type(
            data, allowed=AT_PROCESS, field="data", code=ProcessCode.INVALID
        )
        answer = demo_settle(transaction_id=tx.pk, event_type=event_type)
    elif tx.gateway_id == GatewayId.ALIPAY:
        answer = {"outcome": transaction_reconcile(transaction_id=tx.pk)}
    else:
        raise refuse(
            "id",
            "Cash is confirmed at the village counter (cashPaymentConfirm), not here.",
            ProcessCode.INVALID,
        )
    tx.refresh_from_db()
    return ProcessResult(tx, tx.events.order_by("-pk").first(), answer)
