"""RSA key pairs for Alipay: generating them for the sandbox, loading and normalising PEM.

Under `<data dir>/alipay/` live two pairs: `app_*` (the merchant app's key; its public half
is what one would upload to Alipay) and `sandbox_*` (the local sandbox's own key, playing
Alipay's). Only the private key file is authoritative; the public file is derived from it.
Several processes (the web server, the sandbox, test workers) may start at once, so the
private key is created with an atomic link and every process ends up with the same key.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_BITS = 2048
APP_KEY_NAME = "app"
SANDBOX_KEY_NAME = "sandbox"


@dataclass(frozen=True)
class KeyPair:
    private_key_pem: str = field(repr=False)
    public_key_pem: str


def generate_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def public_key_pem_of(private_key_pem: str) -> str:
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def generate_key_pair() -> KeyPair:
    private = generate_private_key_pem()
    return KeyPair(private_key_pem=private, public_key_pem=public_key_pem_of(private))


def normalise_pem(text: str, *, private: bool) -> str:
    """PEM with headers, as python-alipay-sdk needs.

    Alipay's console hands out keys as one bare base64 line; wrap such a key in the
    PKCS#8 / SubjectPublicKeyInfo headers that its format implies.
    """
    text = text.strip()
    if "-----BEGIN" in text:
        return text + "\n"
    label = "PRIVATE KEY" if private else "PUBLIC KEY"
    body = "\n".join(textwrap.wrap("".join(text.split()), 64))
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"


def read_pem(path: Path, *, private: bool) -> str:
    return normalise_pem(Path(path).read_text(encoding="ascii"), private=private)


def key_paths(directory: Path, name: str) -> tuple[Path, Path]:
    return directory / f"{name}_private_key.pem", directory / f"{name}_public_key.pem"


def ensure_key_pair(directory: Path, name: str) -> KeyPair:
    """Load the named pair from `directory`, generating it on first use."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    private_path, public_path = key_paths(directory, name)
    if not private_path.exists():
        _create_exclusively(private_path, generate_private_key_pem())
    stat = private_path.stat()
    private, public = _load_pair(str(private_path.resolve()), stat.st_mtime_ns, stat.st_size)
    try:
        current_public = public_path.read_text(encoding="ascii")
    except FileNotFoundError:
        current_public = None
    if current_public != public:
        _replace_atomically(public_path, public, mode=0o644)
    return KeyPair(private_key_pem=private, public_key_pem=public)


@functools.lru_cache(maxsize=16)
def _load_pair(path: str, mtime_ns: int, size: int) -> tuple[str, str]:
    """(private PEM, public PEM), cached per file version: parsing and checking an RSA key
    costs tens of milliseconds, and every gateway and sandbox start asks again."""
    private = read_pem(Path(path), private=True)
    return private, public_key_pem_of(private)


def _create_exclusively(path: Path, content: str) -> None:
    """Write `content` to `path` unless another process got there first (then keep theirs)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(content)
        os.chmod(tmp, 0o600)
        # Losing the race is fine: the winner's key is the one everyone then reads.
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        os.unlink(tmp)


def _replace_atomically(path: Path, content: str, *, mode: int) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(content)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
