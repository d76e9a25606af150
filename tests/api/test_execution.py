"""The execution context's short path for plain scalar fields must answer exactly as the
general path does, errors included."""

from __future__ import annotations

import graphene
from graphql import execute, parse

from storefront_api.core.execution import RequestExecutionContext


class Thing:
    def __init__(self, name, count, raises=False):
        self.name = name
        self.count = count
        self._raises = raises

    @property
    def label(self):
        if self._raises:
            raise ValueError("label is broken")
        return f"<{self.name}>"


class ThingType(graphene.ObjectType):
    name = graphene.String(required=True)
    count = graphene.Int()
    label = graphene.String()


class Money(graphene.ObjectType):
    amount = graphene.Float(required=True)
    currency = graphene.String(required=True)


class Query(graphene.ObjectType):
    things = graphene.List(ThingType)
    money = graphene.Field(Money)

    @staticmethod
    def resolve_things(root, info):
        return [Thing("茶", 3), Thing(None, "not a number"), Thing("蜜", 2, raises=True)]

    @staticmethod
    def resolve_money(root, info):
        return {"amount": 9.5, "currency": "CNY"}


schema = graphene.Schema(query=Query)


def _run(source):
    return execute(
        schema.graphql_schema, parse(source), execution_context_class=RequestExecutionContext
    )


def test_plain_fields_read_attributes_and_dict_keys():
    result = _run("{ money { amount currency } things { count } }")
    assert result.data["money"] == {"amount": 9.5, "currency": "CNY"}
    assert result.data["things"][0] == {"count": 3}


def test_plain_field_errors_are_reported_as_by_the_general_path():
    result = _run("{ things { name count label } }")
    first, second, third = result.data["things"]
    assert first == {"name": "茶", "count": 3, "label": "<茶>"}
    # A null in a non-null field nulls the parent; a value the scalar refuses is an error.
    assert second is None
    assert third == {"name": "蜜", "count": 2, "label": None}
    messages = sorted(e.message for e in result.errors)
    # Every error is reported, not just the first one collected.
    assert len(messages) == 2, messages
    assert any("label is broken" in m for m in messages)
    assert any("Cannot return null for non-nullable field ThingType.name" in m for m in messages)
    assert [e.path for e in result.errors if "label" in e.message] == [["things", 2, "label"]]
