"""Resolving the `channel` argument: required when several channels exist (as in Saleor)."""

from __future__ import annotations

from typing import Any

from marketplace.channels.models import Channel
from storefront_api.core.errors import ApiError


def _active_channels(context: Any) -> dict[str, Channel]:
    cached = getattr(context, "_active_channels", None)
    if cached is None:
        cached = {c.slug: c for c in Channel.objects.filter(is_active=True)}
        context._active_channels = cached
    return cached


def channel_by_slug(context: Any, slug: str) -> Channel | None:
    return _active_channels(context).get(slug)


def resolve_channel(context: Any, slug: str | None) -> Channel:
    """The channel a request is about, or a clear error that says what to send."""
    channels = _active_channels(context)
    if slug is None:
        if len(channels) == 1:
            return next(iter(channels.values()))
        if not channels:
            raise ApiError("No active channel exists.", code="NOT_FOUND", field="channel")
        raise ApiError(
            "More than one channel exists. Provide the `channel` argument "
            f"(one of: {', '.join(sorted(channels))}).",
            code="MISSING_CHANNEL_SLUG",
            field="channel",
        )
    channel = channels.get(slug)
    if channel is None:
        raise ApiError(
            f"Channel with '{slug}' slug does not exist.", code="NOT_FOUND", field="channel"
        )
    return channel


def with_channel(obj: Any, channel_slug: str | None) -> Any:
    """Tags a catalogue row with the channel it is being shown in: prices, availability and
    nested products of a product, variant or collection depend on it, and graphene hands
    resolvers only the row."""
    if obj is not None:
        obj._channel_slug = channel_slug
    return obj
