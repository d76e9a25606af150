"""Agency fixtures: the provider sandbox on 127.0.0.1 with the adapters pointed at it, a
supermarket with its operator, and cash in its till."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from marketplace.agency.providers.sandbox.server import AgencySandbox
from tests.agency.world import Counter, agency_sandbox_running, make_counter, put_cash_in_till

# Short enough to keep the timeout tests quick, long enough for a loaded 2-core machine.
CLIENT_TIMEOUT = 1.0


@pytest.fixture
def sandbox(settings) -> Iterator[AgencySandbox]:
    with agency_sandbox_running(settings, client_timeout=CLIENT_TIMEOUT) as server:
        yield server


@pytest.fixture
def counter(db) -> Counter:
    return make_counter()


@pytest.fixture
def stocked_counter(counter: Counter) -> Counter:
    put_cash_in_till(counter.supermarket, Decimal("5000.00"))
    return counter


# Shared fixtures: the GraphQL client, the demo load, and the payments tests' Alipay sandbox
# (for reconciling Alipay's bill).
from tests.api.conftest import gql  # noqa: E402, F401
from tests.demo.conftest import demo  # noqa: E402, F401
from tests.payments.conftest import alipay_sandbox, inbox, payments_data_dir  # noqa: E402, F401
