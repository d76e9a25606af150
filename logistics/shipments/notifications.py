"""Buyer notices about a parcel, by email for now (the same backend as order notices).
Each notice is recorded on the shipment (`notified`) under its row lock, so a retried task
sends nothing twice."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from logistics.shipment_status import ShipmentStatus
from logistics.shipments.models import Shipment


def shipment_notify(*, shipment_id: int, kind: str, code: str = "") -> bool:
    with transaction.atomic():
        shipment = (
            Shipment.objects.select_for_update(of=("self",))
            .select_related("shop_order__order", "shop_order__shop", "station")
            .filter(pk=shipment_id)
            .first()
        )
        if shipment is None or shipment.shop_order is None or kind in shipment.notified:
            return False
        email = shipment.shop_order.order.user_email
        if not email:
            return False
        number = shipment.shop_order.order.number
        if kind == ShipmentStatus.AT_STATION and shipment.station is not None:
            text = (
                f"Your parcel {shipment.tracking_number} from {shipment.shop_order.shop.name} is "
                f"at {shipment.station.name} ({shipment.station.address}, "
                f"{shipment.station.opening_hours}). Pickup code: {code}"
            )
        elif kind.startswith("REMINDER_"):
            text = (
                f"Reminder: parcel {shipment.tracking_number} is waiting for you at "
                f"{shipment.station.name if shipment.station else 'the station'}."
            )
        else:
            label = ShipmentStatus(kind).label if kind in ShipmentStatus.values else kind
            text = f"Parcel {shipment.tracking_number} of order #{number}: {label}."
        send_mail(
            f"Ruralmart order #{number}: parcel update",
            text,
            getattr(settings, "DEFAULT_FROM_EMAIL", "noreply@ruralmart.local"),
            [email],
        )
        shipment.notified = [*shipment.notified, kind]
        shipment.save(update_fields=["notified"])
        return True
