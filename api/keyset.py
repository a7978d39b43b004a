"""Keyset cursors: a page continues after the sort key and id of the last row it showed.

An offset cursor ("the 40th row") repeats or skips rows when rows are added or removed
between two pages (a run created by a colleague, invoices appearing while a run
generates). A keyset cursor names the last row by its sort key and id, so the next page
starts right after that row, whatever changed before it.

The cursor is opaque to clients (base64 of a small JSON list) and validated against the
list's sort keys: anything else is an INVALID_INPUT client error, never a database error.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from pypika_tortoise.enums import Order
from tortoise import fields
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from api.errors import ClientError

#: Longest cursor taken, in characters (a guard: real ones are under 200).
MAX_CURSOR = 1000

#: Column ranges of the integer fields, checked before a value reaches the database.
#: Most specific first, in case one subclasses another.
INT_RANGES: dict[type[fields.Field[Any]], tuple[int, int]] = {
    fields.BigIntField: (-(2**63), 2**63 - 1),
    fields.SmallIntField: (-(2**15), 2**15 - 1),
    fields.IntField: (-(2**31), 2**31 - 1),
}

Key = tuple[str, bool]  # (field name, descending)


def sort_keys(qs: QuerySet[Any]) -> list[Key]:
    """The queryset's ordering, ended by the primary key so that every row has its place."""
    model = qs.model
    pk = model._meta.pk_attr
    # The ordering the caller gave (QuerySet keeps it as parsed (field, Order) pairs).
    keys: list[Key] = [(name, order == Order.desc) for name, order in qs._orderings]
    for name, _ in keys:
        field = model._meta.fields_map.get(name)
        if field is None or field.null:
            raise TypeError(f"{model.__name__}.{name} cannot be a keyset sort key")
    if all(name != pk for name, _ in keys):
        keys.append((pk, keys[-1][1] if keys else False))
    return keys


def encode(model: type[Model], keys: list[Key], row: Model) -> str:
    """The opaque cursor of one row of a list sorted by `keys`."""
    values = [_to_json(getattr(row, name)) for name, _ in keys]
    text = json.dumps([_signature(model, keys), *values], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def after(model: type[Model], keys: list[Key], cursor: str) -> Q:
    """The rows that come after the cursor's row in the order of `keys`."""
    values = _decode(model, keys, cursor)
    # (k1 > v1) OR (k1 = v1 AND k2 > v2) OR ...; "<" for descending keys.
    branches: list[Q] = []
    for i, (name, descending) in enumerate(keys):
        equal = {k: v for (k, _), v in zip(keys[:i], values[:i], strict=True)}
        branches.append(Q(**equal, **{f"{name}__{'lt' if descending else 'gt'}": values[i]}))
    return Q(*branches, join_type=Q.OR)


def _invalid() -> ClientError:
    return ClientError("`after` is not a cursor of this list.")


def _decode(model: type[Model], keys: list[Key], cursor: str) -> list[Any]:
    if len(cursor) > MAX_CURSOR:
        raise _invalid()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw.decode())
    except (binascii.Error, ValueError) as exc:  # UnicodeDecodeError and JSON errors too
        raise _invalid() from exc
    if not isinstance(data, list) or len(data) != len(keys) + 1:
        raise _invalid()
    if data[0] != _signature(model, keys):  # a cursor of a list in another order
        raise _invalid()
    return [
        _from_json(model._meta.fields_map[name], value)
        for (name, _), value in zip(keys, data[1:], strict=True)
    ]


def _signature(model: type[Model], keys: list[Key]) -> str:
    """What the cursor's values are: e.g. "Invoice:-created_at,-id"."""
    return f"{model.__name__}:" + ",".join(f"{'-' if d else ''}{name}" for name, d in keys)


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return value


def _from_json(field: fields.Field[Any], value: Any) -> Any:
    """The value as the column holds it, or INVALID_INPUT if it cannot be one."""
    try:
        if isinstance(field, fields.DatetimeField):
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                raise ValueError(value)
            return moment.astimezone(UTC)
        if isinstance(field, fields.DateField):
            return date.fromisoformat(value)
        if isinstance(field, fields.DecimalField):
            amount = Decimal(value)
            if not amount.is_finite():
                raise ValueError(value)
            return amount
        for kind, (low, high) in INT_RANGES.items():
            if isinstance(field, kind):
                if type(value) is not int or not low <= value <= high:
                    raise ValueError(value)
                return value
        if isinstance(field, fields.CharField | fields.TextField):
            if not isinstance(value, str) or "\x00" in value:
                raise ValueError(value)
            return value
    except (TypeError, ValueError, InvalidOperation) as exc:
        raise _invalid() from exc
    raise TypeError(f"no keyset decoding for {type(field).__name__}")
