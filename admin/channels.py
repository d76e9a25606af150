"""Sales channels: platform configuration that managers read when listing products."""

from __future__ import annotations

from django.contrib import admin

from admin.scoping import Scope, ScopedModelAdmin
from marketplace.channels.models import Channel


@admin.register(Channel)
class ChannelAdmin(ScopedModelAdmin):
    scope = Scope(reference=True)
    list_display = ("slug", "name", "currency_code", "default_country", "is_active")
    list_filter = ("is_active", "currency_code")
    search_fields = ("slug", "name")
