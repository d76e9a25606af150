"""RSA2 (SHA256withRSA, PKCS#1 v1.5) signatures in Alipay's scheme, on `cryptography`.

The signed text is every non-empty parameter except `sign`, sorted by name and joined as
`k=v&k=v` with raw (not URL-encoded) values; the signature is base64. One asymmetry: a
request to Alipay signs `sign_type` too, while what Alipay sends back (async notifications,
the sync return to return_url) leaves `sign_type` out of the signed text.

The sandbox signs and verifies with this; the adapter verifies through python-alipay-sdk,
so the two implementations cross-check each other in the tests.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

UNSIGNED_KEYS = frozenset({"sign", "sign_type"})


def signing_content(params: Mapping[str, str], *, request: bool = False) -> str:
    """The text to sign: `request=True` for calls to Alipay (sign_type included)."""
    skipped = {"sign"} if request else UNSIGNED_KEYS
    return "&".join(
        f"{key}={params[key]}"
        for key in sorted(params)
        if key not in skipped and params[key] not in ("", None)
    )


class Rsa2Signer:
    def __init__(self, private_key_pem: str) -> None:
        key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("not an RSA private key")
        self._key = key

    def sign(self, message: str) -> str:
        signature = self._key.sign(message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode("ascii")

    def sign_params(self, params: Mapping[str, str], *, request: bool = False) -> dict[str, str]:
        """A copy of `params` with `sign_type` and `sign` added (as Alipay signs what it
        sends, or as an app signs a request with `request=True`)."""
        signed = {key: value for key, value in params.items() if key not in UNSIGNED_KEYS}
        signed["sign_type"] = "RSA2"
        signed["sign"] = self.sign(signing_content(signed, request=request))
        return signed


class Rsa2Verifier:
    def __init__(self, public_key_pem: str) -> None:
        key = serialization.load_pem_public_key(public_key_pem.encode())
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError("not an RSA public key")
        self._key = key

    def verify(self, message: str, signature: str) -> bool:
        try:
            raw = base64.b64decode(signature, validate=True)
            self._key.verify(raw, message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, binascii.Error, ValueError):
            return False
        return True

    def verify_params(self, params: Mapping[str, str], *, request: bool = False) -> bool:
        signature = params.get("sign") or ""
        return bool(signature) and self.verify(signing_content(params, request=request), signature)
