"""The school row as the lock of its money, and its gap-free receipt and credit-note numbers."""

from __future__ import annotations

from datetime import date
from typing import Literal

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.db import is_postgres, sql

Counter = Literal["last_receipt_number", "last_credit_note_number"]


async def lock_school_money(connection: BaseDBAsyncClient, school_id: int) -> None:
    """Serialise every money write of one school (lock order: the school row first, as in
    generation). PostgreSQL locks the row; SQLite already runs one write transaction at a time.
    """
    if is_postgres(connection):
        await connection.execute_query(
            "SELECT id FROM school WHERE id = $1 FOR UPDATE", [school_id]
        )


async def reserve_numbers(
    connection: BaseDBAsyncClient, school_id: int, counter: Counter, count: int
) -> int:
    """Take the next `count` numbers of a school's sequence in the caller's transaction (a
    rollback gives them back, so numbers stay gap-free); the first of them."""
    # UPDATE first (it takes the row's lock), then read it back in the same transaction.
    await connection.execute_query(
        sql(connection, f"UPDATE school SET {counter} = {counter} + $2 WHERE id = $1"),
        [school_id, count],
    )
    _, rows = await connection.execute_query(
        sql(connection, f"SELECT {counter} AS n FROM school WHERE id = $1"), [school_id]
    )
    return int(dict(rows[0])["n"]) - count + 1


def format_number(prefix: str, on: date, n: int) -> str:
    """<prefix>-<year>-<6 digits>: RCT-2026-000042."""
    return f"{prefix}-{on.year}-{n:06d}"


async def next_number(
    connection: BaseDBAsyncClient, school_id: int, counter: Counter, prefix: str, on: date
) -> str:
    """The next number of a school's sequence, bumped in the caller's transaction."""
    return format_number(prefix, on, await reserve_numbers(connection, school_id, counter, 1))
