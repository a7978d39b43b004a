"""The reading side of a payment import: what a school already recorded, who an account
names, each row's status, and writing the lines at the database's speed."""

from __future__ import annotations

import re

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.db import is_postgres
from domain.models import (
    ImportLineStatus,
    Invoice,
    MobileMoneyTransaction,
    Payment,
    Student,
)
from domain.money.mpesa import normalise
from domain.money.statement import Row

BATCH = 1000
COPY_COLUMNS = [
    "payment_import_id",
    "row_number",
    "status",
    "transaction_reference",
    "paid_on",
    "amount",
    "account_reference",
    "student_id",
    "message",
]


def key(reference: str | None) -> str:
    """References compare ignoring case and surrounding spaces."""
    return (reference or "").strip().lower()


async def known_references(school_id: int) -> set[str]:
    """Every reference already recorded for the school: payments and M-Pesa TransIDs."""
    paid = await Payment.filter(school_id=school_id, reference__isnull=False).values_list(
        "reference", flat=True
    )
    mobile = await MobileMoneyTransaction.filter(school_id=school_id).values_list(
        "transaction_id", flat=True
    )
    return {key(str(r)) for r in [*paid, *mobile]}


async def matcher(school_id: int, rows: list[Row]) -> dict[str, int]:
    """Normalised account reference -> student, for admission and invoice numbers in the
    file (one query for the school's admission numbers, one per 1,000 invoice numbers)."""
    found: dict[str, int] = {}
    for pk, admission in await Student.filter(school_id=school_id).values_list(
        "id", "admission_number"
    ):
        found.setdefault(normalise(str(admission)), int(pk))
    wanted: dict[str, str] = {}
    for row in rows:
        m = re.fullmatch(r"INV(\d{4})(\d{6,})", normalise(row.account or ""))
        if m:
            wanted[f"INV-{m.group(1)}-{m.group(2)}"] = normalise(row.account or "")
    numbers = list(wanted)
    for start in range(0, len(numbers), BATCH):
        for number, student_id in await Invoice.filter(
            school_id=school_id, number__in=numbers[start : start + BATCH]
        ).values_list("number", "student_id"):
            found.setdefault(wanted[str(number)], int(student_id))
    return found


async def insert_lines(
    connection: BaseDBAsyncClient,
    import_id: int,
    lines: list[tuple[Row, ImportLineStatus, int | None, str | None]],
) -> None:
    """All rows at the database's speed: COPY on PostgreSQL (a row at a time costs a round
    trip each, seconds for 20,000), one prepared statement run many times on SQLite."""
    columns = """(payment_import_id, row_number, status, transaction_reference, paid_on,
                  amount, account_reference, student_id, message)"""
    if is_postgres(connection):
        # COPY, through the transaction's own asyncpg connection: the fastest way in.
        raw = connection._connection  # type: ignore[attr-defined]
        await raw.copy_records_to_table(
            "payment_import_line",
            columns=COPY_COLUMNS,
            records=[
                (
                    import_id,
                    row.number,
                    status.value,
                    row.reference,
                    row.paid_on,
                    row.amount,
                    row.account,
                    student_id,
                    message,
                )
                for row, status, student_id, message in lines
            ],
        )
        return
    # SQLite's driver takes neither Decimal nor date: the text it stores them as.
    await connection.execute_many(
        f"INSERT INTO payment_import_line {columns} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [
                import_id,
                row.number,
                status.value,
                row.reference,
                None if row.paid_on is None else row.paid_on.isoformat(),
                None if row.amount is None else str(row.amount),
                row.account,
                student_id,
                message,
            ]
            for row, status, student_id, message in lines
        ],
    )


def classify(
    row: Row, known: set[str], students: dict[str, int]
) -> tuple[ImportLineStatus, int | None, str | None]:
    """INVALID first, then DUPLICATE, then MATCHED or UNMATCHED."""
    if row.problem is not None:
        return ImportLineStatus.INVALID, None, row.problem
    if key(row.reference) in known:
        return ImportLineStatus.DUPLICATE, None, "This reference is already recorded."
    student_id = students.get(normalise(row.account or ""))
    if student_id is None:
        return ImportLineStatus.UNMATCHED, None, "No student or invoice has this account."
    return ImportLineStatus.MATCHED, student_id, None
