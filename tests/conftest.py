"""Suite-wide fixtures. Area folders may add their own conftest beside their tests."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def channel(db):
    return factories.channel("urban-retail")


@pytest.fixture
def admin_user(db):
    return factories.platform_admin()


def pytest_configure(config):
    from django.conf import settings

    # Hashing passwords properly costs ~0.3 s each; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
