"""The bookings domain's error codes, shared by the services and (later) the GraphQL errors."""

from enum import Enum


class BookingErrorCode(Enum):
    # Bad booking input.
    INVALID_DATES = "invalid_dates"
    INVALID_GUESTS = "invalid_guests"
    TOO_MANY_GUESTS = "too_many_guests"
    NOT_BOOKABLE = "not_bookable"
    # Capacity.
    INSUFFICIENT_CAPACITY = "insufficient_capacity"
    CAPACITY_BELOW_BOOKED = "capacity_below_booked"
    # Hold life cycle.
    NOT_FOUND = "not_found"
    HOLD_EXPIRED = "hold_expired"
    HOLD_RELEASED = "hold_released"
    HOLD_CANCELLED = "hold_cancelled"
    ALREADY_ALLOCATED = "already_allocated"
    NOT_ALLOCATED = "not_allocated"
    # Cancellation policies.
    INVALID_POLICY = "invalid_policy"
