# ruff: noqa: F811  (pytest fixtures imported from api_client are redefined as arguments)
"""The address book: Chinese addresses in Saleor's AddressInput, validated against the same
rule table that addressValidationRules prints; each user reaches only their own."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from marketplace.accounts.models import Address
from tests import factories
from tests.accounts.api_client import (  # noqa: F401
    ADDRESS,
    ADDRESS_FIELDS,
    buyer,
    codes,
    gql,
)

pytestmark = pytest.mark.django_db

CREATE = f"""
mutation($input: AddressInput!, $type: AddressTypeEnum) {{
  accountAddressCreate(input: $input, type: $type) {{
    address {{ {ADDRESS_FIELDS} }}
    user {{ defaultShippingAddress {{ id }} defaultBillingAddress {{ id }} }}
    errors {{ field message code }}
  }}
}}"""
UPDATE = f"""
mutation($id: ID!, $input: AddressInput!) {{
  accountAddressUpdate(id: $id, input: $input) {{
    address {{ {ADDRESS_FIELDS} }} errors {{ field message code }}
  }}
}}"""
DELETE = """
mutation($id: ID!) {
  accountAddressDelete(id: $id) {
    address { id } user { addresses { id } defaultShippingAddress { id } }
    errors { field message code }
  }
}"""
SET_DEFAULT = """
mutation($id: ID!, $type: AddressTypeEnum!) {
  accountSetDefaultAddress(id: $id, type: $type) {
    user { defaultShippingAddress { id } defaultBillingAddress { id }
           addresses { id isDefaultShippingAddress isDefaultBillingAddress } }
    errors { field message code }
  }
}"""
ACCOUNT_UPDATE = """
mutation($input: AccountInput!) {
  accountUpdate(input: $input) {
    user { firstName defaultShippingAddress { city phone } defaultBillingAddress { city } }
    errors { field message code addressType }
  }
}"""
ME = f"""{{ me {{ id email addresses {{ {ADDRESS_FIELDS} }}
    defaultShippingAddress {{ id }} defaultBillingAddress {{ id }} }} }}"""
RULES = """
query($code: CountryCode!) {
  addressValidationRules(countryCode: $code) {
    countryCode countryName addressFormat allowedFields requiredFields
    countryAreaType countryAreaChoices { raw verbose } cityType cityAreaType
    postalCodeType postalCodeMatchers postalCodeExamples
  }
}"""


def address_of(user, **overrides) -> Address:
    values = {
        "first_name": "张伟",
        "street_address_1": "龙坞镇上城埭村 18 号",
        "city": "杭州市",
        "city_area": "西湖区",
        "postal_code": "310024",
        "country_area": "浙江省",
        "phone": "+8613800138000",
        **overrides,
    }
    return Address.objects.create(user=user, **values)


@pytest.mark.smoke
def test_create_address_normalises_and_becomes_the_first_default(gql, buyer):
    gql.login(buyer)
    payload = gql.mutate(CREATE, {"input": {**ADDRESS, "countryArea": "Zhejiang"}})
    assert payload["errors"] == []
    address = payload["address"]
    assert address["countryArea"] == "浙江省"
    assert address["phone"] == "+8613800138000"
    assert address["country"] == {"code": "CN", "country": "China"}
    assert address["streetAddress1"] == "龙坞镇上城埭村 18 号"
    assert address["cityArea"] == "西湖区"
    assert address["isDefaultShippingAddress"] and address["isDefaultBillingAddress"]
    user = payload["user"]
    assert user["defaultShippingAddress"]["id"] == user["defaultBillingAddress"]["id"]
    assert user["defaultShippingAddress"]["id"] == address["id"]


def test_second_address_with_type_becomes_that_default_only(gql, buyer):
    first = address_of(buyer)
    buyer.default_shipping_address = buyer.default_billing_address = first
    buyer.save()
    gql.login(buyer)
    payload = gql.mutate(
        CREATE, {"input": {**ADDRESS, "city": "温州市", "postalCode": "325000"}, "type": "SHIPPING"}
    )
    assert payload["errors"] == []
    assert payload["address"]["isDefaultShippingAddress"] is True
    assert payload["address"]["isDefaultBillingAddress"] is False
    assert payload["user"]["defaultBillingAddress"]["id"] == to_global_id("Address", first.pk)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"firstName": "", "lastName": ""}, {("firstName", "REQUIRED")}),
        ({"streetAddress1": "  "}, {("streetAddress1", "REQUIRED")}),
        ({"city": None}, {("city", "REQUIRED")}),
        ({"cityArea": ""}, {("cityArea", "REQUIRED")}),
        ({"countryArea": ""}, {("countryArea", "REQUIRED")}),
        ({"countryArea": "加州"}, {("countryArea", "INVALID")}),
        ({"postalCode": ""}, {("postalCode", "REQUIRED")}),
        ({"postalCode": "31002"}, {("postalCode", "INVALID")}),
        ({"postalCode": "31002A"}, {("postalCode", "INVALID")}),
        ({"phone": ""}, {("phone", "REQUIRED")}),
        ({"phone": "12345"}, {("phone", "INVALID")}),
        ({"phone": "not a phone"}, {("phone", "INVALID")}),
        ({"country": "US"}, {("country", "INVALID")}),
        ({"country": None}, {("country", "REQUIRED")}),
        ({"companyName": "x" * 257}, {("companyName", "INVALID")}),
        ({"skipValidation": True}, {("skipValidation", "INVALID")}),
        (
            {"postalCode": "1", "phone": "1", "city": ""},
            {("postalCode", "INVALID"), ("phone", "INVALID"), ("city", "REQUIRED")},
        ),
    ],
)
def test_bad_addresses_get_field_errors_with_codes(gql, buyer, change, expected):
    gql.login(buyer)
    payload = gql.mutate(CREATE, {"input": {**ADDRESS, **change}})
    assert codes(payload["errors"]) == expected
    assert payload["address"] is None
    assert not Address.objects.exists()


def test_one_name_field_is_enough_and_phone_formats_are_accepted(gql, buyer):
    gql.login(buyer)
    for phone, stored in [
        ("+86 571 8888 8888", "+8657188888888"),
        ("0571-88888888", "+8657188888888"),
        ("13912345678", "+8613912345678"),
    ]:
        payload = gql.mutate(
            CREATE, {"input": {**ADDRESS, "firstName": "", "lastName": "李娜", "phone": phone}}
        )
        assert payload["errors"] == [], phone
        assert payload["address"]["phone"] == stored


def test_rules_query_describes_what_is_enforced(gql, buyer):
    rules = gql.data(RULES, {"code": "CN"})["addressValidationRules"]
    assert rules["countryCode"] == "CN" and rules["countryAreaType"] == "province"
    assert rules["postalCodeMatchers"] == ["^\\d{6}$"]
    provinces = [choice["raw"] for choice in rules["countryAreaChoices"]]
    assert len(provinces) == 31 and "浙江省" in provinces and "新疆维吾尔自治区" in provinces
    assert set(rules["requiredFields"]) <= set(rules["allowedFields"])
    # Each field the rules call required is refused when missing, and only those.
    gql.login(buyer)
    blank_for = {
        "name": {"firstName": "", "lastName": ""},
        "street_address": {"streetAddress1": ""},
        "city": {"city": ""},
        "city_area": {"cityArea": ""},
        "country_area": {"countryArea": ""},
        "postal_code": {"postalCode": ""},
        "phone": {"phone": ""},
    }
    assert set(rules["requiredFields"]) == set(blank_for)
    for field, blank in blank_for.items():
        errors = gql.mutate(CREATE, {"input": {**ADDRESS, **blank}})["errors"]
        assert [e["code"] for e in errors] == ["REQUIRED"], field
    optional = gql.mutate(CREATE, {"input": {**ADDRESS, "companyName": "", "streetAddress2": ""}})
    assert optional["errors"] == []
    # Every choice offered is accepted.
    for province in provinces:
        assert gql.mutate(CREATE, {"input": {**ADDRESS, "countryArea": province}})["errors"] == []


def test_rules_for_countries_we_do_not_serve(gql):
    body = gql(RULES, {"code": "US"})
    assert body["data"]["addressValidationRules"] is None
    assert body["errors"][0]["extensions"]["exception"]["code"] == "INVALID"


def test_update_changes_given_fields_and_checks_the_whole(gql, buyer):
    address = address_of(buyer)
    gql.login(buyer)
    address_id = to_global_id("Address", address.pk)
    updated = gql.mutate(UPDATE, {"id": address_id, "input": {"streetAddress2": "3 栋 201"}})
    assert updated["errors"] == []
    assert updated["address"]["streetAddress2"] == "3 栋 201"
    assert updated["address"]["city"] == "杭州市"
    refused = gql.mutate(
        UPDATE, {"id": address_id, "input": {"postalCode": "abc", "city": "宁波市"}}
    )
    assert codes(refused["errors"]) == {("postalCode", "INVALID")}
    address.refresh_from_db()
    assert address.city == "杭州市"  # nothing half-written


def test_another_users_address_is_not_found(gql, buyer):
    other = factories.user(email="other@example.cn")
    theirs = address_of(other)
    their_id = to_global_id("Address", theirs.pk)
    gql.login(buyer)
    for query, variables in [
        (UPDATE, {"id": their_id, "input": {"city": "宁波市"}}),
        (DELETE, {"id": their_id}),
        (SET_DEFAULT, {"id": their_id, "type": "SHIPPING"}),
    ]:
        payload = gql.mutate(query, variables)
        assert codes(payload["errors"]) == {("id", "NOT_FOUND")}
    theirs.refresh_from_db()
    assert theirs.city == "杭州市"
    buyer.refresh_from_db()
    assert buyer.default_shipping_address_id is None
    # A missing address answers exactly the same way.
    missing = gql.mutate(DELETE, {"id": to_global_id("Address", theirs.pk + 1000)})
    assert missing["errors"] == payload["errors"]
    # And `me` never lists it.
    assert gql.data(ME)["me"]["addresses"] == []


def test_malformed_ids_are_reported_in_errors(gql, buyer):
    gql.login(buyer)
    payload = gql.mutate(DELETE, {"id": "not-an-id"})
    assert codes(payload["errors"]) == {("id", "GRAPHQL_ERROR")}
    wrong_type = gql.mutate(DELETE, {"id": to_global_id("User", buyer.pk)})
    assert codes(wrong_type["errors"]) == {("id", "GRAPHQL_ERROR")}


def test_delete_own_address_clears_the_default(gql, buyer):
    keep, drop = address_of(buyer), address_of(buyer, city="宁波市", postal_code="315000")
    buyer.default_shipping_address = drop
    buyer.default_billing_address = keep
    buyer.save()
    gql.login(buyer)
    payload = gql.mutate(DELETE, {"id": to_global_id("Address", drop.pk)})
    assert payload["errors"] == []
    assert payload["address"]["id"] == to_global_id("Address", drop.pk)
    assert payload["user"]["addresses"] == [{"id": to_global_id("Address", keep.pk)}]
    assert payload["user"]["defaultShippingAddress"] is None
    buyer.refresh_from_db()
    assert buyer.default_billing_address_id == keep.pk


def test_set_default_address(gql, buyer):
    first, second = address_of(buyer), address_of(buyer, city="宁波市", postal_code="315000")
    gql.login(buyer)
    payload = gql.mutate(SET_DEFAULT, {"id": to_global_id("Address", second.pk), "type": "BILLING"})
    assert payload["errors"] == []
    user = payload["user"]
    assert user["defaultBillingAddress"]["id"] == to_global_id("Address", second.pk)
    assert user["defaultShippingAddress"] is None
    flags = {
        a["id"]: (a["isDefaultShippingAddress"], a["isDefaultBillingAddress"])
        for a in user["addresses"]
    }
    assert flags == {
        to_global_id("Address", first.pk): (False, False),
        to_global_id("Address", second.pk): (False, True),
    }


def test_account_update_adds_default_addresses(gql, buyer):
    gql.login(buyer)
    payload = gql.mutate(
        ACCOUNT_UPDATE,
        {
            "input": {
                "firstName": "伟",
                "defaultShippingAddress": ADDRESS,
                "defaultBillingAddress": {**ADDRESS, "city": "宁波市", "postalCode": "315000"},
            }
        },
    )
    assert payload["errors"] == []
    assert payload["user"] == {
        "firstName": "伟",
        "defaultShippingAddress": {"city": "杭州市", "phone": "+8613800138000"},
        "defaultBillingAddress": {"city": "宁波市"},
    }
    assert Address.objects.filter(user=buyer).count() == 2


def test_account_update_reports_which_address_is_wrong_and_writes_nothing(gql, buyer):
    gql.login(buyer)
    payload = gql.mutate(
        ACCOUNT_UPDATE,
        {
            "input": {
                "firstName": "伟",
                "defaultShippingAddress": ADDRESS,
                "defaultBillingAddress": {**ADDRESS, "postalCode": "bad"},
            }
        },
    )
    assert [(e["field"], e["code"], e["addressType"]) for e in payload["errors"]] == [
        ("postalCode", "INVALID", "BILLING")
    ]
    assert not Address.objects.exists()
    buyer.refresh_from_db()
    assert buyer.first_name == ""


def test_address_mutations_need_login(gql):
    body = gql(CREATE, {"input": ADDRESS})
    assert body["data"]["accountAddressCreate"] is None
    assert body["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    assert not Address.objects.exists()


def test_me_addresses_query_count_does_not_grow_with_addresses(gql, buyer):
    gql.login(buyer)
    address_of(buyer)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            me = gql.data(ME)["me"]
        assert me["email"] == "buyer@example.cn"
        return len(queries)

    one = count()
    for i in range(9):
        address_of(buyer, street_address_2=f"{i} 号楼")
    assert count() == one
