"""Ruralmart extension: the booking a homestay or experience line carries, on checkout
lines and order lines alike (both rows keep the same three booking columns)."""

from __future__ import annotations

from typing import Any

import graphene


class Booking(graphene.ObjectType):
    """Ruralmart extension: the dates (end exclusive) and party of a tourism line."""

    start_date = graphene.Date(required=True)
    end_date = graphene.Date(required=True)
    guests = graphene.Int(required=True)


def booking_of(row: Any) -> Booking | None:
    if row.booking_start_date is None:
        return None
    return Booking(
        start_date=row.booking_start_date, end_date=row.booking_end_date, guests=row.booking_guests
    )
