"""Error codes of stations, shipments, tracking pushes, pickup and consolidation.

One Enum for this slice of logistics (zones and rates keep their own): services raise them
inside `ValidationError` (or `TrackingPushRefused` for the carrier callback), and a later
GraphQL layer exposes the same names.
"""

from enum import Enum


class TrackingErrorCode(Enum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    REQUIRED = "required"
    # Stations
    NOT_A_STATION_OPERATOR = "not_a_station_operator"
    NOT_A_VILLAGE = "not_a_village"
    STATION_FULL = "station_full"
    # Shipments and tracking
    UNKNOWN_CARRIER = "unknown_carrier"
    CARRIER_ERROR = "carrier_error"
    BACKWARDS_TRANSITION = "backwards_transition"
    INVALID_SIGNATURE = "invalid_signature"
    MALFORMED_PUSH = "malformed_push"
    UNKNOWN_WAYBILL = "unknown_waybill"
    # Pickup at the station
    NOT_AT_STATION = "not_at_station"
    INVALID_PICKUP_CODE = "invalid_pickup_code"
    PICKUP_LOCKED = "pickup_locked"
    ALREADY_COLLECTED = "already_collected"
    # Parcels logged in and dispatched at the station
    INVALID_PHONE = "invalid_phone"
    INVALID_WAYBILL = "invalid_waybill"
    DUPLICATE_WAYBILL = "duplicate_waybill"
    INVALID_FEE = "invalid_fee"
    INVALID_DESTINATION = "invalid_destination"
    # A fee taken in cash with the hosting Red Supermarket's till closed (the counter's code).
    NO_OPEN_SHIFT = "no_open_shift"
    # Consolidation
    BATCH_CLOSED = "batch_closed"
    BATCH_EMPTY = "batch_empty"
    PARCEL_IN_OPEN_BATCH = "parcel_in_open_batch"
    PARCEL_NOT_FROM_VILLAGE = "parcel_not_from_village"
    INVALID_WEIGHT = "invalid_weight"
