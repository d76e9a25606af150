"""The platform fee schedule: per channel, effective-dated, read as of the day the order
was placed by both settlement paths (one line, and the batch), the environment's rate the
default while a channel has no row; set by platform admins only (service and back
office), never back-dated, audited."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from collective_econ.error_codes import SettlementErrorCode
from collective_econ.ledger.selectors import account_balance
from collective_econ.ledger.services import account_get_or_create
from collective_econ.models import AccountKind, PlatformFeeRate
from collective_econ.settlement.services import (
    order_line_settle,
    platform_fee_rate,
    platform_fee_rate_set,
)
from collective_econ.tasks import settle_due_lines
from marketplace.accounts.models import Role
from marketplace.audit.models import AuditAction, AuditEntry
from marketplace.orders.models import Order
from tests import factories
from tests.collective_econ.conftest import sell

pytestmark = pytest.mark.django_db


def _code(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return next(iter(exc.value.error_dict.values()))[0].code


def _schedule(channel: Any, rate: str, days_ago: int) -> None:
    """A row in force since `days_ago` (history: the service never back-dates)."""
    PlatformFeeRate.objects.create(
        channel=channel, rate=rate, effective_from=timezone.localdate() - timedelta(days=days_ago)
    )


def _ordered_days_ago(sold: Any, days: int) -> None:
    Order.objects.filter(pk=sold.order.pk).update(created_at=timezone.now() - timedelta(days=days))


def _fees() -> Decimal:
    return -account_balance(account=account_get_or_create(kind=AccountKind.PLATFORM_FEES))


def test_the_rate_in_force_on_the_order_day_or_the_environment_default(settings: Any) -> None:
    settings.PLATFORM_FEE_RATES = {"urban-retail": "0.02"}
    channel = factories.channel("urban-retail")
    _schedule(channel, "0.05", days_ago=100)
    _schedule(channel, "0.00", days_ago=10)  # 0% is a valid schedule
    today = timezone.localdate()
    assert platform_fee_rate(channel_slug="urban-retail") == 0
    assert platform_fee_rate(channel_slug="urban-retail", on=today - timedelta(days=50)) == Decimal(
        "0.05"
    )
    assert platform_fee_rate(
        channel_slug="urban-retail", on=today - timedelta(days=101)
    ) == Decimal("0.02")
    assert platform_fee_rate(channel_slug="village-counter") == Decimal(
        settings.PLATFORM_FEE_DEFAULT_RATE
    )


def test_both_settlement_paths_charge_the_rate_of_the_order_day(
    village: Any, settings: Any
) -> None:
    settings.PLATFORM_FEE_RATES = {"urban-retail": "0.02"}
    channel = factories.channel("urban-retail")
    _schedule(channel, "0.10", days_ago=200)
    _schedule(channel, "0.05", days_ago=60)
    old = sell(shop=village.shop, lines=[("100.00", 1, None)])
    recent = sell(shop=village.shop, lines=[("100.00", 1, None)])
    _ordered_days_ago(old, 100)  # under the 10% row
    _ordered_days_ago(recent, 40)  # under the 5% row
    order_line_settle(line=old.lines[0])
    assert _fees() == Decimal("10.00")
    settle_due_lines()  # the batch settles the other
    assert _fees() == Decimal("15.00")
    before_any = sell(shop=village.shop, lines=[("100.00", 1, None)])
    _ordered_days_ago(before_any, 300)  # before the schedule: the environment's 2%
    settle_due_lines()
    assert _fees() == Decimal("17.00")


def test_a_platform_admin_sets_a_fee_audited() -> None:
    factories.channel("urban-retail")
    admin_user = factories.platform_admin()
    row = platform_fee_rate_set(
        actor=admin_user,
        channel_slug="urban-retail",
        rate="0.0175",
        effective_from=timezone.localdate(),
    )
    assert (row.rate, row.created_by) == (Decimal("0.0175"), admin_user)
    assert platform_fee_rate(channel_slug="urban-retail") == Decimal("0.0175")
    assert AuditEntry.objects.filter(action=AuditAction.PLATFORM_FEE_SET, actor=admin_user).exists()


@pytest.mark.parametrize(
    "change,code",
    [
        ({"rate": "1.5"}, SettlementErrorCode.INVALID_RATE),
        ({"rate": "-0.01"}, SettlementErrorCode.INVALID_RATE),
        ({"rate": "abc"}, SettlementErrorCode.INVALID_RATE),
        ({"effective_from_days": -1}, SettlementErrorCode.INVALID_PERIOD),
        ({"channel_slug": "no-such-channel"}, SettlementErrorCode.NOT_FOUND),
        ({"actor": "manager"}, SettlementErrorCode.NOT_PERMITTED),
        ({"actor": None}, SettlementErrorCode.NOT_PERMITTED),
        ({"duplicate": True}, SettlementErrorCode.ALREADY_EXISTS),
    ],
)
def test_bad_fee_settings_are_coded_and_write_nothing(
    village: Any, change: dict[str, Any], code: SettlementErrorCode
) -> None:
    factories.channel("urban-retail")
    admin_user = factories.platform_admin()
    args: dict[str, Any] = {
        "actor": admin_user,
        "channel_slug": "urban-retail",
        "rate": "0.03",
        "effective_from": timezone.localdate()
        + timedelta(days=change.get("effective_from_days", 1)),
    }
    if change.get("duplicate"):
        platform_fee_rate_set(**args)
    if change.get("actor") == "manager":
        args["actor"] = factories.user(role=Role.SHOP_MANAGER, shop_obj=village.shop, is_staff=True)
    elif "actor" in change:
        args["actor"] = None
    args.update({k: v for k, v in change.items() if k in ("rate", "channel_slug")})
    rows = PlatformFeeRate.objects.count()
    with pytest.raises(ValidationError) as exc:
        platform_fee_rate_set(**args)
    assert _code(exc) == code.value
    assert PlatformFeeRate.objects.count() == rows


def test_the_back_office_sets_fees_for_platform_admins_only(client: Any, village: Any) -> None:
    factories.channel("urban-retail")
    url = reverse("admin:backoffice_platform_fee_set")
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    client.force_login(factories.platform_admin())
    listing = client.get(reverse("admin:collective_econ_platformfeerate_changelist"))
    assert url in listing.content.decode()
    done = client.post(url, {"channel": "urban-retail", "rate": "0.01", "effective_from": tomorrow})
    assert done.status_code == 302
    assert PlatformFeeRate.objects.get().rate == Decimal("0.01")
    refused = client.post(url, {"channel": "urban-retail", "rate": "2", "effective_from": tomorrow})
    assert refused.status_code == 200 and refused.context["form"].non_field_errors()
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=village.shop, is_staff=True)
    client.force_login(manager)
    post = client.post(url, {"channel": "urban-retail", "rate": "0", "effective_from": tomorrow})
    assert post.status_code == 403
    assert PlatformFeeRate.objects.count() == 1
