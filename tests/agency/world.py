"""Builders for agency tests and for the back-office world fixture."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from collective_econ.ledger.services import Leg, account_get_or_create, journal_post
from collective_econ.models import AccountKind, JournalKind
from marketplace.accounts.models import Role, User
from marketplace.agency.catalogue import agency_catalogue_sync
from marketplace.agency.catalogue_data import ITEMS
from marketplace.agency.models import (
    AgencyOrder,
    CashWithdrawal,
    DiscrepancyKind,
    ManualReviewResolution,
    OrderStatus,
    ReconciliationItem,
    ReconciliationRun,
    ServiceItem,
    TicketBooking,
    TicketStatus,
    WithdrawalCardDay,
    WithdrawalStatus,
)
from marketplace.agency.providers.credentials import (
    MERCHANT_KEY_NAME,
    PROVIDER_KEY_NAME,
    agency_key_dir,
)
from marketplace.agency.providers.sandbox.from_settings import (
    point_providers_at,
    sandbox_gateways,
)
from marketplace.agency.providers.sandbox.server import AgencySandbox
from marketplace.agency.providers.signing import RSA2
from marketplace.agency.validation import id_number_with_check
from marketplace.payments.alipay import keys
from marketplace.red_supermarket.counter.services import till_shift_open
from marketplace.red_supermarket.models import RedSupermarket
from tests import factories

_floats = itertools.count(1)
# A Luhn-valid card number (the test number format of UnionPay debit cards).
CARD = "6222020200112233446"
OTHER_CARD = "6222020200112233453"
ID_NUMBER = id_number_with_check("53352519800101123")


@dataclass
class Counter:
    supermarket: RedSupermarket
    operator: User


@contextmanager
def agency_sandbox_running(
    settings: Any, *, client_timeout: float, auto_callback: bool = False
) -> Iterator[AgencySandbox]:
    """The providers' sandbox on 127.0.0.1 with every adapter pointed at it; its timeouts
    outlast the client's, so a "timeout" account really times the client out."""
    server = AgencySandbox(
        gateways=sandbox_gateways(),
        timeout_delay=client_timeout + 1.0,
        auto_callback=auto_callback,
    ).start()
    settings.AGENCY_PROVIDERS = _keys_pinned(point_providers_at(server))
    settings.AGENCY_PROVIDER_TIMEOUT_SECONDS = client_timeout
    try:
        yield server
    finally:
        server.stop()


def _keys_pinned(providers: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The RSA2 providers with the data dir's keys written into their settings: the sandbox
    read them when it started, and a fixture that later moves DATA_DIR (the Alipay
    sandbox's) must not hand the adapters a fresh pair the sandbox never heard of."""
    pinned = {}
    for code, conf in providers.items():
        if conf["sign_type"] == RSA2 and not conf.get("private_key"):
            directory = agency_key_dir(code)
            conf = {
                **conf,
                "private_key": keys.ensure_key_pair(directory, MERCHANT_KEY_NAME).private_key_pem,
                "provider_public_key": keys.ensure_key_pair(
                    directory, PROVIDER_KEY_NAME
                ).public_key_pem,
            }
        pinned[code] = conf
    return pinned


def ensure_catalogue() -> None:
    """Transactional tests flush the seeded catalogue away; put it back when it is gone."""
    if ServiceItem.objects.count() < len(ITEMS):
        agency_catalogue_sync()


def make_counter(*, till_open: bool = True, **village: Any) -> Counter:
    """A supermarket with its operator and, unless `till_open` is False, a till shift open
    with no float (agency cash needs one; the till's balance starts at 0)."""
    ensure_catalogue()
    shop = factories.shop(village_obj=factories.village(**village)) if village else factories.shop()
    supermarket = factories.red_supermarket(shop_obj=shop)
    operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=shop)
    if till_open:
        till_shift_open(supermarket=supermarket, operator=operator, float_amount="0.00")
    return Counter(supermarket=supermarket, operator=operator)


def put_cash_in_till(supermarket: RedSupermarket, amount: Decimal) -> None:
    """A till float: cash brought in from the collective's account."""
    village = supermarket.shop.village
    journal_post(
        kind=JournalKind.MANUAL,
        idempotency_key=f"test-till-float:{supermarket.pk}:{next(_floats)}",
        legs=[
            Leg(account_get_or_create(kind=AccountKind.CASH_TILL, owner=village), amount),
            Leg(account_get_or_create(kind=AccountKind.VILLAGE_COLLECTIVE, owner=village), -amount),
        ],
    )


def add_agency(built: Any) -> None:
    """One row of every agency model for the back-office changelist test (no provider
    calls: rows as they stand after the fact)."""
    ensure_catalogue()
    supermarket = RedSupermarket.objects.get(shop=built.shop_a)
    admin = built.platform_admin
    electricity = ServiceItem.objects.get(code="electricity-sgcc")
    order = AgencyOrder.objects.create(
        request_id="world-order-0001",
        supermarket=supermarket,
        item=electricity,
        fields={"account": "1234567890"},
        account="1234567890",
        amount=Decimal("50.00"),
        commission=Decimal("0.10"),
        payment_method="CASH",
        status=OrderStatus.SUCCESS,
        operator=admin,
    )
    ManualReviewResolution.objects.create(
        order=order, outcome="SUCCESS", reason="provider's receipt checked", resolved_by=admin
    )
    CashWithdrawal.objects.create(
        request_id="world-withdrawal-0001",
        supermarket=supermarket,
        item=ServiceItem.objects.get(code="cash-withdrawal"),
        card_number=CARD,
        card_masked="6222 **** **** 3446",
        amount=Decimal("100.00"),
        business_day="2026-06-01",
        status=WithdrawalStatus.SUCCESS,
        operator=admin,
    )
    WithdrawalCardDay.objects.create(card_number=CARD, business_day="2026-06-01")
    TicketBooking.objects.create(
        request_id="world-ticket-0001",
        supermarket=supermarket,
        item=ServiceItem.objects.get(code="ticket-bus"),
        trip_id="BUS202606010010",
        origin="勐勐镇",
        destination="临沧",
        departure_at="2026-06-01T07:30:00+08:00",
        seat_class="普通座",
        passenger_name="李四",
        passenger_id_number=ID_NUMBER,
        price=Decimal("45.00"),
        booking_no="B0000000001",
        status=TicketStatus.HELD,
        operator=admin,
    )
    run = ReconciliationRun.objects.create(business_day="2026-06-01", source="provider:utility")
    ReconciliationItem.objects.create(
        run=run,
        business_day="2026-06-01",
        source="provider:utility",
        external_id="world-order-0001",
        kind=DiscrepancyKind.EXTRA,
        supermarket=supermarket,
        ours_amount=Decimal("50.00"),
        ours_status="SUCCESS",
    )
