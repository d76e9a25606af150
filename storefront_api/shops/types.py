"""Ruralmart extensions: shops, the division tree, Party organisations, masked households
and public trace batches.

`Shop` is Saleor's type name. Every village shop is a `Shop`, and so is the marketplace
itself (`shop` without a slug, a `MarketplaceShop` value); Saleor's store-settings fields
answer the marketplace's settings (marketplace.storefront_settings) on each of them."""

from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import DisallowedHost

from marketplace.catalog.models import TraceBatch
from marketplace.catalog.selectors import ProductParent
from marketplace.divisions.models import County, Township, Village
from marketplace.organisations.models import (
    Household,
    HouseholdCategory,
    PartyOrganisation,
    ShopStatus,
)
from marketplace.organisations.models import Shop as ShopModel
from marketplace.organisations.privacy import household_personal_data, mask_name
from marketplace.payments.gateways import available_gateways
from marketplace.storefront_settings import CountryInfo, StorefrontSettings
from storefront_api.catalog.dataloaders import ProductByIdLoader
from storefront_api.catalog.resolvers import resolve_nested_product_connection
from storefront_api.core.channel import resolve_channel
from storefront_api.core.dataloaders import get_loader, then
from storefront_api.core.enums import domain_enum
from storefront_api.core.types import (
    CountryDisplay,
    LanguageCodeEnum,
    LanguageDisplay,
    ObjectWithMetadata,
    WeightUnitsEnum,
)
from storefront_api.organisations.dataloaders import (
    CountyByIdLoader,
    HouseholdByIdLoader,
    PartyOrganisationByIdLoader,
    TownshipByIdLoader,
    VillageByIdLoader,
)
from storefront_api.shops.resolvers import MarketplaceShop, settings_for


class County_(graphene.ObjectType):
    class Meta:
        name = "County"
        interfaces = (graphene.relay.Node,)

    code = graphene.String(required=True, description="6-digit statistical division code.")
    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    province = graphene.String(required=True)
    prefecture = graphene.String(required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, County)


class Township_(graphene.ObjectType):
    class Meta:
        name = "Township"
        interfaces = (graphene.relay.Node,)

    code = graphene.String(required=True, description="9-digit statistical division code.")
    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    county = graphene.Field(County_, required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, Township)

    @staticmethod
    def resolve_county(root: Township, info: Any) -> Any:
        return get_loader(info.context, CountyByIdLoader).load(root.county_id)


class Village_(graphene.ObjectType):
    class Meta:
        name = "Village"
        interfaces = (graphene.relay.Node,)

    code = graphene.String(required=True, description="12-digit statistical division code.")
    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    township = graphene.Field(Township_, required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, Village)

    @staticmethod
    def resolve_township(root: Village, info: Any) -> Any:
        return get_loader(info.context, TownshipByIdLoader).load(root.township_id)


class PartyOrganisation_(graphene.ObjectType):
    class Meta:
        name = "PartyOrganisation"
        interfaces = (graphene.relay.Node,)
        description = "A village Party branch (村党支部), which runs the village's shop."

    name = graphene.String(required=True)
    secretary_title = graphene.String(required=True)
    village = graphene.Field(Village_, required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, PartyOrganisation)

    @staticmethod
    def resolve_village(root: PartyOrganisation, info: Any) -> Any:
        return get_loader(info.context, VillageByIdLoader).load(root.village_id)


ShopStatusEnum = domain_enum(ShopStatus, name="ShopStatusEnum")


HouseholdCategoryEnum = domain_enum(HouseholdCategory, name="HouseholdCategoryEnum")


class Household_(graphene.ObjectType):
    class Meta:
        name = "Household"
        interfaces = (graphene.relay.Node,)
        description = (
            "A household. Name, ID number and phone are masked unless the caller's role "
            "entitles them to see this household's personal data."
        )

    reference = graphene.String(
        required=True, description="Public reference; carries no personal data."
    )
    category = graphene.Field(HouseholdCategoryEnum, required=True)
    member_count = graphene.Int(required=True)
    village = graphene.Field(Village_, required=True)
    head_name = graphene.String(required=True)
    id_number = graphene.String(required=True)
    phone = graphene.String(required=True)
    is_masked = graphene.Boolean(required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, Household)

    @staticmethod
    def resolve_village(root: Household, info: Any) -> Any:
        return get_loader(info.context, VillageByIdLoader).load(root.village_id)

    @staticmethod
    def _personal(root: Household, info: Any) -> Any:
        return household_personal_data(household=root, viewer=info.context.user)

    @staticmethod
    def resolve_head_name(root: Household, info: Any) -> str:
        return Household_._personal(root, info).head_name

    @staticmethod
    def resolve_id_number(root: Household, info: Any) -> str:
        return Household_._personal(root, info).id_number

    @staticmethod
    def resolve_phone(root: Household, info: Any) -> str:
        return Household_._personal(root, info).phone

    @staticmethod
    def resolve_is_masked(root: Household, info: Any) -> bool:
        return Household_._personal(root, info).is_masked


class Domain(graphene.ObjectType):
    host = graphene.String(required=True, description="The host name the API answers on.")
    ssl_enabled = graphene.Boolean(required=True, description="Whether it is served over HTTPS.")
    url = graphene.String(required=True, description="The absolute URL of the site root.")


class CountryFilterInput(graphene.InputObjectType):
    attached_to_shipping_zones = graphene.Boolean(
        description="True: only countries we deliver to; false: only those we do not."
    )


class ShopTranslation(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node,)
        description = "Translated store texts. Ruralmart keeps none, so none is ever returned."

    language = graphene.Field(LanguageDisplay, required=True)
    header_text = graphene.String(required=True)
    description = graphene.String(required=True)


def _village_shop(root: Any) -> ShopModel | None:
    return root if isinstance(root, ShopModel) else None


def _settings(info: Any) -> StorefrontSettings:
    return settings_for(info.context)


def _country(country: CountryInfo) -> CountryDisplay:
    return CountryDisplay(code=country.code, country=country.name)


class Shop(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node, ObjectWithMetadata)
        description = (
            "A shop: a village shop run by its village's Party organisation or, from `shop` "
            "without a slug, the marketplace itself. The store-settings fields Saleor defines "
            "answer the marketplace's settings on every shop."
        )

    name = graphene.String(required=True)
    slug = graphene.String(description="The village shop's slug; null for the marketplace.")
    description = graphene.String()
    status = graphene.Field(ShopStatusEnum, description="Null for the marketplace.")
    village = graphene.Field(Village_, description="Null for the marketplace.")
    party_organisation = graphene.Field(
        PartyOrganisation_,
        description="The Party organisation running the shop; null for the marketplace.",
    )
    products = graphene.Field(
        "storefront_api.catalog.types.ProductCountableConnection",
        channel=graphene.String(),
        sort_by=graphene.Argument("storefront_api.catalog.filters.ProductOrder"),
        before=graphene.String(),
        after=graphene.String(),
        first=graphene.Int(),
        last=graphene.Int(),
        description="The village shop's products; null for the marketplace.",
    )

    # Saleor's store settings: the marketplace's, the same on every shop.
    available_payment_gateways = graphene.List(
        graphene.NonNull("storefront_api.payment.types.PaymentGateway"),
        required=True,
        currency=graphene.String(
            description="Only gateways taking this currency.",
            deprecation_reason="Use `channel` instead.",
        ),
        channel=graphene.String(description="Gateways of this channel; all channels if unset."),
        description="Payment gateways buyers can pay with.",
        deprecation_reason="Saleor's legacy payments API; use the transactions flow.",
    )
    channel_currencies = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description="Currencies of the active channels.",
    )
    countries = graphene.List(
        graphene.NonNull(CountryDisplay),
        required=True,
        language_code=graphene.Argument(
            LanguageCodeEnum,
            description="Accepted for compatibility; names are given in English.",
            deprecation_reason="Country names are not translated.",
        ),
        filter=graphene.Argument(CountryFilterInput),
        description="Countries the marketplace delivers to: China only.",
    )
    default_country = graphene.Field(CountryDisplay, description="China.")
    domain = graphene.Field(Domain, required=True, description="Where the API is served.")
    languages = graphene.List(
        graphene.NonNull(LanguageDisplay),
        required=True,
        description="Languages the marketplace is written in.",
    )
    phone_prefixes = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description="Calling codes accepted for phone numbers.",
    )
    header_text = graphene.String(description="The marketplace's tagline.")
    fulfillment_auto_approve = graphene.Boolean(
        required=True, description="Fulfilments need no separate approval."
    )
    fulfillment_allow_unpaid = graphene.Boolean(
        required=True,
        description="Whether unpaid orders may be fulfilled (only cash at the counter is).",
    )
    track_inventory_by_default = graphene.Boolean(
        description="Whether new variants track their stock."
    )
    allow_storefront_traffic = graphene.Boolean(
        required=True, description="Storefront callers are served: always true."
    )
    default_weight_unit = graphene.Field(
        WeightUnitsEnum, description="Unit weights are kept in: grams."
    )
    translation = graphene.Field(
        ShopTranslation,
        language_code=graphene.Argument(LanguageCodeEnum, required=True),
        description="Translated store texts; always null.",
    )
    reserve_stock_duration_anonymous_user = graphene.Int(
        description="Minutes a guest's checkout holds stock; null when holding is off."
    )
    reserve_stock_duration_authenticated_user = graphene.Int(
        description="Minutes a signed-in buyer's checkout holds stock; null when holding is off."
    )
    limit_quantity_per_checkout = graphene.Int(
        description="Most units of one variant a checkout line may hold."
    )
    company_address = graphene.Field(
        "storefront_api.account.types.Address",
        description="The operator's postal address; not published (null).",
    )
    enable_account_confirmation_by_email = graphene.Boolean(
        description="Whether new accounts confirm their e-mail address."
    )
    allow_login_without_confirmation = graphene.Boolean(
        description="Whether an unconfirmed account may log in."
    )
    version = graphene.String(
        required=True, description="The Saleor API version served, with Ruralmart's build."
    )
    schema_version = graphene.String(
        required=True, description="The Saleor schema version kept: 3.23."
    )
    preserve_all_address_fields = graphene.Boolean(
        required=True, description="Address validation keeps every field it is given."
    )
    include_taxes_in_prices = graphene.Boolean(
        required=True,
        description="Prices include tax.",
        deprecation_reason="Saleor reads this from the channel's tax configuration.",
    )
    display_gross_prices = graphene.Boolean(
        required=True,
        description="Prices are shown gross.",
        deprecation_reason="Saleor reads this from the channel's tax configuration.",
    )
    charge_taxes_on_shipping = graphene.Boolean(
        required=True,
        description="No tax is added to delivery prices.",
        deprecation_reason="Saleor reads this from the shipping method's tax class.",
    )

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, (ShopModel, MarketplaceShop))

    @staticmethod
    def resolve_village(root: Any, info: Any) -> Any:
        shop = _village_shop(root)
        if shop is None:
            return None
        return get_loader(info.context, VillageByIdLoader).load(shop.village_id)

    @staticmethod
    def resolve_party_organisation(root: Any, info: Any) -> Any:
        shop = _village_shop(root)
        if shop is None:
            return None
        return get_loader(info.context, PartyOrganisationByIdLoader).load(
            shop.party_organisation_id
        )

    @staticmethod
    def resolve_products(root: Any, info: Any, **kwargs: Any) -> Any:
        shop = _village_shop(root)
        if shop is None:
            return None
        return resolve_nested_product_connection(
            info, parent=ProductParent.SHOP, parent_id=shop.pk, **kwargs
        )

    @staticmethod
    def resolve_available_payment_gateways(
        root: Any, info: Any, currency: str | None = None, channel: str | None = None
    ) -> list[Any]:
        if channel is not None:
            gateways = available_gateways(channel=resolve_channel(info.context, channel))
        else:
            # Read once per request, however many Shop nodes ask.
            gateways = list(_settings(info).payment_gateways)
        return [g for g in gateways if currency is None or currency in g.currencies]

    @staticmethod
    def resolve_channel_currencies(root: Any, info: Any) -> list[str]:
        return list(_settings(info).channel_currencies)

    @staticmethod
    def resolve_countries(
        root: Any, info: Any, language_code: Any = None, filter: Any = None
    ) -> list[CountryDisplay]:
        # Delivery is not zoned yet: every delivery method reaches all of China, so each
        # country we list counts as attached to a shipping zone.
        if (filter or {}).get("attached_to_shipping_zones") is False:
            return []
        return [_country(c) for c in _settings(info).countries]

    @staticmethod
    def resolve_default_country(root: Any, info: Any) -> CountryDisplay:
        return _country(_settings(info).default_country)

    @staticmethod
    def resolve_domain(root: Any, info: Any) -> Domain:
        request = info.context
        try:
            host = request.get_host()
            secure = bool(request.is_secure())
        except (DisallowedHost, AttributeError):
            host, secure = _settings(info).fallback_host, False
        scheme = "https" if secure else "http"
        return Domain(host=host, ssl_enabled=secure, url=f"{scheme}://{host}/")

    @staticmethod
    def resolve_languages(root: Any, info: Any) -> list[LanguageDisplay]:
        return [
            # Django's "zh-hans" is Saleor's ZH_HANS.
            LanguageDisplay(code=lang.code.upper().replace("-", "_"), language=lang.name)
            for lang in _settings(info).languages
        ]

    @staticmethod
    def resolve_phone_prefixes(root: Any, info: Any) -> list[str]:
        return list(_settings(info).phone_prefixes)

    @staticmethod
    def resolve_header_text(root: Any, info: Any) -> str:
        return _settings(info).header_text

    @staticmethod
    def resolve_fulfillment_auto_approve(root: Any, info: Any) -> bool:
        return _settings(info).fulfillment_auto_approve

    @staticmethod
    def resolve_fulfillment_allow_unpaid(root: Any, info: Any) -> bool:
        return _settings(info).fulfillment_allow_unpaid

    @staticmethod
    def resolve_track_inventory_by_default(root: Any, info: Any) -> bool:
        return _settings(info).track_inventory_by_default

    @staticmethod
    def resolve_allow_storefront_traffic(root: Any, info: Any) -> bool:
        return True

    @staticmethod
    def resolve_default_weight_unit(root: Any, info: Any) -> str:
        return _settings(info).default_weight_unit

    @staticmethod
    def resolve_translation(root: Any, info: Any, language_code: Any) -> None:
        return None

    @staticmethod
    def resolve_reserve_stock_duration_anonymous_user(root: Any, info: Any) -> int | None:
        return _settings(info).reserve_stock_minutes

    @staticmethod
    def resolve_reserve_stock_duration_authenticated_user(root: Any, info: Any) -> int | None:
        return _settings(info).reserve_stock_minutes

    @staticmethod
    def resolve_limit_quantity_per_checkout(root: Any, info: Any) -> int | None:
        return _settings(info).limit_quantity_per_checkout

    @staticmethod
    def resolve_company_address(root: Any, info: Any) -> None:
        return None

    @staticmethod
    def resolve_enable_account_confirmation_by_email(root: Any, info: Any) -> bool:
        return _settings(info).account_confirmation_required

    @staticmethod
    def resolve_allow_login_without_confirmation(root: Any, info: Any) -> bool:
        return _settings(info).allow_login_without_confirmation

    @staticmethod
    def resolve_version(root: Any, info: Any) -> str:
        return _settings(info).version

    @staticmethod
    def resolve_schema_version(root: Any, info: Any) -> str:
        return _settings(info).schema_version

    @staticmethod
    def resolve_preserve_all_address_fields(root: Any, info: Any) -> bool:
        return _settings(info).preserve_all_address_fields

    @staticmethod
    def resolve_include_taxes_in_prices(root: Any, info: Any) -> bool:
        return _settings(info).include_taxes_in_prices

    @staticmethod
    def resolve_display_gross_prices(root: Any, info: Any) -> bool:
        return _settings(info).display_gross_prices

    @staticmethod
    def resolve_charge_taxes_on_shipping(root: Any, info: Any) -> bool:
        return _settings(info).charge_taxes_on_shipping


class InspectionResult(graphene.ObjectType):
    item = graphene.String(required=True)
    result = graphene.String(required=True)
    passed = graphene.Boolean()
    agency = graphene.String()
    date = graphene.String()


class TraceBatch_(graphene.ObjectType):
    class Meta:
        name = "TraceBatch"
        description = (
            "A harvest batch behind a trace code (溯源码): batch → plot → household → village. "
            "The household is always shown masked here: this is a public page."
        )

    code = graphene.String(required=True)
    harvest_date = graphene.Date(required=True)
    plot = graphene.String(required=True)
    quantity_kg = graphene.Float()
    village = graphene.Field(Village_, required=True)
    product = graphene.Field("storefront_api.catalog.types.Product", required=True)
    household_name = graphene.String(description="The grower household's head, masked (e.g. 李**).")
    household_category = graphene.Field(HouseholdCategoryEnum)
    inspection_results = graphene.List(graphene.NonNull(InspectionResult), required=True)

    @staticmethod
    def resolve_village(root: TraceBatch, info: Any) -> Any:
        return get_loader(info.context, VillageByIdLoader).load(root.village_id)

    @staticmethod
    def resolve_product(root: TraceBatch, info: Any) -> Any:
        return get_loader(info.context, ProductByIdLoader).load(root.product_id)

    @staticmethod
    def resolve_household_name(root: TraceBatch, info: Any) -> Any:
        if root.household_id is None:
            return None
        household = get_loader(info.context, HouseholdByIdLoader).load(root.household_id)
        return then(household, lambda h: mask_name(h.head_name) if h else None)

    @staticmethod
    def resolve_household_category(root: TraceBatch, info: Any) -> Any:
        if root.household_id is None:
            return None
        household = get_loader(info.context, HouseholdByIdLoader).load(root.household_id)
        return then(household, lambda h: h.category if h else None)

    @staticmethod
    def resolve_inspection_results(root: TraceBatch, info: Any) -> list[InspectionResult]:
        fields = ("item", "result", "passed", "agency", "date")
        return [
            InspectionResult(**{k: entry.get(k) for k in fields})
            for entry in root.inspection_results
            if isinstance(entry, dict) and entry.get("item") and entry.get("result")
        ]
