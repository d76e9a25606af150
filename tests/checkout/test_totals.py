"""Totals across two shops with shipping and a voucher; delivery options and promo codes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from marketplace.checkout import selectors, services
from marketplace.checkout.complete_checkout import checkout_complete
from marketplace.checkout.models import CheckoutDelivery, CheckoutVoucher
from tests.checkout import helpers
from tests.checkout.helpers import codes, goods, line

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_shops(channel):
    tea_shop = helpers.shop_with_delivery(express_price="12.00")
    nut_shop = helpers.shop_with_delivery(express_price="8.50")
    tea = goods(shop=tea_shop, channel=channel, price="25.00")
    nuts = goods(shop=nut_shop, channel=channel, price="33.30")
    return tea_shop, nut_shop, tea, nuts


def test_totals_per_shop_with_shipping_and_voucher(channel, two_shops):
    tea_shop, nut_shop, tea, nuts = two_shops
    helpers.voucher(tea_shop, code="Spring10", discount_value=Decimal("10"))
    checkout = services.checkout_create(channel=channel, lines=[line(tea, 3), line(nuts, 2)])
    checkout = services.checkout_delivery_method_update(
        checkout=checkout, shop=tea_shop, method=helpers.express(tea_shop)
    )
    checkout = services.checkout_delivery_method_update(
        checkout=checkout, shop=nut_shop, method=helpers.pickup(nut_shop)
    )
    checkout = services.checkout_add_promo_code(checkout=checkout, promo_code="spring10")

    totals = selectors.checkout_totals(checkout=checkout)
    first, second = totals.shops
    assert (first.shop, first.subtotal, first.shipping, first.discount, first.total) == (
        tea_shop,
        Decimal("75.00"),
        Decimal("12.00"),
        Decimal("7.50"),
        Decimal("79.50"),
    )
    assert (second.shop, second.subtotal, second.shipping, second.discount, second.total) == (
        nut_shop,
        Decimal("66.60"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("66.60"),
    )
    assert totals.subtotal == Decimal("141.60")
    assert totals.shipping == Decimal("12.00")
    assert totals.discount == Decimal("7.50")
    assert totals.total == Decimal("146.10")


def test_fixed_voucher_never_exceeds_the_shop_subtotal_and_needs_min_spend(channel, two_shops):
    tea_shop, _, tea, nuts = two_shops
    helpers.voucher(
        tea_shop,
        code="BIG",
        discount_type="FIXED",
        discount_value=Decimal("100"),
        min_spend_amount=Decimal("50"),
    )
    checkout = services.checkout_create(channel=channel, lines=[line(tea, 1), line(nuts, 1)])
    with pytest.raises(ValidationError) as exc:
        services.checkout_add_promo_code(checkout=checkout, promo_code="BIG")
    assert codes(exc) == ["voucher_not_applicable"]

    checkout = services.checkout_lines_add(checkout=checkout, lines=[line(tea, 2)])
    checkout = services.checkout_add_promo_code(checkout=checkout, promo_code="BIG")
    totals = selectors.checkout_totals(checkout=checkout)
    assert totals.for_shop(tea_shop.pk).discount == Decimal("75.00")
    assert totals.discount == Decimal("75.00")

    # Dropping below the minimum spend keeps the code but stops the discount.
    tea_line = checkout.lines.get(variant=tea)
    checkout = services.checkout_lines_update(
        checkout=checkout,
        lines=[services.CheckoutLineUpdateInput(line_id=tea_line.pk, quantity=1)],
    )
    assert selectors.checkout_totals(checkout=checkout).discount == Decimal("0.00")
    assert CheckoutVoucher.objects.filter(checkout=checkout).exists()


def test_promo_code_refusals_and_removal(channel, two_shops):
    tea_shop, nut_shop, tea, nuts = two_shops
    helpers.voucher(
        nut_shop,
        code="OLD",
        end_date=timezone.now() - timedelta(minutes=1),
        start_date=timezone.now() - timedelta(days=2),
    )
    helpers.voucher(nut_shop, code="GONE", usage_limit=1, used=1)
    other_shop = helpers.shop_with_delivery()
    helpers.voucher(other_shop, code="ELSEWHERE")
    checkout = services.checkout_create(channel=channel, lines=[line(tea), line(nuts)])
    for code, expected in [
        ("NOPE", "invalid"),
        ("ELSEWHERE", "invalid"),
        ("OLD", "voucher_not_applicable"),
        ("GONE", "voucher_not_applicable"),
        ("", "invalid"),
    ]:
        with pytest.raises(ValidationError) as exc:
            services.checkout_add_promo_code(checkout=checkout, promo_code=code)
        assert codes(exc) == [expected], code

    helpers.voucher(tea_shop, code="TEA5", discount_type="FIXED", discount_value=Decimal("5"))
    checkout = services.checkout_add_promo_code(checkout=checkout, promo_code="TEA5")
    assert selectors.checkout_totals(checkout=checkout).discount == Decimal("5.00")
    checkout = services.checkout_remove_promo_code(checkout=checkout, promo_code="tea5")
    assert selectors.checkout_totals(checkout=checkout).discount == Decimal("0.00")


def test_same_code_in_two_shops_applies_to_both(channel, two_shops):
    tea_shop, nut_shop, tea, nuts = two_shops
    helpers.voucher(tea_shop, code="FAIR")
    helpers.voucher(nut_shop, code="FAIR", discount_type="FIXED", discount_value=Decimal("3"))
    checkout = services.checkout_create(channel=channel, lines=[line(tea), line(nuts)])
    checkout = services.checkout_add_promo_code(checkout=checkout, promo_code="FAIR")
    totals = selectors.checkout_totals(checkout=checkout)
    assert [s.discount for s in totals.shops] == [Decimal("2.50"), Decimal("3.00")]


def test_delivery_options_and_refusals(channel, two_shops):
    tea_shop, nut_shop, tea, _ = two_shops
    room = helpers.homestay(shop=nut_shop, channel=channel)
    checkout = services.checkout_create(
        channel=channel, lines=[line(tea), line(room, 1, helpers.stay(1))]
    )
    options = selectors.delivery_options(checkout=checkout)
    assert [(o.shop, o.is_shipping_required) for o in options] == [
        (tea_shop, True),
        (nut_shop, False),
    ]
    assert [m.kind for m in options[0].methods] == ["VILLAGE_PICKUP", "EXPRESS_FLAT"]
    assert options[1].methods == []

    with pytest.raises(ValidationError) as exc:
        services.checkout_delivery_method_update(
            checkout=checkout, shop=nut_shop, method=helpers.express(nut_shop)
        )
    assert codes(exc) == ["shipping_not_required"]
    with pytest.raises(ValidationError) as exc:
        services.checkout_delivery_method_update(
            checkout=checkout, shop=tea_shop, method=helpers.express(nut_shop)
        )
    assert codes(exc) == ["delivery_method_not_applicable"]
    inactive = helpers.express(tea_shop)
    inactive.is_active = False
    inactive.save()
    with pytest.raises(ValidationError) as exc:
        services.checkout_delivery_method_update(checkout=checkout, shop=tea_shop, method=inactive)
    assert codes(exc) == ["delivery_method_not_applicable"]
    stranger = helpers.shop_with_delivery()
    with pytest.raises(ValidationError) as exc:
        services.checkout_delivery_method_update(
            checkout=checkout, shop=stranger, method=helpers.express(stranger)
        )
    assert codes(exc) == ["delivery_method_not_applicable"]

    checkout = services.checkout_delivery_method_update(
        checkout=checkout, shop=tea_shop, method=helpers.pickup(tea_shop)
    )
    assert selectors.delivery_options(checkout=checkout)[0].selected == helpers.pickup(tea_shop)
    checkout = services.checkout_delivery_method_update(
        checkout=checkout, shop=tea_shop, method=None
    )
    assert not CheckoutDelivery.objects.filter(checkout=checkout).exists()


def test_inactive_chosen_method_is_a_problem(channel, two_shops):
    tea_shop, _, tea, _ = two_shops
    checkout = helpers.ready(
        services.checkout_create(channel=channel, lines=[line(tea)]), pay=False
    )
    helpers.express(tea_shop).__class__.objects.filter(shop=tea_shop).update(is_active=False)
    (problem,) = selectors.checkout_problems(checkout=checkout)
    assert isinstance(problem, selectors.DeliveryMethodInvalidProblem)


def test_removing_a_shops_last_line_drops_its_delivery_and_voucher(channel, two_shops):
    tea_shop, _, tea, nuts = two_shops
    helpers.voucher(tea_shop, code="T")
    checkout = helpers.ready(
        services.checkout_create(channel=channel, lines=[line(tea), line(nuts)]), pay=False
    )
    checkout = services.checkout_add_promo_code(checkout=checkout, promo_code="T")
    checkout = services.checkout_lines_delete(
        checkout=checkout, line_ids=[checkout.lines.get(variant=tea).pk]
    )
    assert list(
        CheckoutDelivery.objects.filter(checkout=checkout).values_list("shop", flat=True)
    ) == [nuts.product.shop_id]
    assert not CheckoutVoucher.objects.filter(checkout=checkout).exists()


def test_charge_status_follows_the_total(channel, two_shops):
    _, _, tea, _ = two_shops
    checkout = helpers.ready(services.checkout_create(channel=channel, lines=[line(tea, 2)]))
    assert checkout.charge_status == "FULL"
    assert checkout.authorize_status == "FULL"
    checkout = services.checkout_lines_add(checkout=checkout, lines=[line(tea)])
    assert checkout.charge_status == "PARTIAL"
    checkout = services.checkout_lines_delete(checkout=checkout, line_ids=[checkout.lines.get().pk])
    assert checkout.charge_status == "OVERCHARGED"
    # Payments report the running total: repeating it is a no-op.
    again = services.checkout_mark_charged(checkout_id=checkout.pk, amount=checkout.charged_amount)
    assert again.charge_status == "OVERCHARGED"
    with pytest.raises(ValidationError) as exc:
        services.checkout_mark_charged(checkout_id=checkout.pk, amount=Decimal("-1"))
    assert codes(exc) == ["invalid"]


def test_checkout_get_hides_completed_and_bad_tokens(channel, two_shops):
    _, _, tea, _ = two_shops
    checkout = helpers.ready(services.checkout_create(channel=channel, lines=[line(tea)]))
    assert selectors.checkout_get(token=checkout.pk) == checkout
    assert selectors.checkout_get(token="not-a-uuid") is None
    checkout_complete(checkout=checkout)
    assert selectors.checkout_get(token=checkout.pk) is None
