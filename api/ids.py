"""Opaque Relay global ids: base64 of "TypeName:pk"."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence

from domain.errors import DomainError, ErrorCode, Problem

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


def decode_id(global_id: str, type_name: str) -> int | None:
    """The pk of a global id of the given type, or None (answered as NOT_FOUND by the domain)."""
    decoded = decode_any(global_id)
    if decoded is None or decoded[0] != type_name:
        return None
    return decoded[1]


def decode_optional(global_id: str | None, type_name: str) -> int | None:
    return None if global_id is None else decode_id(global_id, type_name)


def decode_many(
    global_ids: Iterable[str], type_name: str, field: Sequence[str], what: str
) -> list[int]:
    """Pks of a list of ids; any id that is not one of `type_name` is NOT_FOUND at its index."""
    pks: list[int] = []
    problems: list[Problem] = []
    for index, gid in enumerate(global_ids):
        pk = decode_id(gid, type_name)
        if pk is None:
            problems.append(
                Problem(ErrorCode.NOT_FOUND, f"{what} not found.", (*field, str(index)))
            )
        else:
            pks.append(pk)
    if problems:
        raise DomainError(problems)
    return pks
