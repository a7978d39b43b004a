"""Reading payment statements (an M-Pesa paybill statement, a simple CSV) into rows."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from domain.models import ImportFormat
from domain.validation import CENT, MAX_AMOUNT

#: Most data rows one file may hold.
MAX_ROWS = 20_000
TEXT_MAX = 200

#: The M-Pesa portal's columns we read (its exports carry more).
MPESA_COLUMNS = {
    "reference": "receipt no.",
    "when": "completion time",
    "amount": "paid in",
    "account": "a/c no.",
    "party": "other party info",
}
SIMPLE_COLUMNS = {
    "reference": "reference",
    "when": "date",
    "amount": "amount",
    "account": "account",
}
DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%d-%m-%Y %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%d-%m-%Y",
    "%d/%m/%Y",
)


class UnreadableFile(ValueError):
    """The file as a whole cannot be read (no header, too many rows)."""


@dataclass
class Row:
    """One data row, read; `problem` says why it cannot be used (then it is INVALID)."""

    number: int
    reference: str | None
    paid_on: date | None
    amount: Decimal | None
    account: str | None
    problem: str | None = None


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(text: str) -> date | None:
    text = text.strip()
    if _ISO_DAY.match(text):  # the portal's own form: no format guessing needed
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _amount(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or value != value.quantize(CENT) or abs(value) > MAX_AMOUNT:
        return None
    return value


def _cell(text: str | None) -> str | None:
    value = (text or "").strip()[:TEXT_MAX]
    return value or None


def read_rows(fmt: ImportFormat, content: str) -> Iterator[Row]:
    """The file's data rows, numbered from 1 after the header; preamble lines are skipped."""
    columns = MPESA_COLUMNS if fmt == ImportFormat.MPESA_STATEMENT else SIMPLE_COLUMNS
    reader = csv.reader(io.StringIO(content.replace("\x00", "")))
    index: dict[str, int] | None = None
    number = 0
    for cells in reader:
        if index is None:
            lowered = [c.strip().lower() for c in cells]
            if all(name in lowered for name in columns.values()):
                index = {key: lowered.index(name) for key, name in columns.items()}
            continue
        if not any(c.strip() for c in cells):
            continue
        number += 1
        if number > MAX_ROWS:
            raise UnreadableFile(f"The file has more than {MAX_ROWS} rows.")
        yield _row(number, cells, index, fmt)
    if index is None:
        names = ", ".join(columns.values())
        raise UnreadableFile(f"No header row with the columns {names}.")


def _row(number: int, cells: list[str], index: dict[str, int], fmt: ImportFormat) -> Row:
    width = len(cells)
    raw = {key: cells[i] if i < width else "" for key, i in index.items()}
    reference = _cell(raw["reference"])
    row = Row(number, reference, _date(raw["when"]), _amount(raw["amount"]), _cell(raw["account"]))
    if reference is None:
        row.problem = "No transaction reference."
    elif row.amount is None:
        row.problem = f"The amount {raw['amount'].strip()[:40]!r} cannot be read."
    elif row.amount <= 0:
        row.problem = "Only money in (an amount above 0) is imported."
    elif row.paid_on is None:
        row.problem = f"The date {raw['when'].strip()[:40]!r} cannot be read."
    return row
