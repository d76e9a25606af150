"""What a carrier adapter offers, in carrier-neutral terms."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


class CarrierError(Exception):
    """The carrier refused or could not be reached. `message` is safe to show staff."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Party:
    """Sender or recipient on a waybill."""

    name: str
    mobile: str
    address: str


@dataclass(frozen=True)
class Waybill:
    carrier: str
    tracking_number: str


@dataclass(frozen=True)
class TrackPoint:
    """One event of a track as the carrier reports it."""

    time: datetime
    description: str
    carrier_state: str
    # Our status for it (a ShipmentStatus value), "" when the event is only a note.
    status: str
    location: str = ""


@dataclass(frozen=True)
class Track:
    carrier: str
    tracking_number: str
    points: list[TrackPoint] = field(default_factory=list)


class CarrierAdapter(Protocol):
    def create_waybill(
        self, *, carrier: str, sender: Party, recipient: Party, weight_grams: int, cargo: str
    ) -> Waybill: ...

    def query(self, *, carrier: str, tracking_number: str) -> Track: ...

    def subscribe(self, *, carrier: str, tracking_number: str) -> None: ...
