"""The back office's provider list says where each provider is reached and how it signs:
both are settings, so the page reads them, and an unknown provider says so."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marketplace.accounts.models import Role
from marketplace.agency.models import AgencyProvider
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_provider_list_shows_each_gateway_and_its_signature(client, settings):
    settings.AGENCY_PROVIDERS = {
        **settings.AGENCY_PROVIDERS,
        "tickets": {**settings.AGENCY_PROVIDERS["tickets"], "url": "https://gw.example/tickets"},
    }
    client.force_login(factories.user(role=Role.PLATFORM_ADMIN, is_staff=True))
    page = client.get(reverse("admin:agency_agencyprovider_changelist")).text
    assert "https://gw.example/tickets" in page
    assert page.count("RSA2") == 2 and page.count("HMAC-SHA256") >= 3

    stray = AgencyProvider.objects.create(code="stray", name="未配置的平台", kind="UTILITY")
    detail = client.get(reverse("admin:agency_agencyprovider_change", args=[stray.pk])).text
    assert "not configured" in detail
