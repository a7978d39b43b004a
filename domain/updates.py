"""Partial updates: one sentinel for "left out, keep as it is", apart from None ("clear")."""

from __future__ import annotations

from enum import Enum
from typing import Literal, TypeAlias, TypeVar

T = TypeVar("T")


class Keep(Enum):
    """Leave a field of an update as it is."""

    KEEP = "KEEP"


KEEP = Keep.KEEP

#: A field of an update: a new value, None to clear it (where it may be empty), or KEEP.
Update: TypeAlias = T | Literal[Keep.KEEP] | None
