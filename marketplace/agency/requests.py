"""The client's request id, the one key that makes a retried submit find the first."""

from __future__ import annotations

import re

from marketplace.agency.error_codes import AgencyErrorCode
from marketplace.core.errors import refuse

_REQUEST_ID = re.compile(r"[0-9A-Za-z_.:-]{8,64}")


def check_request_id(value: str) -> str:
    value = (value or "").strip()
    if not _REQUEST_ID.fullmatch(value):
        raise refuse(
            "request_id",
            "A request id of 8 to 64 letters, digits or - _ . : is needed.",
            AgencyErrorCode.INVALID_FIELD,
        )
    return value


def refuse_reused(kind: str) -> Exception:
    return refuse(
        "request_id",
        f"This request id was already used for a different {kind}.",
        AgencyErrorCode.REQUEST_ID_REUSED,
    )
