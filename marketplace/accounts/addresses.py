"""Chinese postal addresses in Saleor's address fields: the rule table and the validation that
reads it.

Which Saleor field holds what (issue 3 §2):

    country          CN
    country_area     province (省 / 自治区 / 直辖市), one of the 31 mainland divisions
    city             city (prefecture-level: 市, 州, 盟, or the municipality again)
    city_area        county or district (县 / 区 / 旗)
    street_address_1 township, village and street (乡镇, 村, 路 and number)
    street_address_2 anything further (building, unit, landmark)
    postal_code      six digits
    phone            validated with `phonenumbers` (CN numbering by default), stored as E.164

`ADDRESS_RULES` is the single source: `address_clean` enforces it and the API's
`addressValidationRules` prints it, so what a storefront is told is what the server checks.
Field names in the rules follow Saleor's vocabulary (`street_address`, `country_area`, …).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError

from marketplace.accounts.error_codes import AccountErrorCode
from marketplace.accounts.models import Address


class AddressType(Enum):
    """Which default an address is: Saleor's AddressTypeEnum."""

    BILLING = "billing"
    SHIPPING = "shipping"


# The address fields a caller may set, by model name.
ADDRESS_FIELDS = (
    "first_name",
    "last_name",
    "company_name",
    "street_address_1",
    "street_address_2",
    "city",
    "city_area",
    "postal_code",
    "country",
    "country_area",
    "phone",
)


@dataclass(frozen=True)
class Province:
    name: str  # the official name, which is what we store
    short: str  # the name without its administrative suffix, as people often write it
    latin: str  # pinyin as used in postal addresses


@dataclass(frozen=True)
class CountryRules:
    code: str
    name: str
    address_format: str
    address_latin_format: str
    allowed_fields: tuple[str, ...]
    required_fields: tuple[str, ...]
    country_area_type: str
    country_area_choices: tuple[Province, ...]
    city_type: str
    city_area_type: str
    postal_code_type: str
    postal_code_pattern: str
    postal_code_examples: tuple[str, ...]

    def province(self, raw: str) -> Province | None:
        """The province `raw` names: its official or short name, or its pinyin."""
        wanted = _fold(raw)
        for province in self.country_area_choices:
            if wanted in (_fold(province.name), _fold(province.short), _fold(province.latin)):
                return province
        return None


def _fold(text: str) -> str:
    return re.sub(r"[\s\-']", "", text).casefold()


_PROVINCES = (
    Province("北京市", "北京", "Beijing"),
    Province("天津市", "天津", "Tianjin"),
    Province("河北省", "河北", "Hebei"),
    Province("山西省", "山西", "Shanxi"),
    Province("内蒙古自治区", "内蒙古", "Nei Mongol"),
    Province("辽宁省", "辽宁", "Liaoning"),
    Province("吉林省", "吉林", "Jilin"),
    Province("黑龙江省", "黑龙江", "Heilongjiang"),
    Province("上海市", "上海", "Shanghai"),
    Province("江苏省", "江苏", "Jiangsu"),
    Province("浙江省", "浙江", "Zhejiang"),
    Province("安徽省", "安徽", "Anhui"),
    Province("福建省", "福建", "Fujian"),
    Province("江西省", "江西", "Jiangxi"),
    Province("山东省", "山东", "Shandong"),
    Province("河南省", "河南", "Henan"),
    Province("湖北省", "湖北", "Hubei"),
    Province("湖南省", "湖南", "Hunan"),
    Province("广东省", "广东", "Guangdong"),
    Province("广西壮族自治区", "广西", "Guangxi"),
    Province("海南省", "海南", "Hainan"),
    Province("重庆市", "重庆", "Chongqing"),
    Province("四川省", "四川", "Sichuan"),
    Province("贵州省", "贵州", "Guizhou"),
    Province("云南省", "云南", "Yunnan"),
    Province("西藏自治区", "西藏", "Xizang"),
    Province("陕西省", "陕西", "Shaanxi"),
    Province("甘肃省", "甘肃", "Gansu"),
    Province("青海省", "青海", "Qinghai"),
    Province("宁夏回族自治区", "宁夏", "Ningxia"),
    Province("新疆维吾尔自治区", "新疆", "Xinjiang"),
)

_CN_FIELDS = (
    "name",
    "company_name",
    "street_address",
    "city",
    "city_area",
    "country_area",
    "postal_code",
    "phone",
)

# Hong Kong, Macao and Taiwan have their own postal systems and are not delivered to
# through this marketplace, so they are not CN provinces here.
ADDRESS_RULES: dict[str, CountryRules] = {
    "CN": CountryRules(
        code="CN",
        name="China",
        # %Z postal code, %S province, %C city, %D district, %A street, %O company, %N name:
        # Chinese addresses run from the largest unit to the smallest.
        address_format="%Z%n%S%C%D%n%A%n%O%n%N",
        address_latin_format="%N%n%O%n%A%n%D%n%C%n%S, %Z",
        allowed_fields=_CN_FIELDS,
        required_fields=tuple(field for field in _CN_FIELDS if field != "company_name"),
        country_area_type="province",
        country_area_choices=_PROVINCES,
        city_type="city",
        city_area_type="district",
        postal_code_type="postal",
        postal_code_pattern=r"^\d{6}$",
        postal_code_examples=("100000", "310000"),
    )
}

# How each rule-table field maps onto model fields. For "name" any one of the two suffices,
# since a Chinese name is often written whole in one box; for "street_address" the first
# line is the one that must be filled.
_RULE_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("first_name", "last_name"),
    "company_name": ("company_name",),
    "street_address": ("street_address_1",),
    "city": ("city",),
    "city_area": ("city_area",),
    "country_area": ("country_area",),
    "postal_code": ("postal_code",),
    "phone": ("phone",),
}

_LABELS = {
    "first_name": "Recipient name",
    "street_address_1": "Street address (township, village, street)",
    "city": "City",
    "city_area": "County or district",
    "country_area": "Province",
    "postal_code": "Postal code",
    "phone": "Phone number",
    "country": "Country",
}


def rules_for(country_code: str) -> CountryRules | None:
    return ADDRESS_RULES.get(country_code.upper())


def _max_length(field: str) -> int:
    return int(getattr(Address._meta.get_field(field), "max_length", None) or 0)


def address_clean(*, data: Mapping[str, Any], instance: Address | None = None) -> dict[str, str]:
    """The address fields of `data` (model field names) checked against the rule table and
    normalised: trimmed, the province spelled officially, the phone in E.164.

    With `instance`, fields missing from `data` keep the instance's values and the merged
    whole is checked. Raises `ValidationError` keyed by field, every entry with a code.
    """
    values: dict[str, str] = {}
    for field in ADDRESS_FIELDS:
        if field in data and data[field] is not None:
            raw = data[field]
            values[field] = str(getattr(raw, "value", raw)).strip()
        elif instance is not None:
            values[field] = getattr(instance, field)
        else:
            values[field] = ""
    errors: dict[str, list[ValidationError]] = {}

    def fail(field: str, message: str, code: AccountErrorCode) -> None:
        errors.setdefault(field, []).append(ValidationError(message, code=code.value))

    country = values["country"].upper()
    values["country"] = country
    rules = rules_for(country) if country else None
    if not country:
        fail("country", "Country is required.", AccountErrorCode.REQUIRED)
    elif rules is None:
        fail(
            "country",
            f"Addresses in {country} are not supported: Ruralmart delivers within China (CN).",
            AccountErrorCode.INVALID,
        )
    if rules is None:
        raise ValidationError(errors)

    for field in ADDRESS_FIELDS:
        limit = _max_length(field)
        if limit and len(values[field]) > limit:
            fail(
                field,
                f"Ensure this value has at most {limit} characters.",
                AccountErrorCode.INVALID,
            )
        # PostgreSQL text and JSON cannot hold a NUL byte (checkouts keep addresses as JSON).
        if "\x00" in values[field]:
            fail(field, "Null characters are not allowed.", AccountErrorCode.INVALID)

    for rule_field in rules.required_fields:
        model_fields = _RULE_FIELDS[rule_field]
        if not any(values[f] for f in model_fields):
            target = model_fields[0]
            fail(target, f"{_LABELS.get(target, target)} is required.", AccountErrorCode.REQUIRED)

    if values["country_area"]:
        province = rules.province(values["country_area"])
        if province is None:
            fail(
                "country_area",
                f"'{values['country_area']}' is not a province of China; use its official "
                "name, e.g. 浙江省.",
                AccountErrorCode.INVALID,
            )
        else:
            values["country_area"] = province.name

    if values["postal_code"]:
        postal_code = re.sub(r"\s", "", values["postal_code"])
        if not re.fullmatch(rules.postal_code_pattern, postal_code):
            fail(
                "postal_code",
                f"A Chinese postal code is six digits, e.g. {rules.postal_code_examples[0]}.",
                AccountErrorCode.INVALID,
            )
        values["postal_code"] = postal_code

    if values["phone"]:
        normalised = phone_to_e164(values["phone"], default_region=rules.code)
        if normalised is None:
            fail(
                "phone",
                "Enter a valid phone number, e.g. 13800138000 or +86 571 8888 8888.",
                AccountErrorCode.INVALID,
            )
        else:
            values["phone"] = normalised

    if errors:
        raise ValidationError(errors)
    return values


def phone_to_e164(raw: str, *, default_region: str = "CN") -> str | None:
    """`raw` as an E.164 number, or None if it is not a valid phone number."""
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
