"""Descriptions for the values of domain enums served as GraphQL enums."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum


def describe_values(enum: type[Enum], descriptions: Mapping[str, str]) -> None:
    """Describe each value of an enum already registered with `strawberry.enum`; the domain's
    enums carry no GraphQL, so the descriptions are attached here. Every value needs one."""
    definition = enum.__strawberry_definition__  # type: ignore[attr-defined]
    missing = {v.name for v in definition.values} - set(descriptions)
    assert not missing, f"{enum.__name__} values without a description: {sorted(missing)}"
    for value in definition.values:
        value.description = descriptions[value.name]
