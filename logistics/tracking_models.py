"""The models of stations, shipments and consolidation, gathered so that
`logistics/models.py` loads them with one import line."""

from logistics.consolidation.models import ConsolidationBatch, ConsolidationItem
from logistics.parcels.models import ParcelDispatch, StationParcel
from logistics.shipments.models import Shipment, ShipmentEvent
from logistics.stations.models import VillageStation

__all__ = [
    "ConsolidationBatch",
    "ConsolidationItem",
    "ParcelDispatch",
    "Shipment",
    "ShipmentEvent",
    "StationParcel",
    "VillageStation",
]
