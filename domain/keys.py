"""The comparison key of what people type: admission numbers, term and fee structure names.

Two values that a person reads as the same (RA/0200, ra/0200, ＲＡ/０２００, RA/0200 with a
zero-width space, Á as one code point or as A and an accent) have the same key. The
database keeps each row's key under a unique index and searches compare keys, so
uniqueness and search agree; the value as typed is kept for display.
"""

from __future__ import annotations

import unicodedata

from domain.errors import ErrorCode, Problems

#: Longest key stored (the key column's size): a few characters expand under NFKC.
KEY_MAX_LENGTH = 400

#: Invisible code points that are not format characters (category Cf, also removed).
_IGNORABLE = frozenset(
    [0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)]
)


def normalise_key(text: str) -> str:
    """NFKC, case-folded, invisible characters removed, white space collapsed to one space."""
    visible = "".join(
        ch for ch in text if unicodedata.category(ch) != "Cf" and ord(ch) not in _IGNORABLE
    )
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", visible).casefold())
    return " ".join(folded.split())


def check_key(problems: Problems, text: str | None, *field: str) -> None:
    """A value whose key is empty (only invisible characters) or too long is INVALID_INPUT."""
    if text is None:
        return
    key = normalise_key(text)
    if not key:
        problems.add(ErrorCode.INVALID_INPUT, "This value may not be blank.", *field)
    elif len(key) > KEY_MAX_LENGTH:
        problems.add(ErrorCode.INVALID_INPUT, "This value is too long.", *field)
