"""The letter (公函) behind a data request: a PDF, JPEG or PNG, judged by its first bytes
(a name or a declared type proves nothing), and no larger than `MAX_LETTER_BYTES`."""

from __future__ import annotations

import base64
import binascii
import secrets

from django.core.files.base import ContentFile

from marketplace.audit.error_codes import DataRequestErrorCode
from marketplace.core.errors import refuse

MAX_LETTER_BYTES = 5 * 1024 * 1024

_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


def letter_content_type(head: bytes) -> tuple[str, str] | None:
    """(content type, file extension) of a letter starting with `head`, or None."""
    for signature, content_type, extension in _SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    return None


def letter_check(*, content: bytes, field: str = "letter") -> tuple[str, str]:
    if len(content) > MAX_LETTER_BYTES:
        raise refuse(
            field,
            f"The letter is larger than {MAX_LETTER_BYTES // (1024 * 1024)} MiB.",
            DataRequestErrorCode.LETTER_TOO_LARGE,
        )
    kind = letter_content_type(content[:16])
    if kind is None:
        raise refuse(
            field,
            "The letter must be a PDF, JPEG or PNG file.",
            DataRequestErrorCode.INVALID_LETTER,
        )
    return kind


def letter_from_base64(*, encoded: str, field: str = "letter") -> bytes:
    # Refused before decoding: base64 is 4/3 of the bytes it carries.
    if len(encoded) > (MAX_LETTER_BYTES * 4) // 3 + 4:
        raise refuse(
            field,
            f"The letter is larger than {MAX_LETTER_BYTES // (1024 * 1024)} MiB.",
            DataRequestErrorCode.LETTER_TOO_LARGE,
        )
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise refuse(
            field, "The letter is not valid base64.", DataRequestErrorCode.INVALID_LETTER
        ) from None


def letter_file(*, content: bytes, request_id: int) -> tuple[ContentFile[bytes], str]:
    """The checked letter as a file to store, and its content type.

    Letters are kept in the private storage (`marketplace.core.private_files`), which no
    URL serves; the name still carries a random token, so that it says nothing a reader
    could guess from the request's id alone."""
    content_type, extension = letter_check(content=content)
    name = f"request-{request_id}-{secrets.token_urlsafe(18)}.{extension}"
    return ContentFile(content, name=name), content_type
