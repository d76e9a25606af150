"""Error codes of township supervision, shared by its services and the API's error type."""

from enum import Enum


class SupervisionErrorCode(Enum):
    GRAPHQL_ERROR = "graphql_error"
    INVALID = "invalid"
    REQUIRED = "required"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    INVALID_TRANSITION = "invalid_transition"
    DUPLICATE = "duplicate"
    # A period that is not "YYYY-MM" / "YYYY-Qn", or a kind that does not exist.
    INVALID_PERIOD = "invalid_period"
    # A period that has not ended yet: its figures are not final.
    PERIOD_IN_FUTURE = "period_in_future"
    # A range whose end comes before its start.
    PERIOD_REVERSED = "period_reversed"
    # Evidence whose bytes are not one of the accepted file types, or too large.
    EVIDENCE_TYPE = "evidence_type"
    EVIDENCE_TOO_LARGE = "evidence_too_large"
    # An appointee failing the entry criteria with no recorded exception.
    CRITERIA_NOT_MET = "criteria_not_met"
    # A roster post naming a station of another village, or a station on a shop post.
    STATION_NOT_IN_VILLAGE = "station_not_in_village"
    # A re-run whose result differs from the published one.
    RANKING_CHANGED = "ranking_changed"
    ALREADY_FILED = "already_filed"
