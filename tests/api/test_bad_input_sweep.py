"""A sweep of bad input over the whole live schema: no 500, no INTERNAL_ERROR, every refusal
coded.

The cases are generated from `storefront_api.schema.schema.graphql_schema` at collection
time, so a field added to Query or Mutation is swept without touching this file. For each
root field the sweep starts from a base call (required arguments, plus the `id` that names
the target, filled with real objects of a tiny catalog) and spoils one argument at a time:
IDs that are malformed, of the wrong type, missing or huge; integers out of range; strings
that are empty, long, hold a NUL byte or look like SQL; unknown enum values; input objects
with wrong nested types, missing required fields or unknown fields; required arguments left
out. Everything goes through variables, so coercion errors are exercised too. Mutations are
sent anonymously and as a logged-in buyer; fields whose description says they are for
staff are also sent as a platform admin, so their argument handling is reached.

Each answer must be JSON with HTTP 200 or 400; no error may be INTERNAL_ERROR; every
top-level error and every payload `errors` entry carries a code; spec-level mistakes must be
refused, and malformed IDs too. The server may log no ERROR (the view logs unexpected
exceptions on "ruralmart.api").

Failures whose cause lies in code this sweep's owner may not change are marked
`xfail(strict=True)` in KNOWN_FAILURES with their root cause: they flip to failures once
fixed, so the mark is removed with the fix.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import logging
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from django.db import transaction
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
    get_nullable_type,
    is_non_null_type,
)
from graphql_relay import to_global_id

from storefront_api.schema import schema
from tests import factories
from tests.api.conftest import GraphQLClient

pytestmark = pytest.mark.django_db

GRAPHQL_SCHEMA = schema.graphql_schema

# --- what "bad" means ------------------------------------------------------------------------

# How strictly an answer is judged, beyond the rules every answer follows.
SPEC = "spec"  # graphql-core must refuse it (validation or variable coercion): a top-level error
REFUSE = "refuse"  # our code must refuse it: a top-level error or payload `errors`
ANY = "any"  # a refusal, a null or a success are all fine; only the universal rules apply

NUL_AND_CONTROLS = "bad\u0000nul\u0001\u001f\u007f"
SQL_ISH = "'; DROP TABLE accounts_user; -- \" OR 1=1"
LONG = "x" * 10_000
INT_OVERFLOW = 2**31
HUGE_PK = "9" * 30
ANY_UUID = "00000000-0000-4000-8000-00000000beef"


@dataclass(frozen=True)
class Real:
    """The global ID of the catalog's object of this type (the caller's own, for checkouts)."""

    type_name: str


@dataclass(frozen=True)
class Missing:
    """A well-formed ID of this type that names nothing (UUID or integer pk, as the type has)."""

    type_name: str


def _gid(type_name: str, pk: str) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def _wrong_type(type_name: str) -> str:
    return "Category" if type_name == "Product" else "Product"


def id_values(type_name: str) -> list[tuple[str, Any, str]]:
    return [
        ("id-not-base64", "not-an-id!", REFUSE),
        (f"id-wrong-type-{_wrong_type(type_name)}", _gid(_wrong_type(type_name), "1"), REFUSE),
        ("id-missing", Missing(type_name), ANY),
        ("id-huge-pk", _gid(type_name, HUGE_PK), ANY),
        ("id-raw-number", 10**20, REFUSE),
    ]


def string_values(*, nested: bool) -> list[tuple[str, Any, str]]:
    values = [("str-empty", "", ANY), ("str-10k", LONG, ANY), ("str-nul", NUL_AND_CONTROLS, ANY)]
    if not nested:
        values.append(("str-sql", SQL_ISH, ANY))
    return values


def int_values(name: str) -> list[tuple[str, Any, str]]:
    if name in ("first", "last"):
        return [
            ("page-negative", -1, REFUSE),
            ("page-zero", 0, ANY),
            ("page-over-100", 101, REFUSE),
            ("int-2^31", INT_OVERFLOW, SPEC),
        ]
    return [("int-negative", -1, ANY), ("int-zero", 0, ANY), ("int-2^31", INT_OVERFLOW, SPEC)]


# Bad values for the other scalars, by name; GENERIC_SCALAR_VALUES for any scalar not listed.
CUSTOM_SCALAR_VALUES: dict[str, list[tuple[str, Any, str]]] = {
    "UUID": [("uuid-malformed", "not-a-uuid", SPEC), ("uuid-unknown", ANY_UUID, ANY)],
    "Float": [("float-nan", math.nan, SPEC), ("float-huge", 1e308, ANY), ("float-neg", -1.5, ANY)],
    "Boolean": [("bool-string", "yes", SPEC)],
    "Date": [
        ("date-impossible", "2025-02-30", SPEC),
        ("date-far", "9999-12-31", ANY),
        ("date-ancient", "0001-01-01", ANY),
    ],
    "JSONString": [("jsonstring-invalid", "{not json", ANY), ("jsonstring-nul", '"\\u0000"', ANY)],
    "JSON": [("json-string", "x", ANY), ("json-nul", {"method": "\u0000"}, ANY)],
}
for _decimal in ("Decimal", "PositiveDecimal"):
    CUSTOM_SCALAR_VALUES[_decimal] = [
        ("dec-negative", "-1", ANY),
        ("dec-nan", "NaN", ANY),
        ("dec-infinity", "Infinity", ANY),
        ("dec-huge", "1e999999", ANY),
        ("dec-text", "abc", ANY),
    ]
GENERIC_SCALAR_VALUES = [("scalar-object", {"a": 1}, ANY), ("scalar-nul", "\u0000", ANY)]


# --- the base call: real values that let a spoiled argument reach the resolver ---------------

# ID arguments whose name does not say their type.
ID_TYPE_BY_NAME = {
    "shops": "Shop",
    "linesIds": "CheckoutLine",
    "lineId": "CheckoutLine",
    "customerId": "User",
    "deliveryMethodId": "ShippingMethod",
    "promoCodeId": "Voucher",
    "attributeId": "Attribute",
    "checkoutId": "Checkout",
    "variantId": "ProductVariant",
}

# What a mutation's `id` names, by the mutation's name.
MUTATION_TARGETS = [
    ("accountAddress*", "Address"),
    ("accountSetDefaultAddress", "Address"),
    ("shopOrder*", "ShopOrder"),
    ("checkout*", "Checkout"),
    ("deliveryOptionsCalculate", "Checkout"),
    ("paymentGatewayInitialize", "Checkout"),
    ("transactionInitialize", "Checkout"),
]

# Optional arguments without which the base call is refused before the others are read.
BASE_OPTIONAL = {"oldPassword", "deliveryMethodId", "promoCode"}

START = date.today() + timedelta(days=10)

ADDRESS = {
    "firstName": "张",
    "lastName": "伟",
    "streetAddress1": "龙坞镇上城埭村 18 号",
    "city": "杭州市",
    "cityArea": "西湖区",
    "postalCode": "310024",
    "country": "CN",
    "countryArea": "浙江省",
    "phone": "138 0013 8000",
}

INPUT_SAMPLES: dict[str, dict[str, Any]] = {
    "AddressInput": ADDRESS,
    "CheckoutCreateInput": {
        "channel": "urban-retail",
        "email": "buyer@example.cn",
        "lines": [{"variantId": Real("ProductVariant"), "quantity": 1}],
    },
    "CheckoutLineInput": {"variantId": Real("ProductVariant"), "quantity": 1},
    "CheckoutLineUpdateInput": {"lineId": Real("CheckoutLine"), "quantity": 2},
    "CheckoutLineBookingInput": {
        "startDate": START.isoformat(),
        "endDate": (START + timedelta(days=2)).isoformat(),
        "guests": 2,
    },
    "AccountRegisterInput": {
        "email": "new-buyer@example.cn",
        "password": "Village-pass-2026",
        "redirectUrl": "http://localhost:3000/account/confirm",
    },
    "AccountInput": {"firstName": "伟"},
    "PaymentGatewayToInitialize": {"id": "ruralmart.payments.alipay", "data": {"method": "PAGE"}},
}

STRING_SAMPLES = {
    "email": "buyer@sweep.example.cn",
    "password": "Village-pass-2026",
    "newPassword": "Village-pass-2027",
    "oldPassword": "Village-pass-2026",
    "redirectUrl": "http://localhost:3000/account/reset",
    "reason": "买家取消",
    "promoCode": "SPRING10",
    "channel": "urban-retail",
    "slug": Real("Shop.slug"),
    "code": Real("TraceBatch.code"),
    "token": "not-a-real-token",
}


def id_type_for(root: str, field_name: str, field_def: GraphQLField, path: str) -> str:
    """The object type an ID argument or input field names, from its path ("lines.0.variantId",
    "where.category.eq"): the last name that says something, stripped of Id/Ids and plurals."""
    names = [p for p in path.split(".") if not p.isdigit() and p not in ("eq", "oneOf")]
    name = names[-1] if names else "id"
    if name in ID_TYPE_BY_NAME:
        return ID_TYPE_BY_NAME[name]
    if name in ("id", "ids"):
        if root == "Mutation":
            for pattern, type_name in MUTATION_TARGETS:
                if fnmatch.fnmatchcase(field_name, pattern):
                    return type_name
        return get_named_type(field_def.type).name.removesuffix("CountableConnection")
    stem = name.removesuffix("Ids").removesuffix("Id")
    if stem.endswith("ies"):
        stem = stem[:-3] + "y"
    elif stem.endswith("s"):
        stem = stem[:-1]
    return stem[:1].upper() + stem[1:]


def _leaf_name(path: str) -> str:
    return [p for p in path.split(".") if not p.isdigit()][-1]


def sample_value(
    type_: GraphQLInputType, path: str, id_type_of: Any, seen: frozenset[str] = frozenset()
) -> Any:
    """A valid value of `type_` for the argument or input field at `path`."""
    nullable = get_nullable_type(type_)
    if isinstance(nullable, GraphQLList):
        return [sample_value(nullable.of_type, f"{path}.0", id_type_of, seen)]
    named = get_named_type(type_)
    if isinstance(named, GraphQLInputObjectType):
        if named.name in INPUT_SAMPLES:
            return dict(INPUT_SAMPLES[named.name])
        if named.name in seen:
            return {}
        return {
            key: sample_value(f.type, f"{path}.{key}", id_type_of, seen | {named.name})
            for key, f in named.fields.items()
            if is_non_null_type(f.type)
        }
    if isinstance(named, GraphQLEnumType):
        return "CN" if named.name == "CountryCode" else next(iter(named.values))
    if named.name == "ID":
        return Real(id_type_of(path))
    if named.name == "String":
        return STRING_SAMPLES.get(_leaf_name(path), "茶叶")
    return {
        "Int": 1,
        "Float": 1.0,
        "Boolean": True,
        "UUID": ANY_UUID,
        "Date": START.isoformat(),
        "Decimal": "1.00",
        "PositiveDecimal": "1.00",
        "JSON": {},
        "JSONString": "{}",
    }.get(named.name, "x")


# --- the cases -----------------------------------------------------------------------------


@dataclass
class Case:
    root: str  # "Query" or "Mutation"
    field_name: str
    label: str  # what is spoiled, e.g. "lines.0.variantId=id-not-base64"
    kind: str
    variables: dict[str, Any]
    omit: frozenset[str] = frozenset()
    literals: dict[str, str] = field(default_factory=dict)
    identity: str = "anon"

    @property
    def id(self) -> str:
        return f"{self.root}.{self.field_name}[{self.label}]-{self.identity}"


def _identities(root: str, field_def: GraphQLField) -> list[str]:
    identities = ["anon"] + (["buyer"] if root == "Mutation" else [])
    description = (field_def.description or "").lower()
    if any(word in description for word in ("staff", "manager", "admin")):
        identities.append("admin")
    return identities


def _scalar_values(
    named: GraphQLScalarType | GraphQLEnumType, path: str, id_type_of: Any, *, nested: bool
) -> list[tuple[str, Any, str]]:
    if isinstance(named, GraphQLEnumType):
        return [("enum-unknown", "NOT_A_VALUE", SPEC)]
    if named.name == "ID":
        return id_values(id_type_of(path))
    if named.name == "String":
        return string_values(nested=nested)
    if named.name == "Int":
        return int_values(_leaf_name(path))
    return CUSTOM_SCALAR_VALUES.get(named.name, GENERIC_SCALAR_VALUES)


def _wrong_json_type(type_: GraphQLInputType) -> Any | None:
    """A value no variable of this type accepts, or None where anything goes (JSON)."""
    named = get_named_type(type_)
    if named.name in ("JSON", "GenericScalar"):
        return None
    return "not-an-object" if isinstance(named, GraphQLInputObjectType) else {"wrong": "type"}


def _spoil(
    type_: GraphQLInputType, base: Any, path: str, id_type_of: Any, seen: frozenset[str]
) -> Iterator[tuple[str, Any, str]]:
    """(label, spoiled value, kind) for the argument or input field at `path`, spoiling its
    valid `base` one part at a time."""
    nullable = get_nullable_type(type_)
    if isinstance(nullable, GraphQLList):
        item_type = nullable.of_type
        item_path = f"{path}.0"
        item_base = (
            base[0]
            if isinstance(base, list) and base
            else sample_value(item_type, item_path, id_type_of)
        )
        if not seen:  # top-level lists: empty, and a null item where items are required
            yield f"{path}=list-empty", [], ANY
            if is_non_null_type(item_type):
                yield f"{path}=list-null-item", [None], SPEC
        for label, value, kind in _spoil(item_type, item_base, item_path, id_type_of, seen):
            yield label, [value], kind
        return
    named = get_named_type(type_)
    if isinstance(named, GraphQLInputObjectType):
        if named.name in seen or len(seen) >= 3:
            return
        if not isinstance(base, dict):
            base = sample_value(type_, path, id_type_of)
        yield f"{path}=not-an-object", "not-an-object", SPEC
        yield f"{path}=unknown-field", {**base, "bogusField": 1}, SPEC
        wrong_typed = 0
        for key, input_field in named.fields.items():
            if is_non_null_type(input_field.type):
                yield f"{path}.{key}=missing", {k: v for k, v in base.items() if k != key}, SPEC
            wrong = _wrong_json_type(input_field.type)
            # A few wrong types per input: graphql-core refuses them all alike.
            if wrong is not None and (is_non_null_type(input_field.type) or wrong_typed < 2):
                wrong_typed += 1
                yield f"{path}.{key}=wrong-type", {**base, key: wrong}, SPEC
        for key, input_field in named.fields.items():
            key_path = f"{path}.{key}"
            key_base = base.get(key)
            if key_base is None:
                key_base = sample_value(input_field.type, key_path, id_type_of)
            for label, value, kind in _spoil(
                input_field.type, key_base, key_path, id_type_of, seen | {named.name}
            ):
                yield label, {**base, key: value}, kind
        return
    assert isinstance(named, GraphQLScalarType | GraphQLEnumType)
    for label, value, kind in _scalar_values(named, path, id_type_of, nested=bool(seen)):
        yield f"{path}={label}", value, kind


def cases_for(root: str, field_name: str, field_def: GraphQLField) -> list[Case]:
    def id_type_of(path: str) -> str:
        return id_type_for(root, field_name, field_def, path)

    # The base call: required arguments, the `id` naming the target, the optional arguments
    # without which the call is refused before it reads the others, a page size.
    base = {
        name: sample_value(arg.type, name, id_type_of)
        for name, arg in field_def.args.items()
        if is_non_null_type(arg.type) or name == "id" or name in BASE_OPTIONAL
    }
    if "first" in field_def.args:
        base["first"] = 5
    spoiled: list[tuple[str, dict[str, Any], str, frozenset[str], dict[str, str]]] = [
        ("base", base, ANY, frozenset(), {})
    ]
    for name, arg in field_def.args.items():
        paging = name in ("first", "last")
        others = {k: v for k, v in base.items() if k != name and not (paging and k == "first")}
        if arg.deprecation_reason is not None and "id" in base:
            # A deprecated way of naming the target is swept alone; beside `id` it must be
            # refused outright rather than ignored unchecked.
            del others["id"]
            alongside = {**base, name: sample_value(arg.type, name, id_type_of)}
            spoiled.append((f"{name}=alongside-id", alongside, REFUSE, frozenset(), {}))
        if is_non_null_type(arg.type):
            spoiled.append((f"{name}=omitted", others, SPEC, frozenset({name}), {}))
            spoiled.append((f"{name}=null", {**others, name: None}, SPEC, frozenset(), {}))
        wrong = _wrong_json_type(arg.type)
        if wrong is not None:
            spoiled.append((f"{name}=wrong-type", {**others, name: wrong}, SPEC, frozenset(), {}))
        if get_named_type(arg.type).name == "Int":
            literal = {name: str(INT_OVERFLOW)}
            spoiled.append((f"{name}=int-2^31-literal", others, SPEC, frozenset(), literal))
        arg_base = base.get(name)
        if arg_base is None:
            arg_base = sample_value(arg.type, name, id_type_of)
        for label, value, kind in _spoil(arg.type, arg_base, name, id_type_of, frozenset()):
            spoiled.append((label, {**others, name: value}, kind, frozenset(), {}))
    return [
        Case(root, field_name, label, kind, variables, omit, literals, identity)
        for identity in _identities(root, field_def)
        for label, variables, kind, omit, literals in spoiled
    ]


def all_cases() -> list[Case]:
    cases = []
    for root_type in (GRAPHQL_SCHEMA.query_type, GRAPHQL_SCHEMA.mutation_type):
        if root_type is None:
            continue
        for field_name, field_def in root_type.fields.items():
            cases.extend(cases_for(root_type.name, field_name, field_def))
    return cases


# Failures not yet fixed: case-ID pattern ("*" matches anything) -> root cause. Each is
# xfail(strict=True), so a fix fails the sweep until its entry is removed. Empty today.
KNOWN_FAILURES: dict[str, str] = {}


# What some swept inputs must be answered with, beyond the universal rules: the refusals
# added when the sweep found these inputs failing (a 500, or a bad ID ignored unchecked).
# case ID -> (field, code) of a payload `errors` entry or a top-level error.
EXPECTED_REFUSALS: dict[str, tuple[str | None, str]] = {
    # Over-long e-mails once reached the throttle's table and the user lookup.
    "Mutation.tokenCreate[email=str-10k]-anon": ("email", "INVALID"),
    "Mutation.requestPasswordReset[email=str-10k]-anon": ("email", "INVALID"),
    "Mutation.shopOrderFulfill[trackingNumber=str-10k]-admin": ("trackingNumber", "INVALID"),
    # A second way of naming the same thing was ignored without being checked.
    "Mutation.checkoutLinesAdd[checkoutId=alongside-id]-anon": ("id", "GRAPHQL_ERROR"),
    "Mutation.checkoutComplete[token=alongside-id]-buyer": ("id", "GRAPHQL_ERROR"),
    "Query.checkout[token=alongside-id]-anon": ("id", "GRAPHQL_ERROR"),
    "Mutation.checkoutLinesUpdate[lines.0.variantId=id-not-base64]-anon": (
        "lineId",
        "GRAPHQL_ERROR",
    ),
    "Mutation.checkoutRemovePromoCode[promoCodeId=id-not-base64]-buyer": (
        "promoCodeId",
        "GRAPHQL_ERROR",
    ),
    # NaN, Infinity and 1e999999 once reached the price filters and the payment amount.
    "Query.products[where.price.range.gte=dec-nan]-anon": ("price", "GRAPHQL_ERROR"),
    "Query.products[where.minimalPrice.eq=dec-huge]-anon": ("minimalPrice", "GRAPHQL_ERROR"),
    "Mutation.transactionInitialize[amount=dec-huge]-anon": ("amount", "INVALID"),
}


def expected_refusal(case_id: str) -> tuple[str | None, str] | None:
    """A NUL character (which PostgreSQL text cannot hold) in any variable is refused before
    the query runs, naming the variable; other inputs as listed above."""
    nul = re.search(r"\[([A-Za-z]+)[.=][^\]]*=str-nul\]|\[([A-Za-z]+)=str-nul\]", case_id)
    if nul:
        return (nul.group(1) or nul.group(2), "GRAPHQL_ERROR")
    return EXPECTED_REFUSALS.get(case_id)


def _matches(pattern: str, case_id: str) -> bool:
    return re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), case_id) is not None


def _params() -> list[Any]:
    params = []
    for case in all_cases():
        reasons = [r for pattern, r in KNOWN_FAILURES.items() if _matches(pattern, case.id)]
        marks = [pytest.mark.xfail(strict=True, reason=reasons[0])] if reasons else []
        params.append(pytest.param(case, id=case.id, marks=marks))
    return params


CASES = _params()


# --- the document ----------------------------------------------------------------------------


def _selection(field_def: GraphQLField) -> str:
    named = get_named_type(field_def.type)
    if not isinstance(named, GraphQLObjectType):
        return ""
    parts = ["__typename"]
    errors = named.fields.get("errors")
    if errors is not None:
        error_type = get_named_type(errors.type)
        if isinstance(error_type, GraphQLObjectType) and "code" in error_type.fields:
            parts.append("errors { field code message }")
    return "{ " + " ".join(parts) + " }"


def document(case: Case) -> str:
    root_type = GRAPHQL_SCHEMA.get_type(case.root)
    assert isinstance(root_type, GraphQLObjectType)
    field_def = root_type.fields[case.field_name]
    definitions, arguments = [], []
    for name, arg in field_def.args.items():
        if name in case.literals:
            arguments.append(f"{name}: {case.literals[name]}")
        elif name in case.variables and name not in case.omit:
            definitions.append(f"${name}: {arg.type}")
            arguments.append(f"{name}: ${name}")
    operation = "query" if case.root == "Query" else "mutation"
    header = f"({', '.join(definitions)})" if definitions else ""
    call = f"({', '.join(arguments)})" if arguments else ""
    return f"{operation} Sweep{header} {{ {case.field_name}{call} {_selection(field_def)} }}"


# --- the catalog -----------------------------------------------------------------------------


@dataclass
class Catalog:
    ids: dict[str, str]  # "Type" or "Type.attr" -> value, for anonymous callers and admins
    buyer_ids: dict[str, str]  # overrides for the logged-in buyer (their own checkout)
    buyer: Any
    admin: Any

    def resolve(self, value: Any, identity: str) -> Any:
        if isinstance(value, Real):
            if identity == "buyer" and value.type_name in self.buyer_ids:
                return self.buyer_ids[value.type_name]
            return self.ids.get(value.type_name) or self.resolve(Missing(value.type_name), "")
        if isinstance(value, Missing):
            real = self.ids.get(value.type_name)
            return to_global_id(
                value.type_name, ANY_UUID if real and _is_uuid_id(real) else "2147480000"
            )
        if isinstance(value, dict):
            return {k: self.resolve(v, identity) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v, identity) for v in value]
        return value


def _is_uuid_id(global_id: str) -> bool:
    try:
        UUID(base64.b64decode(global_id).decode().partition(":")[2])
    except ValueError:
        return False
    return True


def _build_catalog() -> Catalog:
    from marketplace.accounts import services as account_services
    from marketplace.catalog import services as catalog_services
    from marketplace.catalog.models import Collection
    from marketplace.checkout import services as checkout_services
    from marketplace.checkout.complete_checkout import checkout_complete
    from tests.checkout import helpers

    channel = factories.channel("urban-retail")
    category = factories.category()
    shop = helpers.shop_with_delivery()
    variant = helpers.goods(
        shop=shop, channel=channel, price="25.00", stock=50, category_obj=category
    )
    product = variant.product
    collection = Collection.objects.create(name="山货", slug="sweep-collection")
    admin = factories.platform_admin()
    batch = catalog_services.trace_batch_create(
        actor=admin, product=product, harvest_date=date.today(), plot="茶园一号"
    )
    household = factories.household(village_obj=shop.village)
    buyer = factories.user(email="buyer@sweep.example.cn", password="Village-pass-2026")
    buyer, address = account_services.address_create(user=buyer, data=dict(helpers.ADDRESS))
    anon_checkout = checkout_services.checkout_create(
        channel=channel, lines=[helpers.line(variant, 1)], email="anon@example.cn"
    )
    buyer_checkout = checkout_services.checkout_create(
        channel=channel, lines=[helpers.line(variant, 1)], user=buyer
    )
    placed = checkout_services.checkout_create(
        channel=channel, lines=[helpers.line(variant, 1)], user=buyer
    )
    order = checkout_complete(checkout=helpers.ready(placed), user=buyer)
    shop_order = order.shop_orders.get()
    helpers.voucher(shop)

    def gid(type_name: str, obj: Any) -> str:
        return to_global_id(type_name, str(obj.pk))

    ids = {
        "Product": gid("Product", product),
        "ProductVariant": gid("ProductVariant", variant),
        "ProductType": gid("ProductType", product.product_type),
        "Category": gid("Category", category),
        "Collection": gid("Collection", collection),
        "Channel": gid("Channel", channel),
        "Shop": gid("Shop", shop),
        "Shop.slug": shop.slug,
        "Village": gid("Village", shop.village),
        "Township": gid("Township", shop.village.township),
        "County": gid("County", shop.village.township.county),
        "Household": gid("Household", household),
        "TraceBatch.code": batch.code,
        "Checkout": gid("Checkout", anon_checkout),
        "CheckoutLine": gid("CheckoutLine", anon_checkout.lines.get()),
        "ShippingMethod": gid("ShippingMethod", helpers.express(shop)),
        "User": gid("User", buyer),
        "Address": gid("Address", address),
        "Order": gid("Order", order),
        "ShopOrder": gid("ShopOrder", shop_order),
    }
    buyer_ids = {
        "Checkout": gid("Checkout", buyer_checkout),
        "CheckoutLine": gid("CheckoutLine", buyer_checkout.lines.get()),
    }
    return Catalog(ids=ids, buyer_ids=buyer_ids, buyer=buyer, admin=admin)


@pytest.fixture(scope="module")
def catalog(django_db_setup, django_db_blocker):
    """One tiny catalog for the whole sweep, inside a transaction rolled back at the end;
    each case runs in its own savepoint (pytest-django's `db`), so a mutation that succeeds
    changes nothing the next case sees."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build_catalog()
        transaction.set_rollback(True)


# --- the sweep -------------------------------------------------------------------------------


def _codes(errors: list[Any]) -> list[Any]:
    return [((e.get("extensions") or {}).get("exception") or {}).get("code") for e in errors]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_refused_with_a_code(case: Case, catalog: Catalog, gql: GraphQLClient, caplog):
    if case.identity == "buyer":
        gql.login(catalog.buyer)
    elif case.identity == "admin":
        gql.login(catalog.admin)
    variables = catalog.resolve(case.variables, case.identity)
    query = document(case)
    with caplog.at_level(logging.INFO):
        response = gql.raw(query, variables)
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    context = f"\n{query}\nvariables={json.dumps(variables, ensure_ascii=False)[:500]}\n"
    context += f"status={response.status_code} body={response.content[:1500]!r}\n"
    context += "\n".join(
        f"{r.name}: {r.getMessage()}\n{caplog.text[-3000:] if r.exc_info else ''}" for r in logged
    )

    assert response.status_code in (200, 400), context
    body = response.json()
    assert isinstance(body, dict), context
    top_errors = body.get("errors") or []
    codes = _codes(top_errors)
    assert "INTERNAL_ERROR" not in codes, context
    assert all(codes), f"an error without a code{context}"
    assert not logged, f"the server logged an error{context}"

    payload = (body.get("data") or {}).get(case.field_name)
    payload_errors = payload.get("errors") if isinstance(payload, dict) else None
    payload_codes = [e.get("code") for e in payload_errors or []]
    assert all(payload_codes), f"a payload error without a code{context}"
    assert "INTERNAL_ERROR" not in payload_codes, context

    expected = expected_refusal(case.id)
    if expected is not None:
        answered = [(e.get("field"), e.get("code")) for e in payload_errors or []]
        answered += [
            ((e.get("extensions") or {}).get("field"), c)
            for e, c in zip(top_errors, codes, strict=True)
        ]
        assert expected in answered, f"expected the refusal {expected}{context}"

    if case.kind == SPEC:
        assert top_errors and payload is None, f"not refused by validation{context}"
    elif case.kind == REFUSE:
        assert top_errors or payload_errors, f"bad input was accepted{context}"


def test_every_listed_case_exists():
    """A renamed field or label must not leave an expectation or a known failure behind
    that no longer checks anything."""
    ids = [p.id for p in CASES]
    for case_id in EXPECTED_REFUSALS:
        assert case_id in ids
    for pattern in KNOWN_FAILURES:
        assert any(_matches(pattern, case_id) for case_id in ids), pattern


def test_every_argument_of_every_root_field_is_spoiled():
    spoiled = {(p.values[0].field_name, re.split(r"[.=]", p.values[0].label)[0]) for p in CASES}
    for root_type in (GRAPHQL_SCHEMA.query_type, GRAPHQL_SCHEMA.mutation_type):
        assert root_type is not None
        for field_name, field_def in root_type.fields.items():
            assert (field_name, "base") in spoiled
            for name in field_def.args:
                assert (field_name, name) in spoiled, f"{field_name}({name}) is never spoiled"
