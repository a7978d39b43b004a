"""SMS text in the GSM 03.38 7-bit alphabet: what fits in one 160-septet message."""

from __future__ import annotations

import unicodedata

#: The basic character set (one septet each).
BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: The extension table (an escape and the character: two septets each).
EXTENDED = "^{}\\[~]|€\f"
#: One SMS of GSM-7 text.
SMS_SEPTETS = 160


def septets(text: str) -> int:
    """Septets `text` takes (it must be GSM-7: see `to_gsm7`)."""
    return sum(2 if c in EXTENDED else 1 for c in text)


#: Look-alikes a keyboard or word processor puts in names.
LOOKALIKES = {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"}


def to_gsm7(text: str) -> str:
    """`text` in GSM-7: accents dropped where the alphabet lacks them, anything else a '?'."""
    out = []
    for c in text:
        if c in BASIC or c in EXTENDED:
            out.append(c)
            continue
        if c in LOOKALIKES:
            out.append(LOOKALIKES[c])
            continue
        plain = unicodedata.normalize("NFKD", c).encode("ascii", "ignore").decode()
        out.append(plain if plain and all(p in BASIC for p in plain) else "?")
    return "".join(out)
