"""Supervision rows for the back-office `world` (one of every supervision model), and a
small township of three villages for the supervision tests."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from marketplace.accounts.models import Role, User
from marketplace.activity.services import activity_record
from marketplace.divisions.models import County, Township
from marketplace.organisations.models import Shop
from marketplace.supervision.claims import EvidenceUpload, claim_file
from marketplace.supervision.complaints import complaint_file, complaint_resolve
from marketplace.supervision.models import PeriodKind
from marketplace.supervision.periods import last_completed
from marketplace.supervision.red_flag import ranking_run
from marketplace.supervision.reminders import reminder_record
from marketplace.supervision.reports import report_file, report_generate
from marketplace.supervision.roster import administrator_appoint
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def evidence(name: str = "certificate.pdf", content: bytes = PDF) -> list[EvidenceUpload]:
    return [EvidenceUpload(name=name, content=content)]


def file_claim(manager: User, product: Any, number: str = "GI-2026-1") -> Any:
    today = timezone.localdate()
    return claim_file(
        actor=manager,
        product=product,
        kind="GEOGRAPHIC_INDICATION",
        number=number,
        issuer="国家知识产权局",
        valid_from=today - datetime.timedelta(days=30),
        valid_until=today + datetime.timedelta(days=700),
        evidence=evidence(),
    )


def add_supervision(built: Any) -> None:
    """One row of every supervision model, hung off the back-office world."""
    officer = built.officer_1
    claim = file_claim(built.manager_a, built.product_a)
    complaint = complaint_file(
        filed_by=built.manager_a, shop=built.shop_a, complainant_kind="VILLAGER", subject="发货慢"
    )
    complaint_resolve(actor=built.manager_a, complaint=complaint, resolution="已补发")
    reminder_record(
        kind="QUEUE_DUE_SOON",
        business_key=f"claim:{claim.pk}",
        recipient=officer,
        subject="待审批",
        body="待审批",
        reason="world",
    )
    period = last_completed(PeriodKind.MONTH)
    report = report_generate(period=period, township=built.township_1)
    report_generate(period=period, county=built.township_1.county)
    report_file(officer=officer, report=report)
    ranking_run(township=built.township_1, quarter=last_completed(PeriodKind.QUARTER))
    administrator_appoint(
        officer=officer,
        village=built.shop_a.village,
        post="VILLAGE_SHOP",
        administrator=built.manager_a,
        is_party_member=True,
        birth_date=datetime.date(1990, 5, 1),
        education="COLLEGE",
        effective_from=datetime.date(2026, 1, 1),
    )
    activity_record(user_id=built.manager_a.pk, logins=1)


@dataclass
class Town:
    county: County
    township: Township
    other_township: Township
    shops: list[Shop]
    other_shop: Shop
    officer: User
    other_officer: User
    county_officer: User
    other_county_officer: User
    managers: list[User]
    operator: User
    station_operator: User
    buyer: User
    admin: User


def build_town() -> Town:
    county = factories.county()
    township = factories.township(county_obj=county)
    other_township = factories.township()
    shops = [factories.shop(village_obj=factories.village(township_obj=township)) for _ in range(3)]
    other_shop = factories.shop(village_obj=factories.village(township_obj=other_township))
    # Open long before any reported period.
    opened = timezone.make_aware(datetime.datetime(2025, 1, 1, 9))
    Shop.objects.filter(pk__in=[s.pk for s in [*shops, other_shop]]).update(approved_at=opened)
    return Town(
        county=county,
        township=township,
        other_township=other_township,
        shops=shops,
        other_shop=other_shop,
        officer=factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=township),
        other_officer=factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=other_township),
        county_officer=factories.user(role=Role.COUNTY_OFFICER, county_obj=county),
        other_county_officer=factories.user(
            role=Role.COUNTY_OFFICER, county_obj=other_township.county
        ),
        managers=[factories.user(role=Role.SHOP_MANAGER, shop_obj=shop) for shop in shops],
        operator=factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=shops[0]),
        station_operator=factories.user(role=Role.STATION_OPERATOR),
        buyer=factories.user(role=Role.BUYER),
        admin=factories.platform_admin(),
    )


ZERO = Decimal("0.00")


def sell(
    shop: Shop,
    *,
    amount: str,
    when: datetime.datetime,
    email: str = "buyer@example.cn",
    household: Any = None,
    channel: Any = None,
) -> Any:
    """One placed shop order of `amount` for `shop`, dated `when` (rows written directly)."""
    from marketplace.channels.models import Channel
    from marketplace.orders.models import Order, OrderLine, ShopOrder

    channel = channel or Channel.objects.first() or factories.channel()
    value = Decimal(amount)
    order = Order.objects.create(
        channel=channel, user_email=email, subtotal_amount=value, total_amount=value
    )
    shop_order = ShopOrder.objects.create(
        order=order, shop=shop, subtotal_amount=value, total_amount=value
    )
    OrderLine.objects.create(
        shop_order=shop_order,
        product_name="茶",
        product_sku=f"SKU-{factories.n()}",
        offering_kind="PRODUCE",
        quantity=1,
        unit_price_amount=value,
        total_price_amount=value,
        beneficiary_kind="HOUSEHOLD" if household else "COLLECTIVE",
        beneficiary_household=household,
    )
    ShopOrder.objects.filter(pk=shop_order.pk).update(created_at=when)
    return shop_order


def electricity_bill_paid(
    supermarket: Any, *, operator: User, request_id: str, when: datetime.datetime, status: str
) -> Any:
    """One agency order (an electricity bill paid at the counter) in `status`, dated
    `when` (rows written directly: no provider call)."""
    from marketplace.agency.models import AgencyOrder, ServiceItem

    order = AgencyOrder.objects.create(
        request_id=request_id,
        supermarket=supermarket,
        item=ServiceItem.objects.get(code="electricity-sgcc"),
        fields={"account": "1234567890"},
        account="1234567890",
        amount=Decimal("50.00"),
        commission=Decimal("0.10"),
        payment_method="CASH",
        status=status,
        operator=operator,
    )
    AgencyOrder.objects.filter(pk=order.pk).update(created_at=when)
    return order
