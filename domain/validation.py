"""Input rules shared by every service: names, currencies, money, dates."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

import phonenumbers

from domain.errors import ErrorCode, Problems

#: ISO 4217 codes in use (active currencies); an unknown code is refused.
CURRENCIES = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
    BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
    GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR
    KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK
    MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR
    SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS
    UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWG ZWL""".split()
)

#: Largest amount NUMERIC(12,2) holds.
MAX_AMOUNT = Decimal("9999999999.99")
CENT = Decimal("0.01")


def clean_text(
    problems: Problems,
    value: str | None,
    *field: str,
    max_length: int,
    required: bool = True,
    multiline: bool = False,
) -> str | None:
    """Trimmed text; blank (when required) or too long is INVALID_INPUT.

    `multiline` text (an address) may hold line breaks, kept as `\\n`.
    """
    if value is None:
        if required:
            problems.add(ErrorCode.INVALID_INPUT, "This value is required.", *field)
        return None
    text = value.strip()
    if multiline:
        text = "\n".join(line.strip() for line in text.replace("\r\n", "\n").split("\n"))
    if not text:
        if required:
            problems.add(ErrorCode.INVALID_INPUT, "This value may not be blank.", *field)
        return None
    if len(text) > max_length:
        problems.add(
            ErrorCode.INVALID_INPUT, f"This value may be at most {max_length} characters.", *field
        )
        return None
    allowed = "\t\n" if multiline else "\t"
    if any(ch not in allowed and unicodedata.category(ch) == "Cc" for ch in text):
        problems.add(ErrorCode.INVALID_INPUT, "This value may not hold control characters.", *field)
        return None
    return text


def clean_currency(problems: Problems, value: str, *field: str) -> str | None:
    code = (value or "").strip().upper()
    if code not in CURRENCIES:
        problems.add(
            ErrorCode.INVALID_INPUT, f"{value!r} is not an ISO 4217 currency code.", *field
        )
        return None
    return code


def clean_amount(
    problems: Problems, value: Decimal | None, *field: str, positive: bool = False
) -> Decimal | None:
    """Money: >= 0 (> 0 when `positive`), at most 2 decimal places, within NUMERIC(12,2)."""
    try:
        amount = Decimal(value) if value is not None else None
    except (InvalidOperation, TypeError, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        problems.add(ErrorCode.INVALID_INPUT, "This is not an amount.", *field)
        return None
    if amount < 0 or (positive and amount == 0):
        word = "greater than 0" if positive else "0 or more"
        problems.add(ErrorCode.INVALID_INPUT, f"The amount must be {word}.", *field)
        return None
    # The cap first: quantizing an amount as large as 1e26 overflows the decimal context.
    if amount > MAX_AMOUNT:
        problems.add(ErrorCode.INVALID_INPUT, f"The amount may be at most {MAX_AMOUNT}.", *field)
        return None
    if amount != amount.quantize(CENT):
        problems.add(ErrorCode.INVALID_INPUT, "Amounts have at most 2 decimal places.", *field)
        return None
    return amount.quantize(CENT)


def check_date_range(
    problems: Problems, start: date | None, end: date | None, *end_field: str, what: str
) -> None:
    """`start` <= `end`, else INVALID_DATE_RANGE on the end field."""
    if start is not None and end is not None and end < start:
        problems.add(ErrorCode.INVALID_DATE_RANGE, what, *end_field)


#: Longest e-mail address (RFC 5321 path limit).
EMAIL_MAX = 254
#: Deliberately loose: one @, no spaces, a dot in the domain. Delivery is the real check.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
PHONE_MAX = 32


def clean_email(
    problems: Problems, value: str | None, *field: str, required: bool = True
) -> str | None:
    """A trimmed e-mail address of the form local@domain.tld; malformed is INVALID_INPUT."""
    text = clean_text(problems, value, *field, max_length=EMAIL_MAX, required=required)
    if text is None:
        return None
    if not _EMAIL.match(text):
        problems.add(ErrorCode.INVALID_INPUT, f"{text!r} is not an e-mail address.", *field)
        return None
    return text


def clean_phone(
    problems: Problems, value: str | None, *field: str, country: str | None
) -> str | None:
    """An optional phone number, stored in E.164 (+254712345678).

    A local number (0712 345 678) is read as of the school's `country`; without one it must
    carry its country code. A number that cannot exist there is INVALID_INPUT.
    """
    text = clean_text(problems, value, *field, max_length=PHONE_MAX, required=False)
    if text is None:
        return None
    try:
        number = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        hint = "" if country or text.startswith("+") else " Give it with its country code (+...)."
        problems.add(ErrorCode.INVALID_INPUT, f"{text!r} is not a phone number.{hint}", *field)
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_int(
    problems: Problems, value: int | None, *field: str, minimum: int, maximum: int
) -> int | None:
    """A whole number within [minimum, maximum], else INVALID_INPUT."""
    if value is None or isinstance(value, bool) or not isinstance(value, int):
        problems.add(ErrorCode.INVALID_INPUT, "This value must be a whole number.", *field)
        return None
    if not minimum <= value <= maximum:
        problems.add(
            ErrorCode.INVALID_INPUT, f"This value must be between {minimum} and {maximum}.", *field
        )
        return None
    return value


def check_count(
    problems: Problems, items: Sequence[object], *field: str, minimum: int, maximum: int, what: str
) -> bool:
    """A list holds between `minimum` and `maximum` entries, else INVALID_INPUT on the list."""
    if len(items) < minimum:
        # `what` is plural ("fee items"): "at least 1 fee items" reads wrong, "one fee item" not.
        wanted = f"one {what.removesuffix('s')}" if minimum == 1 else f"{minimum} {what}"
        problems.add(ErrorCode.INVALID_INPUT, f"Give at least {wanted}.", *field)
        return False
    if len(items) > maximum:
        problems.add(ErrorCode.INVALID_INPUT, f"Give at most {maximum} {what} at a time.", *field)
        return False
    return True
