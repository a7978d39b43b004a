"""Every type, field, argument, input field and enum value of our schema has a description:
the schema is the client developers' manual."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
)
from graphql.type.introspection import introspection_types
from graphql.type.scalars import specified_scalar_types

from api.schema import schema


def missing_descriptions(graphql_schema: GraphQLSchema) -> list[str]:
    """Schema coordinates (Type.field(arg:)) without a description."""
    builtin = set(introspection_types) | set(specified_scalar_types)
    missing: list[str] = []
    for name, type_ in sorted(graphql_schema.type_map.items()):
        if name in builtin or name.startswith("__"):
            continue
        if not getattr(type_, "description", None):
            missing.append(name)
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in type_.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in field.args.items():
                    if not arg.description:
                        missing.append(f"{name}.{field_name}({arg_name}:)")
        elif isinstance(type_, GraphQLInputObjectType):
            for field_name, input_field in type_.fields.items():
                if not input_field.description:
                    missing.append(f"{name}.{field_name}")
        elif isinstance(type_, GraphQLEnumType):
            for value_name, value in type_.values.items():
                if not value.description:
                    missing.append(f"{name}.{value_name}")
    return missing


def test_every_type_field_argument_and_enum_value_has_a_description() -> None:
    missing = missing_descriptions(schema._schema)
    assert missing == [], f"{len(missing)} without a description:\n" + "\n".join(missing)
