"""Scalars held to one spelling: Decimal amounts as plain ASCII decimals ("1500.50"; no
exponent, underscores or other scripts' digits), DateTime as UTC with milliseconds and a Z
(`2026-01-05T08:30:00.123Z`: what Swift's and JavaScript's ISO 8601 parsers read)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition

#: A decimal as people write it: an optional minus, ASCII digits, an optional fraction.
_DECIMAL = re.compile(r"-?[0-9]{1,20}(\.[0-9]{1,20})?")


def parse_decimal(value: Any) -> Decimal:
    """A Decimal from "1500.50" (or the JSON number 1500.5); anything else is refused."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise StrawberryInputCoercionError(f"Expected a decimal string, got {value!r}.")
    text = value if isinstance(value, str) else str(value)
    if not _DECIMAL.fullmatch(text):
        shown = text if len(text) <= 40 else text[:40] + "..."
        raise StrawberryInputCoercionError(
            f'"{shown}" is not a decimal: write ASCII digits with at most one "." and no '
            'exponent, e.g. "1500.50".'
        )
    return Decimal(text)


def serialize_datetime(value: datetime) -> str:
    """UTC, millisecond precision, with a Z (a naive value is taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


DecimalScalar = ScalarDefinition(
    name="Decimal",
    description='An exact decimal, as a string of ASCII digits with an optional "." '
    'and fraction, e.g. "1500.50".',
    specified_by_url=None,
    serialize=str,
    parse_value=parse_decimal,
    parse_literal=None,
    origin=Decimal,
)

DateTimeScalar = ScalarDefinition(
    name="DateTime",
    description="A moment in UTC, ISO 8601 with milliseconds and a Z, e.g. "
    "2026-01-05T08:30:00.123Z.",
    specified_by_url=None,
    serialize=serialize_datetime,
    parse_value=DateTimeDefinition.parse_value,
    parse_literal=None,
    origin=datetime,
)

SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {
    Decimal: DecimalScalar,
    datetime: DateTimeScalar,
}
