"""The demo gateway: Saleor's dummy payment app's transaction flow, so that Saleor's own,
unmodified storefront can pay for an order against the demo. No money moves.

It is offered only where settings.DEMO_PAYMENT_GATEWAY is on (the demo and tests: see
`gateways.demo_gateway_enabled`). The storefront asks `transactionInitialize` with the
gateway id `saleor.io.dummy-payment-app` and, optionally, the dummy app's
`data: {event: {type}}`:

- `CHARGE_SUCCESS` (what the storefront sends by omission): charged at once, exactly as an
  Alipay notification would record it, so `checkoutComplete` follows;
- `CHARGE_ACTION_REQUIRED`: left pending, like a 3-D Secure step; `transactionProcess`
  then settles it with `CHARGE_SUCCESS` or `CHARGE_FAILURE`;
- `CHARGE_FAILURE`: the attempt fails.

Everything else about an attempt (idempotency keys, amounts, superseding, the checkout's
charge status) is the same code Alipay attempts go through.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from django.db import transaction

from marketplace.core.errors import refuse
from marketplace.payments.models import TransactionEventType, TransactionStatus
from marketplace.payments.records import event_add, record_paid, transaction_lock

CHARGE_SUCCESS = TransactionEventType.CHARGE_SUCCESS.value
CHARGE_FAILURE = TransactionEventType.CHARGE_FAILURE.value
CHARGE_ACTION_REQUIRED = TransactionEventType.CHARGE_ACTION_REQUIRED.value
AT_INITIALIZE = (CHARGE_SUCCESS, CHARGE_ACTION_REQUIRED, CHARGE_FAILURE)
AT_PROCESS = (CHARGE_SUCCESS, CHARGE_FAILURE)


def demo_event_type(data: Any, *, allowed: tuple[str, ...], field: str, code: Enum) -> str:
    """The event the caller asks the demo gateway for: `data.event.type`, by default
    CHARGE_SUCCESS. Anything else is refused with `code` before anything is written."""
    if data is None:
        return CHARGE_SUCCESS
    event = data.get("event") if isinstance(data, Mapping) else None
    if isinstance(data, Mapping) and "event" not in data:
        return CHARGE_SUCCESS
    requested = event.get("type") if isinstance(event, Mapping) else None
    if requested not in allowed:
        raise refuse(
            field,
            f"The demo gateway takes data {{event: {{type}}}} with type one of "
            f"{', '.join(allowed)}; got {requested!r}.",
            code,
        )
    return str(requested)


@transaction.atomic
def demo_settle(*, transaction_id: int, event_type: str) -> dict[str, Any]:
    """Apply the demo gateway's answer to a pending demo attempt (locked here), once: a
    settled attempt is answered as it stands."""
    tx = transaction_lock(transaction_id)
    if tx.status == TransactionStatus.PENDING:
        if event_type == CHARGE_SUCCESS:
            record_paid(
                tx,
                paid_amount=tx.amount,
                trade_no=tx.psp_reference,
                key="demo:charge",
                raw={"event": {"type": event_type}},
                source="demo gateway",
            )
        elif event_type == CHARGE_FAILURE:
            tx.status = TransactionStatus.FAILED
            tx.message = "Declined by the demo gateway, as asked."
            tx.save(update_fields=["status", "message", "modified_at"])
            event_add(
                tx,
                TransactionEventType.CHARGE_FAILURE,
                amount=tx.amount,
                key="demo:failure",
                message=tx.message,
            )
        else:
            event_add(
                tx,
                TransactionEventType.CHARGE_ACTION_REQUIRED,
                amount=tx.amount,
                key="demo:action-required",
                message="The demo gateway waits for transactionProcess.",
            )
    return {"event": {"type": event_type}, "pspReference": tx.psp_reference}
