"""The aggregator protocol's signature: HMAC-SHA256 over the canonical string of the body.

Canonical string: every top-level field except `sign`, with a non-empty value, sorted by
name, joined as `name=value&...`; objects and lists are written as compact JSON with
sorted keys. Both ends build it the same way, so the order of JSON keys on the wire never
matters. Standard library only: the sandbox imports it without Django.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any


def canonical(fields: Mapping[str, Any]) -> str:
    parts = []
    for name in sorted(fields):
        value = fields[name]
        if name == "sign" or value is None or value == "":
            continue
        if isinstance(value, (dict, list)):
            text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        else:
            text = str(value)
        parts.append(f"{name}={text}")
    return "&".join(parts)


def sign(fields: Mapping[str, Any], key: str) -> str:
    return hmac.new(key.encode(), canonical(fields).encode(), hashlib.sha256).hexdigest()


def signed(fields: Mapping[str, Any], key: str) -> dict[str, Any]:
    body = {k: v for k, v in fields.items() if k != "sign"}
    body["sign"] = sign(body, key)
    return body


def verify(fields: Mapping[str, Any], key: str) -> bool:
    given = fields.get("sign")
    return isinstance(given, str) and hmac.compare_digest(given, sign(fields, key))


def statement_checksum(body: str, key: str) -> str:
    """The statement file's last line carries this HMAC of every line above it."""
    return hmac.new(key.encode(), body.encode("utf-8"), hashlib.sha256).hexdigest()
