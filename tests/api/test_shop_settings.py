"""`Shop`: Saleor's store-settings answer for the marketplace (`shop` without a slug), the
village shop page (`shop(slug:)`), and the one `Shop` type every shop reference returns."""

from __future__ import annotations

import base64

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from marketplace.management.commands.demo import SHOP_QUERY
from marketplace.organisations.models import ShopStatus
from tests import factories

pytestmark = pytest.mark.django_db

SETTINGS_QUERY = """{ shop {
    id name description slug status village { name } partyOrganisation { name }
    products(first: 5, channel: "urban-retail") { totalCount }
    countries { code country } defaultCountry { code country } channelCurrencies
    languages { code language } phonePrefixes headerText version schemaVersion
    limitQuantityPerCheckout reserveStockDurationAnonymousUser
    reserveStockDurationAuthenticatedUser enableAccountConfirmationByEmail
    allowLoginWithoutConfirmation includeTaxesInPrices displayGrossPrices
    chargeTaxesOnShipping trackInventoryByDefault defaultWeightUnit fulfillmentAutoApprove
    fulfillmentAllowUnpaid preserveAllAddressFields companyAddress { id }
    translation(languageCode: EN) { id } domain { host sslEnabled url }
    metadata { key } } }"""


def _error_code(body):
    return body["errors"][0]["extensions"]["exception"]["code"]


@override_settings(
    MAX_CHECKOUT_LINE_QUANTITY=7,
    RESERVE_STOCK_DURATION_MINUTES=15,
    ACCOUNT_CONFIRMATION_REQUIRED=True,
)
def test_shop_without_slug_answers_the_marketplace_settings(gql, channel):
    factories.channel("hk-retail", currency_code="HKD")
    factories.channel("closed-retail", currency_code="USD", is_active=False)
    factories.shop()  # village shops exist, but the answer is the marketplace's

    shop = gql.data(SETTINGS_QUERY)["shop"]

    assert shop["name"] == "Ruralmart"
    assert shop["description"] and shop["headerText"]
    assert base64.b64decode(shop["id"]).decode() == "Shop:marketplace"
    # The marketplace has no village, organisation, status, slug or products of its own.
    assert shop["slug"] is None and shop["status"] is None
    assert shop["village"] is None and shop["partyOrganisation"] is None
    assert shop["products"] is None
    assert shop["countries"] == [{"code": "CN", "country": "China"}]
    assert shop["defaultCountry"] == {"code": "CN", "country": "China"}
    assert shop["channelCurrencies"] == ["CNY", "HKD"]  # active channels only
    assert shop["languages"] == [
        {"code": "ZH_HANS", "language": "简体中文"},
        {"code": "EN", "language": "English"},
    ]
    assert shop["phonePrefixes"] == ["+86"]
    assert shop["schemaVersion"] == "3.23"
    assert shop["version"].startswith("3.23.0")
    assert shop["limitQuantityPerCheckout"] == 7
    assert shop["reserveStockDurationAnonymousUser"] == 15
    assert shop["reserveStockDurationAuthenticatedUser"] == 15
    assert shop["enableAccountConfirmationByEmail"] is True
    assert shop["allowLoginWithoutConfirmation"] is False
    assert shop["includeTaxesInPrices"] is True and shop["displayGrossPrices"] is True
    assert shop["chargeTaxesOnShipping"] is False
    assert shop["trackInventoryByDefault"] is True
    assert shop["defaultWeightUnit"] == "G"
    assert shop["fulfillmentAutoApprove"] is True and shop["fulfillmentAllowUnpaid"] is False
    assert shop["preserveAllAddressFields"] is True
    assert shop["companyAddress"] is None and shop["translation"] is None
    assert shop["domain"] == {
        "host": "testserver",
        "sslEnabled": False,
        "url": "http://testserver/",
    }
    assert shop["metadata"] == []


@override_settings(RESERVE_STOCK_DURATION_MINUTES=0, ACCOUNT_CONFIRMATION_REQUIRED=False)
def test_settings_follow_django_settings(gql, channel):
    shop = gql.data(
        "{ shop { reserveStockDurationAnonymousUser enableAccountConfirmationByEmail "
        "allowLoginWithoutConfirmation } }"
    )["shop"]
    # 0 minutes means checkouts hold nothing: Saleor says so with null.
    assert shop == {
        "reserveStockDurationAnonymousUser": None,
        "enableAccountConfirmationByEmail": False,
        "allowLoginWithoutConfirmation": True,
    }


def test_shop_with_slug_is_the_village_shop_with_the_same_settings(gql, channel):
    shop = factories.shop(description="古树茶的村")
    factories.product(shop_obj=shop, channel_obj=channel, name="勐库红茶")
    query = """query($s: String) { shop(slug: $s) { id name slug description status
        village { name township { name county { name } } } partyOrganisation { name }
        products(first: 5, channel: "urban-retail") { edges { node { name } } }
        channelCurrencies version countries { code } } }"""

    data = gql.data(query, {"s": shop.slug})["shop"]

    assert data["id"] == to_global_id("Shop", shop.pk)
    assert (data["name"], data["slug"], data["description"], data["status"]) == (
        shop.name,
        shop.slug,
        "古树茶的村",
        "APPROVED",
    )
    village = shop.village
    assert data["village"] == {
        "name": village.name,
        "township": {
            "name": village.township.name,
            "county": {"name": village.township.county.name},
        },
    }
    assert data["partyOrganisation"] == {"name": shop.party_organisation.name}
    assert [e["node"]["name"] for e in data["products"]["edges"]] == ["勐库红茶"]
    marketplace = gql.data("{ shop { channelCurrencies version countries { code } } }")["shop"]
    assert {k: data[k] for k in marketplace} == marketplace


@pytest.mark.parametrize("status", [ShopStatus.APPLIED, ShopStatus.SUSPENDED])
def test_unknown_or_unapproved_slug_is_a_coded_error(gql, status):
    hidden = factories.shop(status=status)
    query = "query($s: String) { shop(slug: $s) { name } }"
    for slug in (hidden.slug, "no-such-shop"):
        body = gql(query, {"s": slug})  # a 200 with an error, never a 500
        assert body["data"] is None
        assert _error_code(body) == "NOT_FOUND"
        assert body["errors"][0]["extensions"]["field"] == "slug"
        assert slug in body["errors"][0]["message"]
        # An unapproved shop answers exactly like a missing one.
        assert hidden.name not in str(body)


def test_every_shop_reference_is_a_shop(gql, channel):
    shop = factories.shop()
    factories.product(shop_obj=shop, channel_obj=channel)
    data = gql.data(
        '{ products(first: 1, channel: "urban-retail") { edges { node { shop { __typename id } } } } '
        "shops(first: 1) { edges { node { __typename id } } } }"
    )
    expected = {"__typename": "Shop", "id": to_global_id("Shop", shop.pk)}
    assert data["products"]["edges"][0]["node"]["shop"] == expected
    assert data["shops"]["edges"][0]["node"] == expected


def test_product_filter_takes_shop_ids_and_refuses_old_and_marketplace_ids(gql, channel):
    shop = factories.shop()
    factories.product(shop_obj=shop, channel_obj=channel, name="蜂蜜")
    query = """query($ids: [ID!]) { products(first: 5, channel: "urban-retail",
        filter: {shops: $ids}) { edges { node { name } } } }"""
    found = gql.data(query, {"ids": [to_global_id("Shop", shop.pk)]})["products"]["edges"]
    assert [e["node"]["name"] for e in found] == ["蜂蜜"]

    # The type was called VillageShop before it took Saleor's name.
    body = gql(query, {"ids": [to_global_id("VillageShop", shop.pk)]})
    assert body["data"]["products"] is None
    assert body["errors"][0]["message"] == "Must receive a Shop id."
    assert body["errors"][0]["extensions"] == {
        "exception": {"code": "GRAPHQL_ERROR"},
        "field": "shops",
    }

    marketplace_id = gql.data("{ shop { id } }")["shop"]["id"]
    body = gql(query, {"ids": [marketplace_id]})
    assert body["data"]["products"] is None
    assert _error_code(body) == "GRAPHQL_ERROR"
    assert marketplace_id in body["errors"][0]["message"]


def test_available_payment_gateways_per_channel_and_currency(gql, channel):
    factories.channel("village-counter")
    query = "query($c: String, $cur: String) { shop { availablePaymentGateways(channel: $c, currency: $cur) { id currencies } } }"

    def ids(**variables):
        gateways = gql.data(query, variables)["shop"]["availablePaymentGateways"]
        return [g["id"] for g in gateways]

    assert ids(c="urban-retail") == ["ruralmart.payments.alipay"]
    assert ids(c="village-counter") == ["ruralmart.payments.alipay", "ruralmart.payments.cash"]
    # Without a channel: every active channel's gateways, each once.
    assert ids() == ["ruralmart.payments.alipay", "ruralmart.payments.cash"]
    assert ids(cur="CNY") == ["ruralmart.payments.alipay", "ruralmart.payments.cash"]
    assert ids(cur="USD") == []
    body = gql(query, {"c": "no-such-channel"})
    assert _error_code(body) == "NOT_FOUND"


def test_countries_filter_by_shipping_zones(gql):
    query = (
        "query($a: Boolean) { shop { countries(filter: {attachedToShippingZones: $a}) { code } } }"
    )
    assert gql.data(query, {"a": True})["shop"]["countries"] == [{"code": "CN"}]
    assert gql.data(query, {"a": False})["shop"]["countries"] == []
    assert gql.data(query, {"a": None})["shop"]["countries"] == [{"code": "CN"}]


def test_settings_on_a_page_of_shops_are_read_once(gql, channel):
    for _ in range(4):
        factories.shop()
    query = (
        "{ shops(first: %d) { edges { node { name channelCurrencies version "
        "limitQuantityPerCheckout countries { code } } } } }"
    )
    counts = []
    for first in (1, 4):
        with CaptureQueriesContext(connection) as ctx:
            body = gql(query % first)
        assert "errors" not in body, body["errors"]
        assert len(body["data"]["shops"]["edges"]) == first
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_payment_gateways_on_a_page_of_shops_are_read_once(gql, channel):
    """Without `channel`, each Shop lists the gateways of every active channel: worked out
    once per request, not once per shop."""
    factories.channel("village-counter")
    for _ in range(10):
        factories.shop()
    query = "{ shops(first: %d) { edges { node { availablePaymentGateways { id } } } } }"
    counts = []
    for first in (1, 10):
        with CaptureQueriesContext(connection) as ctx:
            body = gql(query % first)
        assert "errors" not in body, body["errors"]
        edges = body["data"]["shops"]["edges"]
        assert len(edges) == first
        assert {tuple(g["id"] for g in e["node"]["availablePaymentGateways"]) for e in edges} == {
            ("ruralmart.payments.alipay", "ruralmart.payments.cash")
        }
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_the_demo_banner_shop_query_runs(gql, channel):
    village = factories.village()
    shop = factories.shop(village_obj=village, slug="bingdao-tea")
    factories.product(shop_obj=shop, channel_obj=channel, name="冰岛古树茶")
    data = gql.data(SHOP_QUERY)["shop"]
    assert data["village"]["name"] == village.name
    assert [e["node"]["name"] for e in data["products"]["edges"]] == ["冰岛古树茶"]
