"""Saleor's account types: User, Address, AccountError, the address inputs and the address
validation rules. Relations resolve through the per-request loaders in `dataloaders.py`.

Other domains (checkout, orders) reuse `Address`, `AddressInput` and `address_input_to_data`
from here, so one address shape serves the whole API.
"""

from __future__ import annotations

from typing import Any

import graphene

from marketplace.accounts import models
from marketplace.accounts.addresses import ADDRESS_FIELDS, AddressType, CountryRules
from marketplace.accounts.error_codes import AccountErrorCode as DomainAccountErrorCode
from marketplace.orders.selectors import orders_of_user
from storefront_api.account.dataloaders import (
    AddressByIdLoader,
    AddressesByUserIdLoader,
    UserByIdLoader,
)
from storefront_api.core.connection import paginate
from storefront_api.core.dataloaders import get_loader, then
from storefront_api.core.enums import domain_enum
from storefront_api.core.errors import PermissionDenied
from storefront_api.core.types import (
    CountryCode,
    CountryDisplay,
    Image,
    LanguageCodeEnum,
    ObjectWithMetadata,
    ThumbnailFormatEnum,
)

AccountErrorCode = domain_enum(DomainAccountErrorCode, name="AccountErrorCode")
AddressTypeEnum = domain_enum(AddressType, name="AddressTypeEnum")

_COUNTRY_NAMES = {"CN": "China"}


class AccountError(graphene.ObjectType):
    field = graphene.String(
        description="Name of a field that caused the error. A value of `null` indicates that "
        "the error isn't associated with a particular field."
    )
    message = graphene.String(description="The error message.")
    code = graphene.Field(AccountErrorCode, required=True, description="The error code.")
    address_type = graphene.Field(
        AddressTypeEnum, description="A type of address that causes the error."
    )


class Address(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node, ObjectWithMetadata)
        description = (
            "A postal address. For China: countryArea is the province, city the city, cityArea "
            "the county or district, streetAddress1/2 the township, village and street."
        )

    first_name = graphene.String(required=True)
    last_name = graphene.String(required=True)
    company_name = graphene.String(required=True)
    street_address1 = graphene.String(required=True)
    street_address2 = graphene.String(required=True)
    city = graphene.String(required=True)
    city_area = graphene.String(required=True)
    postal_code = graphene.String(required=True)
    country = graphene.Field(CountryDisplay, required=True)
    country_area = graphene.String(required=True)
    phone = graphene.String()
    is_default_shipping_address = graphene.Boolean(
        description="Address is user's default shipping address."
    )
    is_default_billing_address = graphene.Boolean(
        description="Address is user's default billing address."
    )

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, models.Address)

    @staticmethod
    def resolve_street_address1(root: models.Address, info: Any) -> str:
        return root.street_address_1

    @staticmethod
    def resolve_street_address2(root: models.Address, info: Any) -> str:
        return root.street_address_2

    @staticmethod
    def resolve_country(root: models.Address, info: Any) -> CountryDisplay:
        return CountryDisplay(code=root.country, country=_COUNTRY_NAMES.get(root.country, ""))

    @staticmethod
    def resolve_phone(root: models.Address, info: Any) -> str | None:
        return root.phone or None

    @staticmethod
    def resolve_is_default_shipping_address(root: models.Address, info: Any) -> bool | None:
        return _is_default(root, info, "default_shipping_address_id")

    @staticmethod
    def resolve_is_default_billing_address(root: models.Address, info: Any) -> bool | None:
        return _is_default(root, info, "default_billing_address_id")


def _is_default(address: models.Address, info: Any, attribute: str) -> Any:
    # Known only for the caller's own address-book entries (null elsewhere, as in Saleor).
    # The owner is re-read through the loader: a mutation earlier in this request may have
    # just changed the defaults, which the request's user object would not show.
    user = info.context.user
    if address.user_id is None or not user.is_authenticated or address.user_id != user.pk:
        return None
    owner = get_loader(info.context, UserByIdLoader).load(address.user_id)
    return then(owner, lambda u: u is not None and getattr(u, attribute) == address.pk)


def address_from_snapshot(data: dict[str, Any] | None) -> models.Address | None:
    """A checkout/order address snapshot as an (unsaved) Address for the Address type."""
    if not data:
        return None
    # `id` is the snapshot's owner-less Address row (see checkout.services.address_snapshot).
    return models.Address(pk=data.get("id"), **{f: data.get(f) or "" for f in ADDRESS_FIELDS})


def customer_visible_to_caller(info: Any, user_id: int | None) -> Any:
    """The customer of a checkout or order, shown only to that customer (orders answer
    anonymous callers, who must not learn whose order it is)."""
    caller = info.context.user
    if user_id is None or not caller.is_authenticated or caller.pk != user_id:
        return None
    return get_loader(info.context, UserByIdLoader).load(user_id)


class User(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node, ObjectWithMetadata)
        description = "A buyer's (or staff member's) account."

    email = graphene.String(required=True)
    first_name = graphene.String(required=True)
    last_name = graphene.String(required=True)
    is_staff = graphene.Boolean(required=True)
    is_active = graphene.Boolean(required=True)
    is_confirmed = graphene.Boolean(required=True)
    addresses = graphene.List(graphene.NonNull(Address), required=True)
    default_shipping_address = graphene.Field(Address)
    default_billing_address = graphene.Field(Address)
    avatar = graphene.Field(
        Image,
        size=graphene.Int(),
        format=graphene.Argument(ThumbnailFormatEnum, default_value="original"),
    )
    last_login = graphene.DateTime()
    date_joined = graphene.DateTime(required=True)
    orders = graphene.Field(
        "storefront_api.order.types.OrderCountableConnection",
        before=graphene.String(),
        after=graphene.String(),
        first=graphene.Int(),
        last=graphene.Int(),
        description="The user's orders, newest first (only the user sees them).",
    )

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, models.User)

    @staticmethod
    def resolve_id(root: models.User, info: Any) -> Any:
        # accountRegister answers with an unsaved user, whose ID encodes an empty pk.
        return root.pk if root.pk is not None else ""

    @staticmethod
    def resolve_addresses(root: models.User, info: Any) -> Any:
        if root.pk is None:
            return []
        return get_loader(info.context, AddressesByUserIdLoader).load(root.pk)

    @staticmethod
    def resolve_default_shipping_address(root: models.User, info: Any) -> Any:
        if root.default_shipping_address_id is None:
            return None
        return get_loader(info.context, AddressByIdLoader).load(root.default_shipping_address_id)

    @staticmethod
    def resolve_default_billing_address(root: models.User, info: Any) -> Any:
        if root.default_billing_address_id is None:
            return None
        return get_loader(info.context, AddressByIdLoader).load(root.default_billing_address_id)

    @staticmethod
    def resolve_avatar(root: models.User, info: Any, **_: Any) -> None:
        return None  # no avatars are stored

    @staticmethod
    def resolve_orders(root: models.User, info: Any, **page: Any) -> Any:
        caller = info.context.user
        if root.pk is None or not caller.is_authenticated or caller.pk != root.pk:
            raise PermissionDenied("Only the user can see their orders.")
        # The connection type is read off the schema, not imported: the order types import
        # `User` from here, and the API's packages keep their arrows one way.
        order_connection = info.return_type.graphene_type
        return paginate(
            orders_of_user(user=root), order_connection, connection_name="orders", **page
        )


class ChoiceValue(graphene.ObjectType):
    raw = graphene.String()
    verbose = graphene.String()


class AddressValidationData(graphene.ObjectType):
    """Saleor's address rules, printed from the same table the server validates with."""

    country_code = graphene.String(required=True)
    country_name = graphene.String(required=True)
    address_format = graphene.String(required=True)
    address_latin_format = graphene.String(required=True)
    allowed_fields = graphene.List(graphene.NonNull(graphene.String), required=True)
    required_fields = graphene.List(graphene.NonNull(graphene.String), required=True)
    upper_fields = graphene.List(graphene.NonNull(graphene.String), required=True)
    country_area_type = graphene.String(required=True)
    country_area_choices = graphene.List(graphene.NonNull(ChoiceValue), required=True)
    city_type = graphene.String(required=True)
    city_choices = graphene.List(graphene.NonNull(ChoiceValue), required=True)
    city_area_type = graphene.String(required=True)
    city_area_choices = graphene.List(graphene.NonNull(ChoiceValue), required=True)
    postal_code_type = graphene.String(required=True)
    postal_code_matchers = graphene.List(graphene.NonNull(graphene.String), required=True)
    postal_code_examples = graphene.List(graphene.NonNull(graphene.String), required=True)
    postal_code_prefix = graphene.String(required=True)

    @staticmethod
    def of(rules: CountryRules) -> AddressValidationData:
        return AddressValidationData(
            country_code=rules.code,
            country_name=rules.name,
            address_format=rules.address_format,
            address_latin_format=rules.address_latin_format,
            allowed_fields=list(rules.allowed_fields),
            required_fields=list(rules.required_fields),
            upper_fields=[],
            country_area_type=rules.country_area_type,
            country_area_choices=[
                ChoiceValue(raw=p.name, verbose=p.name) for p in rules.country_area_choices
            ],
            city_type=rules.city_type,
            city_choices=[],
            city_area_type=rules.city_area_type,
            city_area_choices=[],
            postal_code_type=rules.postal_code_type,
            postal_code_matchers=[rules.postal_code_pattern],
            postal_code_examples=list(rules.postal_code_examples),
            postal_code_prefix="",
        )


class AddressInput(graphene.InputObjectType):
    first_name = graphene.String(description="Given name (or the whole recipient name).")
    last_name = graphene.String(description="Family name.")
    company_name = graphene.String(description="Company or organization.")
    street_address1 = graphene.String(description="Township, village, street and number.")
    street_address2 = graphene.String(description="Building, unit, landmark.")
    city = graphene.String(description="City.")
    city_area = graphene.String(description="County or district.")
    postal_code = graphene.String(description="Postal code: six digits.")
    country = CountryCode(description="Country: CN.")
    country_area = graphene.String(description="Province, e.g. 浙江省.")
    phone = graphene.String(description="Phone number; stored in E.164.")
    skip_validation = graphene.Boolean(
        default_value=False,
        description="Refused when true: every address is validated.",
    )


def address_input_to_data(value: Any) -> dict[str, Any]:
    """An AddressInput as the model-named dict `marketplace.accounts.addresses` takes;
    fields the caller left out are absent, so updates keep them."""
    renamed = {"street_address1": "street_address_1", "street_address2": "street_address_2"}
    data: dict[str, Any] = {}
    for key, raw in dict(value).items():
        field = renamed.get(key, key)
        if field in ADDRESS_FIELDS and raw is not None:
            data[field] = getattr(raw, "value", raw)
    return data


class AccountRegisterInput(graphene.InputObjectType):
    first_name = graphene.String(description="Given name.")
    last_name = graphene.String(description="Family name.")
    language_code = graphene.Argument(LanguageCodeEnum, description="Accepted and ignored.")
    email = graphene.String(required=True, description="The email address of the user.")
    password = graphene.String(required=True, description="Password.")
    redirect_url = graphene.String(
        description="Base of the e-mailed confirmation link (required while confirmation is "
        "required); `email` and `token` are added to its query string."
    )
    channel = graphene.String(description="Accepted and ignored: accounts are not per channel.")


class AccountInput(graphene.InputObjectType):
    first_name = graphene.String(description="Given name.")
    last_name = graphene.String(description="Family name.")
    language_code = graphene.Argument(LanguageCodeEnum, description="Accepted and ignored.")
    default_billing_address = AddressInput(
        description="Added to the address book as the default billing address."
    )
    default_shipping_address = AddressInput(
        description="Added to the address book as the default shipping address."
    )
