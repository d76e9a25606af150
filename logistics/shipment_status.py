"""The statuses a shipment moves through and their order, apart from the models: carrier
adapters translate their own event codes into these, and must not import the shipment
tables to do it (the shipment services call the adapters)."""

from __future__ import annotations

from django.db import models


class ShipmentStatus(models.TextChoices):
    CREATED = "CREATED", "Created"
    COLLECTED = "COLLECTED", "Collected by the carrier"
    IN_TRANSIT = "IN_TRANSIT", "In transit"
    AT_STATION = "AT_STATION", "At the village station"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY", "Out for delivery"
    DAMAGED = "DAMAGED", "Damaged"
    DELIVERED = "DELIVERED", "Delivered"
    COLLECTED_BY_BUYER = "COLLECTED_BY_BUYER", "Collected by the buyer"
    LOST = "LOST", "Lost"
    RETURNED = "RETURNED", "Returned"


# Same rank means alternatives (at the station or out for delivery; the four ends): a
# move needs a strictly higher rank. A damaged parcel can still be handed over or returned,
# never sent back into transit. The migration's trigger repeats these numbers; a test checks
# that the two agree.
STATUS_RANK: dict[str, int] = {
    ShipmentStatus.CREATED: 0,
    ShipmentStatus.COLLECTED: 10,
    ShipmentStatus.IN_TRANSIT: 20,
    ShipmentStatus.AT_STATION: 30,
    ShipmentStatus.OUT_FOR_DELIVERY: 30,
    ShipmentStatus.DAMAGED: 35,
    ShipmentStatus.DELIVERED: 90,
    ShipmentStatus.COLLECTED_BY_BUYER: 90,
    ShipmentStatus.LOST: 90,
    ShipmentStatus.RETURNED: 90,
}
TERMINAL_STATUSES = frozenset(s for s, rank in STATUS_RANK.items() if rank == 90)
