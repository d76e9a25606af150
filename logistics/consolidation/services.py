"""Writes for consolidation: open a batch, scan parcels in, close it into one consignment.

Closing locks the batch row; a second close finds it CLOSED and returns it unchanged, so
a retried request never books a second consignment in our books.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from logistics.carriers.base import CarrierAdapter, CarrierError, Party
from logistics.consolidation.models import BatchStatus, ConsolidationBatch, ConsolidationItem
from logistics.error_codes_tracking import TrackingErrorCode
from logistics.shipment_status import TERMINAL_STATUSES, ShipmentStatus
from logistics.shipments.models import Shipment, ShipmentEvent, ShipmentEventSource, ShipmentKind
from logistics.shipments.services import subscribe_after_commit
from logistics.stations.models import VillageStation
from logistics.stations.services import check_operates
from marketplace.accounts.models import User
from marketplace.core.errors import refuse

MAX_BATCH_WEIGHT_GRAMS = 2_000_000  # two tonnes: a small truck


@transaction.atomic
def batch_open(*, station: VillageStation, operator: User) -> ConsolidationBatch:
    check_operates(user=operator, station=station)
    return ConsolidationBatch.objects.create(station=station, opened_by=operator)


def _locked_open_batch(batch: ConsolidationBatch, operator: User) -> ConsolidationBatch:
    locked = (
        ConsolidationBatch.objects.select_for_update().select_related("station").get(pk=batch.pk)
    )
    check_operates(user=operator, station=locked.station)
    return locked


@transaction.atomic
def batch_add_parcel(
    *, batch: ConsolidationBatch, shipment: Shipment, operator: User
) -> ConsolidationItem:
    """Scan a parcel into an open batch. Scanning it again into the same batch is a no-op;
    a parcel already in another open batch is refused (the database guarantees it)."""
    locked = _locked_open_batch(batch, operator)
    if locked.status != BatchStatus.OPEN:
        raise refuse("batch", "The batch is closed.", TrackingErrorCode.BATCH_CLOSED)
    parcel = Shipment.objects.select_related("shop_order__shop").filter(pk=shipment.pk).first()
    if parcel is None or parcel.kind != ShipmentKind.PARCEL or parcel.shop_order is None:
        raise refuse(
            "shipment", "Only a shop order's parcel is scanned in.", TrackingErrorCode.INVALID
        )
    if parcel.shop_order.shop.village_id != locked.station.village_id:
        raise refuse(
            "shipment",
            f"Parcel {parcel} does not leave from {locked.station.name}'s village.",
            TrackingErrorCode.PARCEL_NOT_FROM_VILLAGE,
        )
    if parcel.status in TERMINAL_STATUSES:
        raise refuse("shipment", f"Parcel {parcel} has arrived already.", TrackingErrorCode.INVALID)
    existing = ConsolidationItem.objects.filter(batch=locked, shipment=parcel).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return ConsolidationItem.objects.create(batch=locked, shipment=parcel)
    except IntegrityError as exc:
        raise refuse(
            "shipment",
            f"Parcel {parcel} is in another open batch.",
            TrackingErrorCode.PARCEL_IN_OPEN_BATCH,
        ) from exc


def batch_close(
    *,
    batch: ConsolidationBatch,
    operator: User,
    total_weight_grams: int,
    carrier: str,
    adapter: CarrierAdapter,
) -> ConsolidationBatch:
    """Close the batch into one consignment to the county hub with its own waybill. Each
    parcel gets a "consolidated at <village> station" event and counts as collected."""
    if not 1 <= total_weight_grams <= MAX_BATCH_WEIGHT_GRAMS:
        raise refuse(
            "total_weight_grams",
            "A batch weighs between 1 g and 2 t.",
            TrackingErrorCode.INVALID_WEIGHT,
        )
    with transaction.atomic():
        locked = _locked_open_batch(batch, operator)
        if locked.status == BatchStatus.CLOSED:
            return locked
        items = list(locked.items.select_related("shipment").order_by("pk"))
        if not items:
            raise refuse("batch", "Scan at least one parcel first.", TrackingErrorCode.BATCH_EMPTY)
        station = locked.station
        try:
            # Under the batch lock, so two closes at once ask for one waybill only.
            waybill = adapter.create_waybill(
                carrier=carrier,
                sender=Party(name=station.name, mobile="", address=station.address),
                recipient=Party(name="county hub", mobile="", address=str(station.village)),
                weight_grams=total_weight_grams,
                cargo=f"{len(items)} parcels",
            )
        except CarrierError as exc:
            raise refuse("carrier", exc.message, TrackingErrorCode.CARRIER_ERROR) from exc
        now = timezone.now()
        consignment = Shipment.objects.create(
            kind=ShipmentKind.CONSIGNMENT,
            carrier=waybill.carrier,
            tracking_number=waybill.tracking_number,
        )
        locked.status = BatchStatus.CLOSED
        locked.consignment = consignment
        locked.total_weight_grams = total_weight_grams
        locked.closed_at = now
        locked.save()
        ConsolidationItem.objects.filter(batch=locked).update(batch_is_open=False)
        village = station.village.name
        parcels = list(
            Shipment.objects.select_for_update()
            .filter(pk__in=[item.shipment_id for item in items])
            .order_by("pk")
        )
        # One INSERT for the whole batch (its cost must not grow with the parcels); the
        # unique (shipment, key) index makes a repeated event a no-op, as get_or_create did.
        ShipmentEvent.objects.bulk_create(
            [
                ShipmentEvent(
                    shipment=parcel,
                    key=f"consolidated:{locked.pk}",
                    occurred_at=now,
                    source=ShipmentEventSource.STATION,
                    status=ShipmentStatus.COLLECTED,
                    description=f"已在{village}服务站集货 (consolidated at {village} station)",
                )
                for parcel in parcels
            ],
            ignore_conflicts=True,
        )
        Shipment.objects.filter(
            pk__in=[p.pk for p in parcels], status=ShipmentStatus.CREATED
        ).update(status=ShipmentStatus.COLLECTED)
        subscribe_after_commit(consignment.pk)
    return locked
