"""A parcel dispatched at a Red Supermarket's station: logistics logs it (waybill, carrier,
the station's rules); the counter takes the villager's fee into its till and prints the
receipt, in the same transaction, so a logged dispatch never lacks its money or its
receipt and a retried submit repeats neither."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import transaction

from logistics.carriers.kuaidi100 import CARRIERS
from logistics.parcels.models import ParcelDispatch
from logistics.parcels.services import station_parcel_dispatch
from logistics.stations.models import VillageStation
from marketplace.accounts.models import User
from marketplace.red_supermarket.counter.ledger import post_parcel_dispatch_fee
from marketplace.red_supermarket.models import Receipt, ReceiptKind, RedSupermarket
from marketplace.red_supermarket.receipts import receipt_issue


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
    till with a receipt (a station without one has no till: the fee stays on the row)."""
    dispatch = station_parcel_dispatch(
        station=station, operator=operator, request_id=request_id, fee=fee, **parcel
    )
    supermarket = (
        RedSupermarket.objects.select_related("shop__village").filter(station=station).first()
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
            {
                "name": f"寄件 {carrier} {dispatch.waybill}",
                "quantity": 1,
                "unit_price": str(dispatch.fee_amount),
                "amount": str(dispatch.fee_amount),
            }
        ],
        total=dispatch.fee_amount,
        payment_method="CASH",
        operator=operator,
        payment_details={"waybill": dispatch.waybill},
    )
    return dispatch
