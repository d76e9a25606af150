"""The API changes only on purpose: the committed SDL must equal the live schema, and
every Saleor name we serve must keep Saleor's type."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema

from marketplace.management.commands.export_schema import SNAPSHOT, live_sdl

REFERENCE = (
    Path(__file__).resolve().parents[3] / "shared" / "reference" / "saleor-3.23-schema.graphql"
)


@pytest.mark.smoke
def test_committed_schema_matches_live_schema():
    assert SNAPSHOT.read_text() == live_sdl(), (
        "The GraphQL schema changed. If that was deliberate, run `make schema` and commit "
        "storefront_api/schema.graphql."
    )


QUERY_FIELDS = [
    "products",
    "product",
    "productVariant",
    "categories",
    "category",
    "collections",
    "collection",
    "channel",
    "channels",
    "shop",
]


@pytest.mark.skipif(not REFERENCE.exists(), reason="needs ../shared/reference beside the checkout")
def test_saleor_fields_keep_saleor_types_and_arguments():
    ours = build_schema(SNAPSHOT.read_text())
    saleor = build_schema(REFERENCE.read_text(), assume_valid_sdl=True)
    mismatches = []
    for type_name, our_type in ours.type_map.items():
        if type_name.startswith("__") or type_name not in saleor.type_map:
            continue
        their_type = saleor.type_map[type_name]
        our_fields = getattr(our_type, "fields", None) or {}
        their_fields = getattr(their_type, "fields", None) or {}
        for field_name, field in our_fields.items():
            if field_name not in their_fields:
                continue  # our additive extension
            theirs = their_fields[field_name]
            if str(field.type) != str(theirs.type):
                mismatches.append(f"{type_name}.{field_name}: {field.type} != {theirs.type}")
            for arg_name, arg in getattr(field, "args", {}).items():
                their_arg = getattr(theirs, "args", {}).get(arg_name)
                if their_arg is not None and str(arg.type) != str(their_arg.type):
                    mismatches.append(
                        f"{type_name}.{field_name}({arg_name}): {arg.type} != {their_arg.type}"
                    )
    for name in QUERY_FIELDS:
        assert name in ours.query_type.fields
    assert not mismatches, "\n".join(mismatches)
