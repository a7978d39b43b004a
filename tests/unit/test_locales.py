"""How a school's country prints amounts and dates, and which country a school is in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.locales import country_of, country_of_phone, format_day, format_money, locale_of
from domain.models import School


@pytest.mark.parametrize(
    ("country", "currency", "amount", "printed"),
    [
        ("KE", "KES", "12500", "KES 12,500.00"),
        ("ZW", "USD", "1250", "US$ 1,250.00"),
        ("KE", "KES", "-1000.5", "KES -1,000.50"),
        ("KE", "KES", "0", "KES 0.00"),
        ("ZA", "ZAR", "1234567.89", "ZAR 1 234 567,89"),
    ],
)
def test_amounts_print_as_the_schools_country_writes_them(
    country: str, currency: str, amount: str, printed: str
) -> None:
    text = format_money(Decimal(amount), currency, locale_of(country))
    assert text.replace("\xa0", " ").replace("\u202f", " ") == printed


def test_dates_print_with_the_month_in_words() -> None:
    assert format_day(date(2026, 1, 5), locale_of("KE")) == "5 January 2026"


@pytest.mark.parametrize(
    ("currency", "own", "country"),
    [("KES", None, "KE"), ("USD", None, None), ("USD", "ZW", "ZW"), ("UGX", None, "UG")],
)
def test_a_school_is_in_its_own_country_else_its_currencys_only_one(
    currency: str, own: str | None, country: str | None
) -> None:
    assert country_of(School(name="S", currency=currency, country=own)) == country


def test_an_international_number_names_its_country() -> None:
    assert country_of_phone("+263242704000") == "ZW"
    assert country_of_phone("+254712345678") == "KE"
