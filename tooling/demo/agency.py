"""Demo agency services: the catalogue, a Red Supermarket in two villages (created only if
the counter's loader has not), and agency orders of every outcome carried out against an
in-process provider sandbox. Idempotent: request ids are fixed, so a second load finds
every order and calls no provider."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from logistics.stations.models import VillageStation
from marketplace.accounts.models import Role, RoleAssignment, User
from marketplace.agency.catalogue import agency_catalogue_sync
from marketplace.agency.models import AgencyOrder, CashWithdrawal, TicketBooking
from marketplace.agency.orders import agency_order_create, agency_order_query
from marketplace.agency.providers.credentials import ConfiguredSignature
from marketplace.agency.providers.http import HttpProviderAdapter
from marketplace.agency.providers.sandbox.from_settings import sandbox_from_settings
from marketplace.agency.providers.sandbox.server import AgencySandbox
from marketplace.agency.tickets import ticket_book, ticket_issue, ticket_search
from marketplace.agency.validation import id_number_with_check
from marketplace.agency.withdrawals import cash_withdrawal_create
from marketplace.inventory.models import Warehouse
from marketplace.organisations.models import Shop
from marketplace.red_supermarket.counter.selectors import till_shift_open_at
from marketplace.red_supermarket.counter.services import till_shift_open
from marketplace.red_supermarket.models import RedSupermarket
from marketplace.red_supermarket.services import red_supermarket_create

# (shop slug, operator e-mail): the counter's demo operator at 坝卡, one more at 冰岛.
DEMO_COUNTERS = (
    ("baka-mountain", "operator.baka@ruralmart.example"),
    ("bingdao-tea", "operator.bingdao@ruralmart.example"),
)
DEMO_CARD = "6222020200112233446"
# (request-id suffix, item, fields, amount): one of each outcome the sandbox can give.
DEMO_ORDERS: tuple[tuple[str, str, dict[str, str], str], ...] = (
    ("electricity", "electricity-sgcc", {"account": "5300012345", "period": ""}, "128.50"),
    ("water", "water-county", {"account": "53001234"}, "36.00"),
    ("topup", "topup-cmcc", {"phone": "13812340001"}, "50.00"),
    ("rejected", "electricity-csg", {"account": "530001234444"}, "80.00"),
    ("failed-topup", "topup-cucc", {"phone": "13012345555"}, "30.00"),
    ("pending", "broadband-ctcc", {"account": "ADSL53007777"}, "120.00"),
    ("timeout", "gas-pipeline", {"account": "5300019999"}, "60.00"),
    ("pension", "pension-rural", {"name": "李春华", "year": "2026"}, "300.00"),
    ("social-card", "gov-social-card", {"name": "李春华"}, "0"),
)


def _supermarket(shop: Shop) -> RedSupermarket:
    """The shop's Red Supermarket: the counter loader's, or one opened here."""
    existing = RedSupermarket.objects.filter(shop=shop).first()
    if existing is not None:
        return existing
    warehouse = Warehouse.objects.filter(shop=shop).order_by("pk").first()
    assert warehouse is not None, f"demo shop {shop.slug} has no warehouse"
    station = VillageStation.objects.filter(
        village=shop.village, red_supermarket__isnull=True
    ).first()
    return red_supermarket_create(
        shop=shop,
        warehouse=warehouse,
        station=station,
        name=f"{shop.village.name}红色超市",
        address=f"{shop.village.name}村委会旁",
        opening_hours="08:00-20:00",
    )


def _operator(shop: Shop, email: str, person: Callable[..., User]) -> User:
    user = person(email, first_name="红色超市", last_name="店员", is_staff=True)
    RoleAssignment.objects.get_or_create(user=user, role=Role.SUPERMARKET_OPERATOR, shop=shop)
    return user


def _adapters(sandbox: AgencySandbox) -> dict[str, HttpProviderAdapter]:
    return {
        code: HttpProviderAdapter(
            code=code,
            url=sandbox.gateway_url(code),
            merchant_id=conf["merchant_id"],
            signature=ConfiguredSignature(code, conf),
            timeout=0.5,
            notify_url="",
        )
        for code, conf in settings.AGENCY_PROVIDERS.items()
    }


def _orders(
    supermarket: RedSupermarket, operator: User, adapters: dict[str, Any], sandbox: AgencySandbox
) -> None:
    slug = supermarket.shop.slug
    # A fictional villager per supermarket: born on the 1st of a month that varies with it.
    id_number = id_number_with_check(f"5309251980{supermarket.pk % 12 + 1:02d}01123")
    for suffix, item, fields, amount in DEMO_ORDERS:
        request_id = f"demo-{slug}-{suffix}"
        if AgencyOrder.objects.filter(request_id=request_id).exists():
            continue
        values = {name: value for name, value in fields.items() if value}
        if item.startswith(("pension", "gov-")):
            values["id_number"] = id_number
        provider = "telecom" if item.startswith(("topup", "broadband")) else (
            "insurance" if item.startswith("pension") else "utility"
        )  # fmt: skip
        order = agency_order_create(
            supermarket=supermarket,
            operator=operator,
            request_id=request_id,
            item_code=item,
            fields=values,
            amount=amount,
            adapter=adapters[provider],
        )
        if suffix == "failed-topup":
            sandbox.finish_pending(settings.AGENCY_PROVIDERS[provider]["merchant_id"], request_id)
        for _ in range(4):
            if order.status not in ("PROCESSING", "UNKNOWN"):
                break
            order = agency_order_query(order_pk=order.pk, adapter=adapters[provider])


def _withdrawal(supermarket: RedSupermarket, operator: User, adapters: dict[str, Any]) -> None:
    request_id = f"demo-{supermarket.shop.slug}-withdrawal"
    if CashWithdrawal.objects.filter(request_id=request_id).exists():
        return
    cash_withdrawal_create(
        supermarket=supermarket,
        operator=operator,
        request_id=request_id,
        card_number=DEMO_CARD,
        amount=Decimal("100.00"),
        adapter=adapters["acquirer"],
    )


def _ticket(supermarket: RedSupermarket, operator: User, adapters: dict[str, Any]) -> None:
    request_id = f"demo-{supermarket.shop.slug}-bus-ticket"
    if TicketBooking.objects.filter(request_id=request_id).exists():
        return
    offers = ticket_search(
        supermarket=supermarket,
        user=operator,
        item_code="ticket-bus",
        origin=supermarket.shop.village.name,
        destination="临沧",
        day=timezone.localdate() + timedelta(days=2),
        adapter=adapters["tickets"],
    )
    booking = ticket_book(
        supermarket=supermarket,
        operator=operator,
        request_id=request_id,
        item_code="ticket-bus",
        trip_id=offers[0].trip.trip_id,
        passenger_name="李春华",
        passenger_id_number=id_number_with_check("53092519800101123"),
        adapter=adapters["tickets"],
    )
    ticket_issue(booking=booking, operator=operator, adapter=adapters["tickets"])


def load_agency(*, shops: dict[str, Shop], person: Callable[..., User]) -> int:
    """Load the agency demo; returns how many catalogue items there are."""
    count = agency_catalogue_sync()
    counters = [
        (_supermarket(shops[slug]), _operator(shops[slug], email, person))
        for slug, email in DEMO_COUNTERS
        if slug in shops
    ]
    sandbox = sandbox_from_settings(port=0, timeout_delay=1.0, auto_callback=False).start()
    try:
        adapters = _adapters(sandbox)
        for supermarket, operator in counters:
            # Agency cash goes through an open till, as at the counter (no float: the
            # till's cash is the orders' own).
            if till_shift_open_at(supermarket=supermarket) is None:
                till_shift_open(supermarket=supermarket, operator=operator, float_amount="0.00")
            _orders(supermarket, operator, adapters, sandbox)
            _withdrawal(supermarket, operator, adapters)
            _ticket(supermarket, operator, adapters)
    finally:
        sandbox.stop()
    return count
