"""What every mutation with an `errors` list shares: run one `perform`, and turn the
domain's `ValidationError` into the payload's typed error entries instead of a failed request.

Each domain subclasses `ErrorsMutation` once (account, checkout, …) and declares its `errors`
field with its own error type. A domain whose error entries are `field`, `message` and
`code` names that type and its codes' enum (`error_type`, `error_codes`) and inherits
`errors_from`; one whose entries carry more implements `errors_from` itself. Refusals are
raised by the services before anything is written (or inside their transaction), so an
`errors` answer never leaves half a change behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum
from typing import Any, ClassVar, TypeVar

import graphene
from django.core.exceptions import ValidationError
from graphene.utils.str_converters import to_camel_case

E = TypeVar("E", bound=Enum)


def validation_entries(exc: ValidationError) -> Iterator[tuple[str | None, ValidationError]]:
    """(API field in camelCase or None, single error) for every message in `exc`."""
    entries = exc.error_dict.items() if hasattr(exc, "error_dict") else [(None, exc.error_list)]
    for field, field_errors in entries:
        api_field = None if field in (None, "", "__all__") else to_camel_case(field)
        for error in field_errors:
            yield api_field, error


def error_message(error: ValidationError) -> str:
    """The message with its params applied (services escape literal % when they pass params)."""
    message = str(error.message)
    if error.params:
        try:
            return message % error.params
        except (TypeError, ValueError, KeyError):
            return message
    return message


def error_code(error: ValidationError, enum: type[E], default: E) -> E:
    """The error's code as a member of the domain enum, `default` for codes it lacks."""
    try:
        return enum(error.code)
    except ValueError:
        return default


class ErrorsMutation(graphene.Mutation):
    """Subclasses implement `perform(info, **arguments)` returning the payload, and
    `errors_from(exc)`; a ValidationError from the service becomes the payload's `errors`."""

    class Meta:
        abstract = True

    # Saleor's deprecated twin of `errors` (e.g. `orderErrors`), for clients that still read
    # it: the payload field, in snake case, that repeats `errors`.
    legacy_errors_field: str | None = None

    # The payload's error entry type and the domain's code enum; a code the enum lacks
    # becomes its INVALID, so a new service refusal never turns into a failed request.
    error_type: ClassVar[type[Any] | None] = None
    error_codes: ClassVar[type[Enum] | None] = None

    @classmethod
    def errors_from(cls, exc: ValidationError) -> list[Any]:
        if cls.error_type is None or cls.error_codes is None:
            raise NotImplementedError(f"{cls.__name__} names no error_type and error_codes")
        codes, fallback = cls.error_codes, cls.error_codes["INVALID"]
        return [
            cls.error_type(
                field=field, message=error_message(error), code=error_code(error, codes, fallback)
            )
            for field, error in validation_entries(exc)
        ]

    @classmethod
    def mutate(cls, root: Any, info: Any, **arguments: Any) -> Any:
        try:
            # Each subclass defines `perform` with its own arguments (so no base signature).
            payload = getattr(cls, "perform")(info, **arguments)  # noqa: B009
        except ValidationError as exc:
            payload = cls(errors=cls.errors_from(exc))
        if payload.errors is None:
            payload.errors = []
        if cls.legacy_errors_field:
            setattr(payload, cls.legacy_errors_field, payload.errors)
        return payload
