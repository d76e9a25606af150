"""The aggregator protocol's client: signed JSON over HTTP to a provider's gateway.

One adapter class for every provider; how it signs (HMAC-SHA256 or RSA2) is the
`Signature` strategy it is given (`providers.credentials`). An answer, a callback or a
statement whose signature does not verify is never believed: ProviderError BAD_SIGNATURE.

A call that gets no answer within AGENCY_PROVIDER_TIMEOUT_SECONDS raises ProviderTimeout:
the caller marks the order UNKNOWN and queries it later, it never sends it again.
"""

from __future__ import annotations

import csv
import io
import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from marketplace.agency.providers.base import (
    Hold,
    OrderRequest,
    ProviderError,
    ProviderErrorCode,
    ProviderStatus,
    ProviderTimeout,
    QueryResult,
    StatementLine,
    SubmitResult,
    TicketRefund,
    Trip,
)
from marketplace.agency.providers.credentials import ConfiguredSignature
from marketplace.agency.providers.signing import Signature, signed, statement_verified, verify

CHINA = ZoneInfo("Asia/Shanghai")


class HttpProviderAdapter:
    def __init__(
        self,
        *,
        code: str,
        url: str,
        merchant_id: str,
        signature: Signature,
        timeout: float,
        notify_url: str,
    ) -> None:
        self.code = code
        self.url = url.rstrip("/")
        self.merchant_id = merchant_id
        self.signature = signature
        self.timeout = timeout
        self.notify_url = notify_url

    # --- transport ----------------------------------------------------------------------

    def _call(self, path: str, fields: dict[str, Any]) -> dict[str, Any]:
        body = signed(
            {
                "merchant_id": self.merchant_id,
                "timestamp": datetime.now(CHINA).strftime("%Y%m%d%H%M%S"),
                **fields,
            },
            self.signature,
        )
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except TimeoutError as exc:
            raise ProviderTimeout(f"{self.code}: no answer in {self.timeout}s") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise ProviderTimeout(f"{self.code}: no answer in {self.timeout}s") from exc
            raise ProviderError(
                f"{self.code} could not be reached: {exc.reason}", ProviderErrorCode.UNREACHABLE
            ) from exc
        except OSError as exc:
            raise ProviderError(
                f"{self.code} could not be reached: {exc}", ProviderErrorCode.UNREACHABLE
            ) from exc
        try:
            answer = json.loads(raw.decode("utf-8"))
        except ValueError as exc:
            raise ProviderError(f"{self.code} answered something that is not JSON") from exc
        if not isinstance(answer, dict):
            raise ProviderError(f"{self.code} answered something that is not an object")
        if not verify(answer, self.signature):
            raise ProviderError(
                f"{self.code}'s answer fails its {self.signature.sign_type} signature",
                ProviderErrorCode.BAD_SIGNATURE,
            )
        if answer.get("code") in ("INVALID", "INVALID_SIGN", "INVALID_MERCHANT"):
            raise ProviderError(
                f"{self.code} refused the request: {answer.get('reason', '')}",
                ProviderErrorCode.REFUSED,
            )
        return answer

    # --- orders -------------------------------------------------------------------------

    def submit(self, order: OrderRequest) -> SubmitResult:
        answer = self._call(
            "/api/order/submit",
            {
                "request_id": order.request_id,
                "item_code": order.item_code,
                "account": order.account,
                "amount": str(order.amount),
                "fields": order.fields,
                "notify_url": self.notify_url,
            },
        )
        if answer.get("code") == ProviderStatus.ACCEPTED:
            return SubmitResult(
                accepted=True,
                status=str(answer.get("status") or ProviderStatus.PROCESSING),
                provider_order_no=str(answer.get("provider_order_no") or ""),
            )
        return SubmitResult(
            accepted=False,
            status=ProviderStatus.REJECTED,
            reason=str(answer.get("reason") or "rejected"),
        )

    def query(self, *, request_id: str) -> QueryResult:
        answer = self._call("/api/order/query", {"request_id": request_id})
        return _query_result(answer)

    def refund(self, *, request_id: str, reason: str) -> QueryResult:
        answer = self._call("/api/order/refund", {"request_id": request_id, "reason": reason})
        if answer.get("code") != "OK":
            raise ProviderError(str(answer.get("reason") or "refund refused"))
        return _query_result(answer)

    def verify_callback(self, body: dict[str, Any]) -> bool:
        """True only for a notification from this provider's merchant account that its
        signature proves; unusable credentials raise ProviderError MISCONFIGURED."""
        return body.get("merchant_id") == self.merchant_id and verify(body, self.signature)

    def statement(self, *, day: date) -> list[StatementLine]:
        query = signed({"merchant_id": self.merchant_id, "date": f"{day:%Y%m%d}"}, self.signature)
        url = f"{self.url}/api/statement?{urllib.parse.urlencode(query)}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:
                text = response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            # 403: the provider could not verify our signed query.
            raise ProviderError(
                f"{self.code} refused the statement query: HTTP {exc.code}",
                ProviderErrorCode.REFUSED if exc.code == 403 else ProviderErrorCode.UNREACHABLE,
            ) from exc
        except (OSError, urllib.error.URLError) as exc:
            raise ProviderError(
                f"{self.code}'s statement could not be fetched: {exc}",
                ProviderErrorCode.UNREACHABLE,
            ) from exc
        body = statement_verified(text, self.signature)
        if body is None:
            raise ProviderError(
                f"{self.code}'s statement for {day} fails its {self.signature.sign_type} signature",
                ProviderErrorCode.BAD_SIGNATURE,
            )
        lines = []
        for row in csv.DictReader(io.StringIO(body)):
            try:
                amount = Decimal(row["amount"])
            except (InvalidOperation, KeyError, TypeError) as exc:
                raise ProviderError(f"{self.code}'s statement has a bad amount") from exc
            lines.append(
                StatementLine(
                    request_id=row["request_id"],
                    provider_order_no=row.get("provider_order_no") or "",
                    amount=amount,
                    status=row.get("status") or "",
                )
            )
        return lines

    # --- tickets ------------------------------------------------------------------------

    def search(self, *, mode: str, origin: str, destination: str, day: date) -> list[Trip]:
        answer = self._call(
            "/api/ticket/search",
            {"mode": mode, "origin": origin, "destination": destination, "date": day.isoformat()},
        )
        return [_trip(raw) for raw in answer.get("trips") or []]

    def hold(self, *, request_id: str, trip_id: str, passenger_name: str, id_number: str) -> Hold:
        answer = self._call(
            "/api/ticket/hold",
            {
                "request_id": request_id,
                "trip_id": trip_id,
                "passenger_name": passenger_name,
                "id_number": id_number,
            },
        )
        if answer.get("code") != "OK":
            raise ProviderError(str(answer.get("reason") or "hold refused"))
        return Hold(
            booking_no=str(answer["booking_no"]),
            trip=_trip(answer["trip"]),
            expires_at=str(answer["expires_at"]),
        )

    def issue(self, *, request_id: str, booking_no: str) -> SubmitResult:
        answer = self._call(
            "/api/ticket/issue", {"request_id": request_id, "booking_no": booking_no}
        )
        if answer.get("code") != ProviderStatus.ACCEPTED:
            return SubmitResult(
                accepted=False, status=ProviderStatus.REJECTED, reason=str(answer.get("reason"))
            )
        return SubmitResult(
            accepted=True,
            status=str(answer.get("status")),
            provider_order_no=str(answer.get("provider_order_no") or ""),
        )

    def refund_ticket(self, *, booking_no: str) -> TicketRefund:
        answer = self._call("/api/ticket/refund", {"booking_no": booking_no})
        if answer.get("code") != "OK":
            raise ProviderError(str(answer.get("reason") or "refund refused"))
        return TicketRefund(
            refund_fee=Decimal(str(answer["refund_fee"])),
            refund_amount=Decimal(str(answer["refund_amount"])),
        )

    def release_hold(self, *, booking_no: str) -> bool:
        answer = self._call("/api/ticket/release", {"booking_no": booking_no})
        if answer.get("code") == "OK":
            return True
        if answer.get("code") == "REJECTED":
            return False
        raise ProviderError(str(answer.get("reason") or "release not understood"))


def _query_result(answer: dict[str, Any]) -> QueryResult:
    amount = answer.get("amount")
    return QueryResult(
        status=str(answer.get("status") or ProviderStatus.NOT_FOUND),
        provider_order_no=str(answer.get("provider_order_no") or ""),
        reason=str(answer.get("reason") or ""),
        amount=Decimal(str(amount)) if amount not in (None, "") else None,
    )


def _trip(raw: dict[str, Any]) -> Trip:
    return Trip(
        trip_id=str(raw["trip_id"]),
        mode=str(raw["mode"]),
        origin=str(raw["origin"]),
        destination=str(raw["destination"]),
        departure_at=str(raw["departure_at"]),
        seat_class=str(raw["seat_class"]),
        price=Decimal(str(raw["price"])),
        seats_left=int(raw["seats_left"]),
    )


def adapter_for(code: str) -> HttpProviderAdapter:
    """The configured adapter of provider `code` (AGENCY_PROVIDERS)."""
    conf = settings.AGENCY_PROVIDERS[code]
    return HttpProviderAdapter(
        code=code,
        url=conf["url"],
        merchant_id=conf["merchant_id"],
        signature=ConfiguredSignature(code, conf),
        timeout=settings.AGENCY_PROVIDER_TIMEOUT_SECONDS,
        notify_url=f"{settings.AGENCY_CALLBACK_BASE_URL.rstrip('/')}/agency/callback/{code}/",
    )
