"""Where a school is: its country reads local phone numbers and sets how amounts and dates print."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache

import phonenumbers
from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date
from babel.numbers import format_decimal, get_currency_symbol

from domain.models import School

#: Printed amounts: grouped thousands, always two decimals.
AMOUNT_PATTERN = "#,##0.00"


@lru_cache(maxsize=1)
def only_country_of_currency() -> dict[str, str]:
    """Currencies that are legal tender in exactly one country today (KES -> KE)."""
    users: dict[str, set[str]] = {}
    for territory, currencies in get_global("territory_currencies").items():
        for code, _start, end, tender in currencies:
            if end is None and tender and territory.isalpha():
                users.setdefault(code, set()).add(territory)
    return {code: next(iter(t)) for code, t in users.items() if len(t) == 1}


def country_of(school: School) -> str | None:
    """The school's country: its own (set from its profile), else its currency's only country.

    A school billing in a currency of many countries (USD) and without a profile phone has
    none: its local numbers cannot be read and must be written with their country code.
    """
    return school.country or only_country_of_currency().get(school.currency)


def country_of_phone(e164: str) -> str | None:
    """The country an international number belongs to (+263... -> ZW)."""
    region = phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))
    return region if region and region != "ZZ" else None


@lru_cache(maxsize=64)
def locale_of(country: str | None) -> Locale:
    """English as written in the school's country (en_KE, en_ZW), else plain English."""
    if country:
        try:
            return Locale.parse(f"en_{country}")
        except (UnknownLocaleError, ValueError):
            pass
    return Locale.parse("en")


@lru_cache(maxsize=256)
def _currency_label(currency: str, locale: Locale) -> str:
    """The locale's symbol when it is a true symbol (US$, €); the ISO code for letter
    abbreviations (Ksh, R), which vary from one writer to the next."""
    symbol = get_currency_symbol(currency, locale=locale)
    return symbol if not symbol.isalpha() else currency


def format_money(amount: Decimal, currency: str, locale: Locale) -> str:
    """`KES 12,500.00`, `US$ 1,250.00`: the currency, then the amount as the locale groups it."""
    number = format_decimal(amount, format=AMOUNT_PATTERN, locale=locale)
    return f"{_currency_label(currency, locale)} {number}"


def format_day(day: date, locale: Locale) -> str:
    """`5 January 2026` as the locale writes a date (month in words: never read day-first or
    month-first by mistake)."""
    return format_date(day, format="long", locale=locale)


def format_phone(e164: str) -> str:
    """`+254 712 345 678`: a stored E.164 number as people read it."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
