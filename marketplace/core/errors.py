"""How services refuse.

Services raise Django's `ValidationError` keyed by field, each message carrying a `code`
from the domain's error-code Enum. The API turns every entry into one `errors { field
message code }` item unchanged, and the admin shows the message. `PermissionRefused` is the
one exception for "you may not act on this object"; it carries the same shape.
"""

from __future__ import annotations

from enum import Enum

from django.core.exceptions import ValidationError


def refuse(field: str | None, message: str, code: Enum) -> ValidationError:
    """Build a single-entry ValidationError for `field` (None = the whole input)."""
    return ValidationError({field or "__all__": ValidationError(message, code=code.value)})


class PermissionRefused(Exception):
    """The caller may not act on this object. `message` says which object and why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
