"""What a provider adapter offers, in provider-neutral terms: submit an order, query one
whose outcome is unknown, refund or cancel where the provider allows, fetch the daily
statement; and, for ticket providers, search, hold, issue and refund seats."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any, Protocol


class ProviderTimeout(Exception):
    """No answer within the client timeout: the outcome is unknown, never assumed."""


class ProviderErrorCode(Enum):
    UNREACHABLE = "unreachable"
    # Not JSON, not an object, a field missing or of the wrong kind.
    BAD_ANSWER = "bad_answer"
    # An answer or a statement whose signature does not verify with the provider's key:
    # it may be forged or tampered with, so nothing in it is believed.
    BAD_SIGNATURE = "bad_signature"
    # The provider says our request was invalid, badly signed or from an unknown merchant.
    REFUSED = "refused"
    # Our side of the provider's configuration is unusable (sign type, keys).
    MISCONFIGURED = "misconfigured"


class ProviderError(Exception):
    """The provider could not be reached or answered something unusable; `code` says which."""

    def __init__(
        self, message: str, code: ProviderErrorCode = ProviderErrorCode.BAD_ANSWER
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class ProviderStatus:
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    PROCESSING = "PROCESSING"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    NOT_FOUND = "NOT_FOUND"


@dataclass(frozen=True)
class SubmitResult:
    # ACCEPTED or REJECTED; once accepted, `status` says how far it got (PROCESSING or SUCCESS).
    accepted: bool
    status: str
    provider_order_no: str = ""
    reason: str = ""


@dataclass(frozen=True)
class QueryResult:
    status: str
    provider_order_no: str = ""
    reason: str = ""
    amount: Decimal | None = None


@dataclass(frozen=True)
class StatementLine:
    request_id: str
    provider_order_no: str
    amount: Decimal
    status: str


@dataclass(frozen=True)
class Trip:
    trip_id: str
    mode: str
    origin: str
    destination: str
    departure_at: str  # ISO 8601 with offset
    seat_class: str
    price: Decimal
    seats_left: int


@dataclass(frozen=True)
class Hold:
    booking_no: str
    trip: Trip
    expires_at: str


@dataclass(frozen=True)
class TicketRefund:
    refund_fee: Decimal
    refund_amount: Decimal


@dataclass(frozen=True)
class OrderRequest:
    request_id: str
    item_code: str
    account: str
    amount: Decimal
    fields: dict[str, Any] = field(default_factory=dict)


class ProviderAdapter(Protocol):
    code: str

    def submit(self, order: OrderRequest) -> SubmitResult: ...

    def query(self, *, request_id: str) -> QueryResult: ...

    def refund(self, *, request_id: str, reason: str) -> QueryResult: ...

    def statement(self, *, day: date) -> list[StatementLine]: ...

    def verify_callback(self, body: dict[str, Any]) -> bool: ...


class TicketAdapter(ProviderAdapter, Protocol):
    def search(self, *, mode: str, origin: str, destination: str, day: date) -> list[Trip]: ...

    def hold(
        self, *, request_id: str, trip_id: str, passenger_name: str, id_number: str
    ) -> Hold: ...

    def issue(self, *, request_id: str, booking_no: str) -> SubmitResult: ...

    def refund_ticket(self, *, booking_no: str) -> TicketRefund: ...

    def release_hold(self, *, booking_no: str) -> bool:
        """Give a held seat back. True once the provider holds it no more (released now, or
        before, or never known); False when it was issued, so there is nothing to release."""
        ...
