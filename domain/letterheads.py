"""What every printed document of a school shares: its letterhead, and amounts and dates
written as the school's country writes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from babel import Locale

from domain.locales import country_of, format_day, format_money, format_phone, locale_of
from domain.models import School


@dataclass(frozen=True)
class Letterhead:
    """The school as a guardian reads it at the top of a page, and how to pay it."""

    school_name: str
    address_lines: list[str]
    contact_lines: list[str]
    payment_instructions: str | None


@dataclass(frozen=True)
class Writer:
    """Amounts in the school's currency and dates, for the school's locale."""

    currency: str
    locale: Locale

    def money(self, amount: Decimal, currency: str | None = None) -> str:
        return _money(Decimal(amount), currency or self.currency, self.locale)

    def day(self, day: date) -> str:
        return format_day(day, self.locale)


@lru_cache(maxsize=4096)
def _money(amount: Decimal, currency: str, locale: Locale) -> str:
    """Babel's formatting, remembered: a run's invoices print the same few fee amounts
    thousands of times, and formatting them was most of the CPU of reading a run."""
    return format_money(amount, currency, locale)


def letterhead(school: School) -> Letterhead:
    """The school's name, address, phone and e-mail, and its payment instructions."""
    contacts = [c for c in (school.phone and format_phone(school.phone), school.email) if c]
    address = school.address.split("\n") if school.address else []
    return Letterhead(school.name, address, contacts, school.payment_instructions)


def writer_for(school: School) -> Writer:
    return Writer(school.currency, locale_of(country_of(school)))
