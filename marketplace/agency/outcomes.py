"""What a provider's answer means for an order or a withdrawal, in one place: settled
(SUCCESS or FAILED) or still open, from a submit or from a query. A timeout or an
unreachable provider is never a failure: the request may have arrived."""

from __future__ import annotations

from dataclasses import dataclass

from marketplace.agency.providers.base import (
    OrderRequest,
    ProviderAdapter,
    ProviderError,
    ProviderStatus,
    ProviderTimeout,
)

UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class Outcome:
    # SUCCESS or FAILED once settled; PROCESSING (accepted, pending) or UNKNOWN otherwise.
    status: str
    provider_order_no: str = ""
    reason: str = ""

    @property
    def settled(self) -> bool:
        return self.status in (ProviderStatus.SUCCESS, ProviderStatus.FAILED)


def submit_outcome(adapter: ProviderAdapter, request: OrderRequest) -> Outcome:
    try:
        result = adapter.submit(request)
    except (ProviderTimeout, ProviderError) as exc:
        return Outcome(UNKNOWN, reason=str(exc))
    if not result.accepted:
        return Outcome(ProviderStatus.FAILED, reason=result.reason)
    if result.status in (ProviderStatus.SUCCESS, ProviderStatus.FAILED):
        return Outcome(result.status, result.provider_order_no)
    return Outcome(ProviderStatus.PROCESSING, result.provider_order_no)


def query_outcome(adapter: ProviderAdapter, *, request_id: str) -> Outcome:
    """NOT_FOUND settles as FAILED: the request never arrived, so nothing was paid there."""
    try:
        result = adapter.query(request_id=request_id)
    except (ProviderTimeout, ProviderError) as exc:
        return Outcome(UNKNOWN, reason=str(exc))
    if result.status == ProviderStatus.SUCCESS:
        return Outcome(ProviderStatus.SUCCESS, result.provider_order_no)
    if result.status in (ProviderStatus.FAILED, ProviderStatus.REJECTED, ProviderStatus.NOT_FOUND):
        missing = result.status == ProviderStatus.NOT_FOUND
        reason = result.reason or ("never reached the provider" if missing else result.status)
        return Outcome(ProviderStatus.FAILED, reason=reason)
    return Outcome(ProviderStatus.PROCESSING, result.provider_order_no)
