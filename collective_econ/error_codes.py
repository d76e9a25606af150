"""Error codes of the collective economy, raised by its services inside ValidationError
(see marketplace.core.errors.refuse) and, later, exposed unchanged by the API."""

from enum import Enum


class LedgerErrorCode(Enum):
    # Not a number, not 2 decimal places, negative where a positive amount is asked for.
    INVALID_AMOUNT = "invalid_amount"
    UNKNOWN_ACCOUNT = "unknown_account"
    INVALID_CURRENCY = "invalid_currency"
    # A manual entry whose legs do not sum to zero, or with fewer than two legs.
    UNBALANCED = "unbalanced"
    ALREADY_REVERSED = "already_reversed"
    CANNOT_REVERSE_REVERSAL = "cannot_reverse_reversal"
    INVALID_KEY = "invalid_key"
    NOT_FOUND = "not_found"
    # A period close for a period that has not ended (or ended within the grace).
    PERIOD_NOT_ENDED = "period_not_ended"
    # A period close before the latest one: the books are closed past it already.
    PERIOD_CLOSED = "period_closed"
    INVALID_PERIOD = "invalid_period"
    # Only platform admins (and the beat) close the books: a close spans every village.
    NOT_PERMITTED = "not_permitted"


class SettlementErrorCode(Enum):
    # The line's shop order is not paid, fulfilled and past its refund window.
    NOT_DUE = "not_due"
    NOT_SETTLED = "not_settled"
    INVALID_AMOUNT = "invalid_amount"
    # The fee schedule or a commission is outside [0, 1].
    INVALID_RATE = "invalid_rate"
    # A clawback larger than what is left of the line after earlier clawbacks.
    EXCEEDS_SETTLED = "exceeds_settled"
    # Only platform admins set the fee schedule.
    NOT_PERMITTED = "not_permitted"
    # A fee schedule dated before today (settled lines would change) or unknown channel.
    INVALID_PERIOD = "invalid_period"
    NOT_FOUND = "not_found"
    ALREADY_EXISTS = "already_exists"


class StatementErrorCode(Enum):
    """Reading the books: statements, ledger listings, the poverty watch (and the API)."""

    # A year outside 2000..2100 or in the future, a month outside 1..12.
    INVALID_PERIOD = "invalid_period"
    # An id that names no household, village, township, account or line.
    NOT_FOUND = "not_found"
    # Anonymous, a buyer, or a staff role whose scope does not reach those books.
    PERMISSION_DENIED = "permission_denied"
    # A household's income asked through a data request for days outside the request's
    # data period (the request reaches the household; its period does not hold those days).
    OUTSIDE_REQUEST_PERIOD = "outside_request_period"
    # A filter value that cannot be used (unknown kind, posted_from after posted_to).
    INVALID_FILTER = "invalid_filter"
    INVALID_AMOUNT = "invalid_amount"


class DistributionErrorCode(Enum):
    """The share register and yearly distributions (issue 8 §4)."""

    # The caller may not act on this village's (or township's) books.
    NOT_PERMITTED = "not_permitted"
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    INVALID_AMOUNT = "invalid_amount"
    # A percentage outside 0–100, or reserve + welfare above 100.
    INVALID_PERCENT = "invalid_percent"
    INVALID_PERIOD = "invalid_period"
    # A share or agreement period overlapping another of the same member or investor.
    OVERLAPPING_PERIOD = "overlapping_period"
    # A register change effective on a day an approved distribution has already read.
    PERIOD_CLOSED = "period_closed"
    # A household (or investor) that is not of the village named.
    WRONG_VILLAGE = "wrong_village"
    # Nobody holds shares on the record date.
    NO_MEMBERS = "no_members"
    NOTHING_TO_DISTRIBUTE = "nothing_to_distribute"
    # The funds, investors and members asked for add up to more than is distributable.
    EXCEEDS_DISTRIBUTABLE = "exceeds_distributable"
    ALREADY_EXISTS = "already_exists"
    # The step does not follow from the distribution's status (e.g. approving twice).
    INVALID_TRANSITION = "invalid_transition"
    # Paid is recorded only once members' distribution balances have been paid out.
    PAYOUTS_OUTSTANDING = "payouts_outstanding"
    # The current or a future year: its income is not final, so it is not distributed.
    YEAR_NOT_CLOSED = "year_not_closed"
    # At filing, the plan run again no longer gives the figures the assembly approved
    # (income or clawbacks posted since, the register changed): return it and redraft.
    STALE_PLAN = "stale_plan"


class PayoutErrorCode(Enum):
    """Payouts to households and members (issue 8 §5)."""

    NOT_PERMITTED = "not_permitted"
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    INVALID_AMOUNT = "invalid_amount"
    # More than the household's (or member's) balance due, less payouts in flight.
    EXCEEDS_BALANCE = "exceeds_balance"
    # The household is not of the village the payout is made from.
    WRONG_VILLAGE = "wrong_village"
    # Only a failed or unknown payout is retried.
    NOT_RETRYABLE = "not_retryable"
    RECEIPT_TAKEN = "receipt_taken"
    # Alipay refused the transfer; `message` carries Alipay's sub-code.
    TRANSFER_FAILED = "transfer_failed"
    # A cash payout larger than the cash in the village's Red Supermarket till.
    INSUFFICIENT_TILL_CASH = "insufficient_till_cash"
    # A cash payout in a village with no Red Supermarket to pay it at.
    NO_SUPERMARKET = "no_supermarket"
    # A cash payout while the Red Supermarket's till is closed: cash moves only during a
    # shift, so the shift's count includes it.
    NO_OPEN_SHIFT = "no_open_shift"
