"""Input rules shared by every service, without a database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.errors import DomainError, ErrorCode, Problem, Problems
from domain.validation import (
    check_count,
    check_date_range,
    clean_amount,
    clean_currency,
    clean_email,
    clean_int,
    clean_phone,
    clean_text,
)


def test_text_is_trimmed() -> None:
    problems = Problems()
    assert clean_text(problems, "  Grade 4 ", "name", max_length=10) == "Grade 4"
    assert problems.items == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "This value may not be blank."),
        ("   \t ", "This value may not be blank."),
        (None, "This value is required."),
        ("x" * 11, "This value may be at most 10 characters."),
        ("Gra\x00de", "This value may not hold control characters."),
        ("Gra\nde", "This value may not hold control characters."),
        ("Gra\x7fde", "This value may not hold control characters."),
        ("Gra\x85de", "This value may not hold control characters."),
    ],
)
def test_bad_required_text_is_invalid_input_at_its_field(value: str | None, message: str) -> None:
    problems = Problems()
    assert clean_text(problems, value, "students", "0", "firstName", max_length=10) is None
    assert problems.items == [
        Problem(ErrorCode.INVALID_INPUT, message, ("students", "0", "firstName"))
    ]


def test_blank_optional_text_is_none_without_problem() -> None:
    problems = Problems()
    assert clean_text(problems, "  ", "guardianName", max_length=10, required=False) is None
    assert clean_text(problems, None, "guardianName", max_length=10, required=False) is None
    assert problems.items == []


def test_text_keeps_unicode_letters_and_tabs() -> None:
    problems = Problems()
    assert clean_text(problems, "Wanjirũ\tNjeri", "name", max_length=50) == "Wanjirũ\tNjeri"
    assert problems.items == []


def test_currency_is_upper_cased_and_must_be_iso_4217() -> None:
    problems = Problems()
    assert clean_currency(problems, " kes ", "currency") == "KES"
    assert clean_currency(problems, "XYZ", "currency") is None
    assert problems.items == [
        Problem(ErrorCode.INVALID_INPUT, "'XYZ' is not an ISO 4217 currency code.", ("currency",))
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", Decimal("0.00")),
        ("12.5", Decimal("12.50")),
        ("9999999999.99", Decimal("9999999999.99")),
    ],
)
def test_amount_is_quantized_to_cents(value: str, expected: Decimal) -> None:
    problems = Problems()
    assert clean_amount(problems, Decimal(value), "amount") == expected
    assert problems.items == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-0.01", "The amount must be 0 or more."),
        ("1.005", "Amounts have at most 2 decimal places."),
        ("10000000000.00", "The amount may be at most 9999999999.99."),
        ("NaN", "This is not an amount."),
        ("Infinity", "This is not an amount."),
        # Too large to quantize to cents: the cap answers before quantize overflows.
        ("1e26", "The amount may be at most 9999999999.99."),
        ("1e400", "The amount may be at most 9999999999.99."),
    ],
)
def test_bad_amount_is_invalid_input(value: str, message: str) -> None:
    problems = Problems()
    assert clean_amount(problems, Decimal(value), "items", "1", "amount") is None
    assert problems.items == [Problem(ErrorCode.INVALID_INPUT, message, ("items", "1", "amount"))]


def test_end_before_start_is_invalid_date_range_on_the_end() -> None:
    problems = Problems()
    check_date_range(problems, date(2026, 4, 3), date(2026, 4, 3), "endDate", what="ok")
    check_date_range(problems, date(2026, 4, 3), date(2026, 4, 2), "endDate", what="backwards")
    assert problems.items == [Problem(ErrorCode.INVALID_DATE_RANGE, "backwards", ("endDate",))]


@pytest.mark.parametrize("value", ["jane@example.org", "j.o+fees@mail.school.ac.ke"])
def test_good_email_is_kept(value: str) -> None:
    problems = Problems()
    assert clean_email(problems, f" {value} ", "email") == value
    assert problems.items == []


@pytest.mark.parametrize(
    "value", ["jane", "jane@", "@example.org", "jane@example", "ja ne@example.org", "a@b@c.org"]
)
def test_malformed_email_is_invalid_input(value: str) -> None:
    problems = Problems()
    assert clean_email(problems, value, "guardianEmail") is None
    assert problems.items == [
        Problem(ErrorCode.INVALID_INPUT, f"{value!r} is not an e-mail address.", ("guardianEmail",))
    ]


def test_optional_email_may_be_left_out() -> None:
    problems = Problems()
    assert clean_email(problems, None, "guardianEmail", required=False) is None
    assert clean_email(problems, "", "guardianEmail", required=False) is None
    assert problems.items == []


@pytest.mark.parametrize(
    ("value", "country", "e164"),
    [
        ("+254 700 000 001", "KE", "+254700000001"),
        ("(020) 123-4567", "KE", "+254201234567"),
        ("0700.000.001", "KE", "+254700000001"),
        ("0712 345 678", "KE", "+254712345678"),
        ("077 123 4567", "ZW", "+263771234567"),
        # Written with its country code, a number is read alike wherever the school is.
        ("+263 77 123 4567", "KE", "+263771234567"),
        ("+254712345678", None, "+254712345678"),
    ],
)
def test_good_phone_is_stored_in_e164(value: str, country: str | None, e164: str) -> None:
    problems = Problems()
    assert clean_phone(problems, value, "guardianPhone", country=country) == e164
    assert problems.items == []


@pytest.mark.parametrize(
    "value", ["call me", "+", "12", "07OO 000 000", "++254700", "0712 345 67", "+254 12"]
)
def test_malformed_phone_is_invalid_input(value: str) -> None:
    problems = Problems()
    assert clean_phone(problems, value, "guardianPhone", country="KE") is None
    assert problems.items == [
        Problem(ErrorCode.INVALID_INPUT, f"{value!r} is not a phone number.", ("guardianPhone",))
    ]


def test_local_phone_without_a_country_asks_for_the_country_code() -> None:
    # a USD school with no country of its own cannot read 0771 234 567
    problems = Problems()
    assert clean_phone(problems, "0771 234 567", "guardianPhone", country=None) is None
    assert problems.items == [
        Problem(
            ErrorCode.INVALID_INPUT,
            "'0771 234 567' is not a phone number. Give it with its country code (+...).",
            ("guardianPhone",),
        )
    ]


def test_int_must_be_within_bounds() -> None:
    problems = Problems()
    assert clean_int(problems, 0, "level", minimum=0, maximum=100) == 0
    assert clean_int(problems, -1, "level", minimum=0, maximum=100) is None
    assert clean_int(problems, True, "level", minimum=0, maximum=100) is None
    assert problems.items == [
        Problem(ErrorCode.INVALID_INPUT, "This value must be between 0 and 100.", ("level",)),
        Problem(ErrorCode.INVALID_INPUT, "This value must be a whole number.", ("level",)),
    ]


def test_count_refuses_empty_and_too_long_lists() -> None:
    problems = Problems()
    assert check_count(problems, [1], "students", minimum=1, maximum=2, what="students")
    assert not check_count(problems, [], "students", minimum=1, maximum=2, what="students")
    assert not check_count(problems, [1, 2, 3], "students", minimum=1, maximum=2, what="students")
    assert problems.items == [
        Problem(ErrorCode.INVALID_INPUT, "Give at least one student.", ("students",)),
        Problem(ErrorCode.INVALID_INPUT, "Give at most 2 students at a time.", ("students",)),
    ]


def test_problems_raise_all_at_once() -> None:
    problems = Problems()
    problems.add(ErrorCode.INVALID_INPUT, "first", "a")
    problems.add(ErrorCode.DUPLICATE, "second", "b")
    with pytest.raises(DomainError) as caught:
        problems.raise_if_any()
    assert caught.value.problems == problems.items
    assert str(caught.value) == "first; second"
