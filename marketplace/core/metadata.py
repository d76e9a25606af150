"""Saleor's public metadata: free-form string pairs a storefront keeps on its own objects
(the checkout, the buyer's account). Stored as a JSON object on the row; a CHECK
constraint keeps it an object. Who may write is the API's check (owner or token holder)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q

MAX_KEYS = 100
MAX_KEY_LENGTH = 256
MAX_VALUE_LENGTH = 4096


class MetadataErrorCode(Enum):
    GRAPHQL_ERROR = "graphql_error"
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    REQUIRED = "required"
    NOT_UPDATED = "not_updated"


def metadata_field() -> models.JSONField:
    return models.JSONField(default=dict, blank=True)


def metadata_is_an_object(prefix: str) -> models.CheckConstraint:
    # `@> '{}'` holds for every JSON object and for no array or scalar.
    return models.CheckConstraint(
        name=f"{prefix}_metadata_is_an_object", condition=Q(metadata__contains={})
    )


def _error(message: str, code: MetadataErrorCode) -> ValidationError:
    return ValidationError({"input": ValidationError(message, code=code.value)})


def _clean(items: Sequence[tuple[str, str]]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for key, value in items:
        key = key.strip()
        if not key:
            raise _error("Metadata key cannot be empty.", MetadataErrorCode.REQUIRED)
        if len(key) > MAX_KEY_LENGTH or len(value) > MAX_VALUE_LENGTH:
            raise _error(
                f"Keys hold up to {MAX_KEY_LENGTH} characters, values up to {MAX_VALUE_LENGTH}.",
                MetadataErrorCode.INVALID,
            )
        cleaned[key] = value
    return cleaned


@transaction.atomic
def metadata_update(*, instance: Any, items: Sequence[tuple[str, str]]) -> Any:
    """Set `items` on `instance.metadata` (other keys are kept); the row is locked so two
    concurrent writers never drop each other's keys."""
    cleaned = _clean(items)
    locked = type(instance).objects.select_for_update().get(pk=instance.pk)
    merged = {**(locked.metadata or {}), **cleaned}
    if len(merged) > MAX_KEYS:
        raise _error(f"An object holds up to {MAX_KEYS} metadata keys.", MetadataErrorCode.INVALID)
    locked.metadata = merged
    locked.save(update_fields=["metadata"])
    instance.metadata = merged
    return instance
