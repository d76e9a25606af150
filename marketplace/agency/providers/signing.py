"""The aggregator protocol's signatures: one canonical string, two schemes behind one
interface (`Signature`).

Canonical string: every top-level field except `sign`, with a non-empty value, sorted by
name, joined as `name=value&...`; objects and lists are written as compact JSON with
sorted keys. Both ends build it the same way, so the order of JSON keys on the wire never
matters. `sign_type` is one of the signed fields, so an answer cannot be downgraded to
another scheme without breaking its signature.

- HMAC-SHA256: one shared key; both ends sign and verify with it (hex digest).
- RSA2 (SHA256withRSA, PKCS#1 v1.5, base64), as Alipay-style aggregators do: each end
  signs with its own private key and verifies with the other end's public key. The RSA
  primitives are the Alipay adapter's (`payments.alipay.signing`), not a second copy.

A `Signature` is always one party's view: what it signs with and whom it believes. The
adapter holds ours (our key, the provider's public key); the sandbox holds the provider's.
No Django here: the sandbox imports it as it is.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any, Protocol

from marketplace.payments.alipay.signing import Rsa2Signer, Rsa2Verifier

HMAC_SHA256 = "HMAC-SHA256"
RSA2 = "RSA2"
SIGN_TYPES = (HMAC_SHA256, RSA2)
# The statement file's last line: `#sign=<signature of every line above it>`.
STATEMENT_SIGN_PREFIX = "#sign="


class Signature(Protocol):
    @property
    def sign_type(self) -> str: ...

    def sign(self, message: str) -> str: ...

    def verify(self, message: str, signature: str) -> bool: ...


class HmacSha256Signature:
    sign_type = HMAC_SHA256

    def __init__(self, key: str) -> None:
        if not key:
            raise ValueError("an HMAC-SHA256 provider needs a shared key")
        self._key = key.encode("utf-8")

    def sign(self, message: str) -> str:
        return hmac.new(self._key, message.encode("utf-8"), hashlib.sha256).hexdigest()

    def verify(self, message: str, signature: str) -> bool:
        return hmac.compare_digest(signature.encode("utf-8"), self.sign(message).encode("utf-8"))


class Rsa2Signature:
    sign_type = RSA2

    def __init__(self, *, private_key_pem: str, peer_public_key_pem: str) -> None:
        self._signer = Rsa2Signer(private_key_pem)
        self._verifier = Rsa2Verifier(peer_public_key_pem)

    def sign(self, message: str) -> str:
        return self._signer.sign(message)

    def verify(self, message: str, signature: str) -> bool:
        return self._verifier.verify(message, signature)


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


def signed(fields: Mapping[str, Any], signature: Signature) -> dict[str, Any]:
    body = {k: v for k, v in fields.items() if k != "sign"}
    body["sign_type"] = signature.sign_type
    body["sign"] = signature.sign(canonical(body))
    return body


def verify(fields: Mapping[str, Any], signature: Signature) -> bool:
    given = fields.get("sign")
    if not isinstance(given, str) or not given:
        return False
    if fields.get("sign_type") != signature.sign_type:
        return False
    return signature.verify(canonical(fields), given)


def statement_signed(body: str, signature: Signature) -> str:
    """The statement file as served: its lines, then the signature of all of them."""
    return f"{body}{STATEMENT_SIGN_PREFIX}{signature.sign(body)}\n"


def statement_verified(text: str, signature: Signature) -> str | None:
    """The statement's lines when its last line signs them, else None."""
    body, found, trailer = text.rpartition(STATEMENT_SIGN_PREFIX)
    given = trailer.strip()
    if not found or not given or not signature.verify(body, given):
        return None
    return body
