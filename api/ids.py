"""Global ids: opaque base64 of "TypeName:pk", and the one place they are decoded.

One helper per meaning of an id in an input, each saying what an id that is not ours
(malformed, of another type, out of range) answers:

- `decode_id`: a required id (or a nullable one whose null means "none"): not ours -> None,
  which the domain answers NOT_FOUND, exactly as for an id the caller may not see.
- `decode_ref`: an optional reference or filter: absent -> None; not ours -> UNKNOWN_ID,
  which answers NOT_FOUND where it is looked up and matches nothing in a filter.
- `decode_ids`: a list of required ids, in order; not ours -> None at its index.

Strawberry's relay GlobalID is not used: its encoding (padded standard base64) differs
from ours (URL-safe, unpadded, range-checked), and clients and stored links hold ours.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from typing import overload

from domain.references import UNKNOWN_ID

#: Largest primary key: INTEGER columns, except the types whose table has a BIGINT key.
MAX_PK = 2**31 - 1
BIG_PK_TYPES = frozenset({"Invoice", "Payment", "AuditEvent"})
MAX_BIG_PK = 2**63 - 1


def encode_id(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def decode_any(global_id: str) -> tuple[str, int] | None:
    """(type name, pk) of a global id, or None when it is not one of ours."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        raw = base64.urlsafe_b64decode(padded.encode()).decode()
        type_name, _, pk = raw.partition(":")
        value = int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    # A key beyond its column's range is no id of ours (and would overflow the database's
    # parameter: a 500 rather than NOT_FOUND).
    limit = MAX_BIG_PK if type_name in BIG_PK_TYPES else MAX_PK
    if not type_name or value <= 0 or value > limit:
        return None
    # One spelling per id: int() also reads "01", " 1", "1_0" and other scripts' digits, and
    # base64 has padded and unpadded forms; only the id we hand out is ours.
    if encode_id(type_name, value) != global_id:
        return None
    return type_name, value


def decode_id(global_id: str | None, type_name: str) -> int | None:
    """The pk of a required id of `type_name`; None when absent or not ours (NOT_FOUND)."""
    decoded = decode_any(global_id) if global_id is not None else None
    if decoded is None or decoded[0] != type_name:
        return None
    return decoded[1]


def decode_ref(global_id: str | None, type_name: str) -> int | None:
    """The pk of an optional reference: None when absent; UNKNOWN_ID when not ours, so the
    domain answers NOT_FOUND (or, in a filter, matches nothing) rather than ignoring it."""
    if global_id is None:
        return None
    return decode_id(global_id, type_name) or UNKNOWN_ID


@overload
def decode_ids(global_ids: Iterable[str], type_name: str) -> list[int | None]: ...
@overload
def decode_ids(global_ids: None, type_name: str) -> None: ...
def decode_ids(global_ids: Iterable[str] | None, type_name: str) -> list[int | None] | None:
    """Pks of a list of required ids, in order (None for any not ours); None when absent."""
    if global_ids is None:
        return None
    return [decode_id(gid, type_name) for gid in global_ids]
