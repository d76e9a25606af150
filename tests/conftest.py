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
