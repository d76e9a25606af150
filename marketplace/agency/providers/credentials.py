"""Each provider's signing credentials, from its AGENCY_PROVIDERS entry (settings).

In: `sign_type` ("HMAC-SHA256" with `key`, or "RSA2" with our private key and the
provider's public key, inline PEM or a file path each). Out: the `Signature` our adapter
signs and verifies with, and for the local sandbox the provider's own half.

A sandbox provider (no AGENCY_<CODE>_URL, `sandbox` true) that names no RSA keys gets key
pairs generated once under `<data dir>/agency/<code>/` (`merchant_*` ours, `provider_*`
the sandbox's) with the Alipay sandbox's key helper, so the web process, the sandbox
process and test workers all agree. A real provider never falls back to generated keys:
missing keys fail closed.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings

from marketplace.agency.providers.base import ProviderError, ProviderErrorCode
from marketplace.agency.providers.signing import (
    HMAC_SHA256,
    RSA2,
    HmacSha256Signature,
    Rsa2Signature,
    Signature,
)
from marketplace.payments.alipay import keys

MERCHANT_KEY_NAME = "merchant"
PROVIDER_KEY_NAME = "provider"


class CredentialsError(ValueError):
    """A provider's sign type or keys are missing or unusable."""


def agency_key_dir(code: str) -> Path:
    return Path(settings.DATA_DIR) / "agency" / code


def merchant_signature(code: str, conf: Mapping[str, Any]) -> Signature:
    """Ours: sign requests, verify the provider's answers, callbacks and statements."""
    sign_type = _sign_type(code, conf)
    if sign_type == HMAC_SHA256:
        return _hmac(str(conf.get("key") or ""))
    return _rsa2(_our_private_key(code, conf), _provider_public_key(code, conf))


def provider_signature(code: str, conf: Mapping[str, Any]) -> Signature:
    """The sandbox's, playing the provider: its own private key, our public key."""
    sign_type = _sign_type(code, conf)
    if sign_type == HMAC_SHA256:
        return _hmac(str(conf.get("key") or ""))
    provider = keys.ensure_key_pair(agency_key_dir(code), PROVIDER_KEY_NAME)
    return _rsa2(provider.private_key_pem, keys.public_key_pem_of(_our_private_key(code, conf)))


class ConfiguredSignature:
    """The adapter's signature, loaded on first use: a provider with broken credentials
    then fails its calls with a coded ProviderError (the order stays UNKNOWN, the callback
    is refused) instead of failing whatever merely built its adapter."""

    def __init__(self, code: str, conf: Mapping[str, Any]) -> None:
        self.code = code
        self._conf = dict(conf)
        self._loaded: Signature | None = None

    @property
    def sign_type(self) -> str:
        return self._signature().sign_type

    def sign(self, message: str) -> str:
        return self._signature().sign(message)

    def verify(self, message: str, signature: str) -> bool:
        return self._signature().verify(message, signature)

    def _signature(self) -> Signature:
        if self._loaded is None:
            try:
                self._loaded = merchant_signature(self.code, self._conf)
            except (CredentialsError, OSError, ValueError) as exc:
                raise ProviderError(
                    f"{self.code}'s signing credentials are unusable: {exc}",
                    ProviderErrorCode.MISCONFIGURED,
                ) from exc
        return self._loaded


def _sign_type(code: str, conf: Mapping[str, Any]) -> str:
    sign_type = str(conf.get("sign_type") or HMAC_SHA256).upper()
    if sign_type not in (HMAC_SHA256, RSA2):
        raise CredentialsError(f"AGENCY_{code.upper()}_SIGN_TYPE {sign_type!r} is not known")
    return sign_type


def _our_private_key(code: str, conf: Mapping[str, Any]) -> str:
    found = _pem(conf, "private_key", private=True)
    if found:
        return found
    if conf.get("sandbox"):
        return keys.ensure_key_pair(agency_key_dir(code), MERCHANT_KEY_NAME).private_key_pem
    raise CredentialsError(
        f"AGENCY_{code.upper()}_PRIVATE_KEY or AGENCY_{code.upper()}_PRIVATE_KEY_PATH is not set"
    )


def _provider_public_key(code: str, conf: Mapping[str, Any]) -> str:
    found = _pem(conf, "provider_public_key", private=False)
    if found:
        return found
    if conf.get("sandbox"):
        return keys.ensure_key_pair(agency_key_dir(code), PROVIDER_KEY_NAME).public_key_pem
    raise CredentialsError(f"AGENCY_{code.upper()}_PROVIDER_PUBLIC_KEY or its _PATH is not set")


def _pem(conf: Mapping[str, Any], name: str, *, private: bool) -> str:
    inline = str(conf.get(name) or "")
    if inline:
        return keys.normalise_pem(inline, private=private)
    path = str(conf.get(f"{name}_path") or "")
    return keys.read_pem(Path(path), private=private) if path else ""


@functools.lru_cache(maxsize=32)
def _hmac(key: str) -> HmacSha256Signature:
    return HmacSha256Signature(key)


@functools.lru_cache(maxsize=32)
def _rsa2(private_key_pem: str, peer_public_key_pem: str) -> Rsa2Signature:
    # Parsing an RSA key costs milliseconds; every adapter_for() would pay it again.
    return Rsa2Signature(private_key_pem=private_key_pem, peer_public_key_pem=peer_public_key_pem)
