"""Relay global IDs: base64("Type:pk"), exactly as Saleor encodes them."""

from __future__ import annotations

import binascii
from base64 import b64decode
from uuid import UUID

from graphql_relay import to_global_id

from storefront_api.core.errors import ApiError

__all__ = ["decode_id", "decode_ids", "decode_int_id", "decode_uuid_id", "to_global_id"]


def decode_id(global_id: str, *, expected_type: str, field: str = "id") -> int:
    """The pk inside `global_id`, refusing malformed IDs and IDs of another type."""
    try:
        decoded = b64decode(global_id, validate=True).decode()
        type_name, _, raw_pk = decoded.partition(":")
        pk = int(raw_pk)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise ApiError(
            f"Couldn't resolve id: {global_id}.", code="GRAPHQL_ERROR", field=field
        ) from None
    if type_name != expected_type:
        raise ApiError(f"Must receive a {expected_type} id.", code="GRAPHQL_ERROR", field=field)
    return pk


def decode_ids(global_ids: list[str] | None, *, expected_type: str, field: str) -> list[int] | None:
    if global_ids is None:
        return None
    return [decode_id(gid, expected_type=expected_type, field=field) for gid in global_ids]


# The two below answer None instead of raising: checkout and order mutations turn a bad ID
# into their own coded `errors` entry (NOT_FOUND / GRAPHQL_ERROR), not a failed request.


def decode_uuid_id(global_id: str, *, expected_type: str) -> UUID | None:
    """The UUID inside `base64("<Type>:<uuid>")`, or None when malformed or of another type."""
    try:
        type_name, _, raw = b64decode(global_id, validate=True).decode().partition(":")
        if type_name != expected_type:
            return None
        return UUID(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, AttributeError):
        return None


def decode_int_id(global_id: str, *, expected_type: str) -> int | None:
    try:
        type_name, _, raw = b64decode(global_id, validate=True).decode().partition(":")
        return int(raw) if type_name == expected_type else None
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, AttributeError):
        return None
