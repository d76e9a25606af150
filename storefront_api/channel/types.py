from __future__ import annotations

from typing import Any

import graphene

from marketplace.channels.models import Channel as ChannelModel
from storefront_api.core.types import CountryDisplay, ObjectWithMetadata

_COUNTRY_NAMES = {"CN": "China"}


class Channel(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node, ObjectWithMetadata)

    slug = graphene.String(required=True)
    name = graphene.String(required=True)
    is_active = graphene.Boolean(required=True)
    currency_code = graphene.String(required=True)
    default_country = graphene.Field(CountryDisplay, required=True)
    countries = graphene.List(graphene.NonNull(CountryDisplay))

    @staticmethod
    def resolve_default_country(root: ChannelModel, info: Any) -> CountryDisplay:
        code = root.default_country
        return CountryDisplay(code=code, country=_COUNTRY_NAMES.get(code, code))

    @staticmethod
    def resolve_countries(root: ChannelModel, info: Any) -> list[CountryDisplay]:
        return [Channel.resolve_default_country(root, info)]
