"""A payment's input, checked: amount, date, method, reference and a foreign amount's rate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NotRequired, TypedDict

from domain.errors import ErrorCode, Problems
from domain.invoice_search import today
from domain.models import PaymentChannel
from domain.validation import CENT, clean_amount, clean_currency, clean_text

#: Days a payment date may lie ahead of today in UTC (a school east of UTC is a day ahead).
PAID_ON_LEEWAY_DAYS = 1

METHOD_MAX = 50
REFERENCE_MAX = 200
#: Largest exchange rate taken, and its decimal places (the column is NUMERIC(18,8)).
RATE_MAX = Decimal("9999999999")
RATE_PLACES = 8


@dataclass(frozen=True)
class Foreign:
    """Money handed over in another currency, at the day's rate (school units per unit)."""

    amount: Decimal
    currency: str
    rate: Decimal


@dataclass(frozen=True)
class PaymentIn:
    """A validated payment, ready to record."""

    amount: Decimal
    paid_on: date
    method: str
    reference: str | None
    foreign: Foreign | None = None
    channel: PaymentChannel = PaymentChannel.MANUAL


class PaymentTerms(TypedDict):
    """A payment as the caller states it: the keyword arguments of every command that takes
    money in (`receive_payment`, `record_payment`, `receive_family_payment`)."""

    amount: Decimal
    paid_on: date
    method: str
    reference: NotRequired[str | None]
    foreign: NotRequired[Foreign | None]


def clean_payment(terms: PaymentTerms, *, school_currency: str) -> PaymentIn:
    """Every problem of a payment's input at once (INVALID_INPUT), or the clean payment."""
    amount, paid_on, method = terms["amount"], terms["paid_on"], terms["method"]
    reference, foreign = terms.get("reference"), terms.get("foreign")
    problems = Problems()
    value = clean_amount(problems, amount, "amount", positive=True)
    clean_method = clean_text(problems, method, "method", max_length=METHOD_MAX)
    clean_reference = clean_text(
        problems, reference, "reference", max_length=REFERENCE_MAX, required=False
    )
    if paid_on > today() + timedelta(days=PAID_ON_LEEWAY_DAYS):
        problems.add(
            ErrorCode.INVALID_INPUT, "The payment date may not be in the future.", "paidOn"
        )
    clean_foreign = None
    if foreign is not None:
        handed = clean_amount(problems, foreign.amount, "received", "amount", positive=True)
        currency = clean_currency(problems, foreign.currency, "received", "currency")
        rate = _clean_rate(problems, foreign.rate)
        if handed is not None and rate is not None and value is not None:
            expected = (handed * rate).quantize(CENT, rounding=ROUND_HALF_UP)
            if expected != value:
                problems.add(
                    ErrorCode.INVALID_INPUT,
                    f"The amount must be the amount received times the rate: {expected}.",
                    "amount",
                )
        if currency is not None and currency == school_currency:
            problems.add(
                ErrorCode.INVALID_INPUT,
                "Money in the school's own currency is not a foreign amount.",
                "received",
                "currency",
            )
        if handed is not None and currency is not None and rate is not None:
            clean_foreign = Foreign(handed, currency, rate)
    problems.raise_if_any()
    assert value is not None and clean_method is not None
    return PaymentIn(value, paid_on, clean_method, clean_reference, clean_foreign)


def _clean_rate(problems: Problems, rate: Decimal) -> Decimal | None:
    try:
        value = Decimal(rate)
    except (ArithmeticError, TypeError, ValueError):
        value = Decimal("NaN")
    if not value.is_finite() or value <= 0 or value > RATE_MAX:
        problems.add(
            ErrorCode.INVALID_INPUT, "The rate must be a number above 0.", "received", "rate"
        )
        return None
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > RATE_PLACES:
        problems.add(
            ErrorCode.INVALID_INPUT,
            f"A rate has at most {RATE_PLACES} decimal places.",
            "received",
            "rate",
        )
        return None
    return value
