"""Background work for shipments. Thin: load, call a service."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="logistics.notify_buyer", acks_late=True)
def notify_buyer(shipment_id: int, kind: str, code: str = "") -> bool:
    """Tell the buyer about a parcel event (scheduled after commit). The pickup code travels
    only in this task's arguments: the database keeps its hash."""
    from logistics.shipments.notifications import shipment_notify

    return shipment_notify(shipment_id=shipment_id, kind=kind, code=code)


@shared_task(name="logistics.subscribe_tracking", acks_late=True)
def subscribe_tracking(shipment_id: int) -> bool:
    from logistics.carriers.kuaidi100 import default_adapter
    from logistics.shipments.services import shipment_subscribe

    return shipment_subscribe(shipment_id=shipment_id, adapter=default_adapter())


@shared_task(name="logistics.remind_or_return_uncollected", acks_late=True)
def remind_or_return_uncollected() -> list[int]:
    from django.utils import timezone

    from logistics.shipments.services import shipments_remind_or_return

    return list(shipments_remind_or_return(now=timezone.now()))
