"""The domain's enums served as GraphQL enums, with a description for every value."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

import strawberry

E = TypeVar("E", bound=type[Enum])


def serve_enum(enum: E, name: str, description: str, values: Mapping[str, str]) -> E:
    """Register a domain enum as the GraphQL enum `name`; the domain's enums carry no GraphQL,
    so their descriptions are attached here. Every value needs one: a value the domain adds
    without a description stops the server at start-up, not a client at run time."""
    strawberry.enum(enum, name=name, description=description)
    definition = enum.__strawberry_definition__  # type: ignore[attr-defined]
    missing = {v.name for v in definition.values} - set(values)
    assert not missing, f"{enum.__name__} values without a description: {sorted(missing)}"
    for value in definition.values:
        value.description = values[value.name]
    return enum
