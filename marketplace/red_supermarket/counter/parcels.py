"""A parcel dispatched at a Red Supermarket's station: logistics logs it (waybill, carrier,
the station's rules); the counter takes the villager's fee into its till and prints the
receipt, in the same transaction, so a logged dispatch never lacks its money or its
receipt and a retried submit repeats neither. Like every cash the counter takes, the fee
needs an open till shift, held locked, so a till closing meanwhile counts it."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.db import transaction

from logistics.carriers.kuaidi100 import CARRIERS
from logistics.parcels.models import ParcelDispatch
from logistics.parcels.services import station_parcel_dispatch
from logistics.stations.models import VillageStation
from logistics.stations.pickup import check_works_at
from marketplace.accounts.models import User
from marketplace.core.errors import refuse
from marketplace.red_supermarket.counter.error_codes import CounterErrorCode
from marketplace.red_supermarket.counter.ledger import post_parcel_dispatch_fee
from marketplace.red_supermarket.counter.services import till_shift_lock_open
from marketplace.red_supermarket.models import Receipt, ReceiptKind, RedSupermarket
from marketplace.red_supermarket.receipts import receipt_issue, receipt_line


def _takes_cash(fee: Decimal | str) -> bool:
    """Whether `fee` is money to take; a malformed fee is left to the dispatch's own check."""
    try:
        amount = Decimal(str(fee))
    except InvalidOperation:
        return False
    return amount.is_finite() and amount > 0


def parcel_dispatch_reference(dispatch_id: int) -> str:
    return f"parcel-dispatch:{dispatch_id}"


def parcel_dispatch_receipt(*, dispatch: ParcelDispatch) -> Receipt | None:
    """The receipt the villager got for the dispatch's fee (none when free or when no Red
    Supermarket hosts the station)."""
    return Receipt.objects.filter(
        kind=ReceiptKind.AGENCY_ORDER, reference=parcel_dispatch_reference(dispatch.pk)
    ).first()


@transaction.atomic
def parcel_dispatch_at_counter(
    *, station: VillageStation, operator: User, request_id: UUID, fee: Decimal | str, **parcel: Any
) -> ParcelDispatch:
    """Log the dispatch; where a Red Supermarket hosts the station, its fee goes into the
    till with a receipt (a station without one has no till: the fee stays on the row).
    Holds the supermarket's open till shift locked while the fee goes in."""
    # Who may, before anything about the till is told.
    check_works_at(user=operator, station=station)
    supermarket = (
        RedSupermarket.objects.select_related("shop__village").filter(station=station).first()
    )
    if supermarket is not None and _takes_cash(fee):
        shift = till_shift_lock_open(supermarket=supermarket)
        # A retry of a dispatch logged before the till closed answers it: nothing is taken.
        if shift is None and not ParcelDispatch.objects.filter(request_id=request_id).exists():
            raise refuse(
                "fee",
                "开钱箱后才能收运费 / open the till before taking the fee.",
                CounterErrorCode.NO_OPEN_SHIFT,
            )
    dispatch = station_parcel_dispatch(
        station=station, operator=operator, request_id=request_id, fee=fee, **parcel
    )
    if supermarket is None or dispatch.fee_amount <= 0:
        return dispatch
    post_parcel_dispatch_fee(
        dispatch_id=dispatch.pk,
        village=supermarket.shop.village,
        fee=dispatch.fee_amount,
        actor=operator,
    )
    carrier = CARRIERS.get(dispatch.carrier, dispatch.carrier)
    receipt_issue(
        supermarket=supermarket,
        kind=ReceiptKind.AGENCY_ORDER,
        reference=parcel_dispatch_reference(dispatch.pk),
        lines=[
            receipt_line(
                " ".join(
                    part
                    for part in ("寄件", carrier, dispatch.waybill, dispatch.destination)
                    if part
                ),
                dispatch.fee_amount,
            )
        ],
        total=dispatch.fee_amount,
        payment_method="CASH",
        operator=operator,
        payment_details={"waybill": dispatch.waybill},
    )
    return dispatch
