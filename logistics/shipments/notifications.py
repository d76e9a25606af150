"""Buyer notices about a parcel, through the notification service: e-mail, the buyer's
inbox when the order has an account, and SMS when the delivery address has a mainland
mobile. Each notice is recorded on the shipment (`notified`) under its row lock, and the
outbox row is unique per (event, recipient, channel), so a retried task sends nothing twice.
The pickup code is a secret of the notice: it reaches the delivery task, never a table."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from logistics.shipment_status import ShipmentStatus
from logistics.shipments.models import Shipment
from marketplace.notifications.addresses import mainland_mobile
from marketplace.notifications.models import Channel
from marketplace.notifications.services import notification_send


def _template(shipment: Shipment, kind: str, code: str) -> tuple[str, dict[str, Any]]:
    order = shipment.shop_order.order if shipment.shop_order else None
    number = order.number if order else ""
    station = shipment.station
    if kind == ShipmentStatus.AT_STATION and station is not None:
        return "shipment_at_station", {
            "number": number,
            "waybill": shipment.tracking_number,
            "shop": shipment.shop_order.shop.name if shipment.shop_order else "",
            "station": station.name,
            "address": station.address,
            "hours": station.opening_hours,
            "code": code,
        }
    if kind.startswith("REMINDER_"):
        return "shipment_reminder", {
            "number": number,
            "waybill": shipment.tracking_number,
            "station": station.name if station else "the station",
            "count": kind.removeprefix("REMINDER_"),
        }
    label = ShipmentStatus(kind).label if kind in ShipmentStatus.values else kind
    return "shipment_update", {
        "number": number,
        "waybill": shipment.tracking_number,
        "status": label,
        "text": f"Parcel {shipment.tracking_number} of order #{number}: {label}.",
    }


def shipment_notify(*, shipment_id: int, kind: str, code: str = "") -> bool:
    with transaction.atomic():
        shipment = (
            Shipment.objects.select_for_update(of=("self",))
            .select_related("shop_order__order__user", "shop_order__shop", "station")
            .filter(pk=shipment_id)
            .first()
        )
        if shipment is None or shipment.shop_order is None or kind in shipment.notified:
            return False
        order = shipment.shop_order.order
        if not order.user_email and order.user is None:
            return False
        template, context = _template(shipment, kind, code)
        address: dict[str, Any] = order.shipping_address or {}
        notification_send(
            event_key=f"shipment:{shipment.pk}:{kind}",
            template=template,
            context=context,
            recipient=order.user,
            email=order.user_email,
            phone=_mobile_or_blank(str(address.get("phone", ""))),
            channels=[Channel.EMAIL, Channel.INBOX, Channel.SMS],
        )
        shipment.notified = [*shipment.notified, kind]
        shipment.save(update_fields=["notified"])
        return True


def _mobile_or_blank(phone: str) -> str:
    # A landline on the address is not refused here: the buyer just gets no SMS.
    return mainland_mobile(phone) or ""
