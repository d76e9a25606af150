"""Error codes of township oversight, raised by its selectors inside ValidationError
(`marketplace.core.errors.refuse`) and shown unchanged by the bureau pages and the API."""

from enum import Enum


class OversightErrorCode(Enum):
    # A period kind other than month / quarter / range.
    UNKNOWN_PERIOD = "unknown_period"
    # A month, quarter or range that does not parse ("2026-13", "2026-Q5").
    INVALID_PERIOD = "invalid_period"
    PERIOD_IN_FUTURE = "period_in_future"
    RANGE_REVERSED = "range_reversed"
    RANGE_TOO_LONG = "range_too_long"
    UNKNOWN_TOWNSHIP = "unknown_township"
    UNKNOWN_COUNTY = "unknown_county"
    # The caller is not an officer of that township or county, nor a platform admin.
    NOT_PERMITTED = "not_permitted"
    UNKNOWN_PANEL = "unknown_panel"
    UNKNOWN_FORMAT = "unknown_format"
