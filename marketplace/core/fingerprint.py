"""The fingerprint of a cleaned request, stored next to its request id: a retry with the
same id must also be the same request, or it is refused rather than handed the first one."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def request_fingerprint(*parts: Any) -> str:
    """SHA-256 of `parts` as JSON (dict keys sorted, so the order fields arrive in does not
    matter). Parts must be JSON values: pass Decimals and dates as strings."""
    body = json.dumps(list(parts), sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()
