"""Decoding the ids an input refers to, for the domain's NOT_FOUND checks."""

from __future__ import annotations

from collections.abc import Iterable

from api.ids import decode_id
from domain.references import UNKNOWN_ID


def decode_ref(global_id: str | None, type_name: str) -> int | None:
    """None when no id was given; an id that is not one of `type_name` becomes UNKNOWN_ID, so
    the domain answers NOT_FOUND (or, in a filter, matches nothing) rather than ignoring it."""
    if global_id is None:
        return None
    return decode_id(global_id, type_name) or UNKNOWN_ID


def decode_refs(global_ids: Iterable[str], type_name: str) -> list[int | None]:
    """Pks of a list of ids, in order; None for any that is not one of `type_name`."""
    return [decode_id(gid, type_name) for gid in global_ids]
