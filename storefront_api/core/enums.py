"""How every GraphQL enum of the API is built, so that whatever a resolver hands back serialises.

graphene serialises an output value by looking it up among the members of the Python enum
behind the GraphQL enum. A member of some *other* Python enum is not found: a model field's
default is a `TextChoices` member until the row is read back from the database, so a freshly
created checkout answered "Enum 'CheckoutChargeStatusEnum' cannot represent value:
CheckoutChargeStatus.NONE". Two builders close that class of fault:

* `domain_enum` mirrors a domain enum. The GraphQL enum is built *from* the domain enum, so
  domain members, their raw values and their names all serialise, and arguments arrive in
  resolvers as domain members. Where Saleor names more values than the domain produces, the
  enum is backed by a `str` enum holding Saleor's list, which still finds a domain member by
  its value.
* `api_enum` is for enums no domain enum stands behind (weight units, sort directions). It is
  backed by a `str` enum, so a raw string or any str-valued member with the same value
  serialises.

No other way of making an enum is used in `storefront_api` (a test walks the schema and fails on
an enum built otherwise), and `DOMAIN_ENUMS` records each mirror so that the same test can feed
every domain member to every field typed with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import Enum, StrEnum
from typing import Any

import graphene

# GraphQL enum name -> the domain enum it mirrors.
DOMAIN_ENUMS: dict[str, type[Enum]] = {}
# GraphQL enum names built by `api_enum`.
API_ENUMS: set[str] = set()


def domain_enum(
    domain: type[Enum],
    *,
    name: str,
    api_names: Sequence[str] = (),
    description: str | None = None,
) -> Any:
    """The GraphQL enum `name` mirroring `domain`.

    `api_names`, when given, is the whole ordered list of names the API shows (Saleor's, where
    the domain produces only some of them): every domain member must be among them, so a value
    the domain can store is never one the API cannot show. Names the domain lacks get their
    own name as value."""
    if name in DOMAIN_ENUMS or name in API_ENUMS:
        raise ValueError(f"GraphQL enum {name} is defined twice")
    backing: type[Enum] = domain
    if api_names:
        missing = [member.name for member in domain if member.name not in api_names]
        if missing:
            raise ValueError(f"{name} lacks the domain's {', '.join(missing)}")
        if not all(isinstance(member.value, str) for member in domain):
            raise TypeError(f"{domain.__qualname__}: only str-valued enums take api_names")
        values = {member.name: member.value for member in domain}
        backing = _str_enum(name, [(each, values.get(each, each)) for each in api_names])
    DOMAIN_ENUMS[name] = domain
    return _graphene_enum(backing, name=name, description=description or domain.__doc__)


def api_enum(
    name: str, values: Iterable[tuple[str, str]], *, description: str | None = None
) -> Any:
    """The GraphQL enum `name` with (NAME, value) pairs and no domain enum behind it."""
    if name in DOMAIN_ENUMS or name in API_ENUMS:
        raise ValueError(f"GraphQL enum {name} is defined twice")
    API_ENUMS.add(name)
    return _graphene_enum(_str_enum(name, list(values)), name=name, description=description)


def api_enum_of_names(name: str, names: Iterable[str], *, description: str | None = None) -> Any:
    """An `api_enum` whose values are its names (country codes, language codes)."""
    return api_enum(name, [(each, each) for each in names], description=description)


def _str_enum(name: str, pairs: list[tuple[str, str]]) -> type[Enum]:
    # A `str` enum: its members hash and compare as their values, so graphene's lookup finds
    # any str-valued member or plain string equal to one of them.
    return StrEnum(name, pairs)  # type: ignore[misc,return-value]


def _graphene_enum(backing: type[Enum], *, name: str, description: str | None) -> Any:
    # What `graphene.Enum.from_enum` does, less its "An enumeration." filler description.
    meta = type("Meta", (), {"enum": backing, "name": name, "description": description})
    return type(name, (graphene.Enum,), {"Meta": meta})
