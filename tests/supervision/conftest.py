from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.api.conftest import GraphQLClient
from tests.supervision.world import Town, build_town


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def town(db: Any, settings: Any, tmp_path: Any) -> Town:
    settings.MEDIA_ROOT = tmp_path
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return build_town()


@pytest.fixture
def gql(db: Any) -> GraphQLClient:
    return GraphQLClient(Client())
