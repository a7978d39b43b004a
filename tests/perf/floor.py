"""The baselines a run is measured against, on the same database in the same process.

- floor: the same invoices and lines written by one INSERT ... SELECT each, straight
  through asyncpg (or sqlite3), committed, timed, then removed;
- naive: one ORM `create()` per invoice and per line, on a sample, scaled to the run.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from types import SimpleNamespace
from typing import Any

from domain.billing.pricing import BATCH_SETTINGS, priced_students
from domain.billing.sql import amount_from_cents
from domain.db import conn, is_postgres, sql
from domain.models import FeeItem, FeeItemGradeAmount, Invoice, InvoiceLine, ScopeKind, Student
from tests.perf.seed import Seeded

FLOOR_PREFIX = "FLOOR-"


async def floor_seconds(s: Seeded) -> tuple[float, int]:
    """Write the run's invoices and lines set-based in one transaction; (seconds, invoices)."""
    c = conn()
    pg = is_postgres(c)
    number = (
        "$7 || lpad(CAST(ROW_NUMBER() OVER (ORDER BY e.student_id) AS TEXT), 7, '0')"
        if pg
        else "$7 || printf('%07d', ROW_NUMBER() OVER (ORDER BY e.student_id))"
    )
    # The pricing engine's own SQL, over a run that does not exist (nobody left out by
    # hand): the floor prices the students exactly as the run does, then writes.
    run: Any = SimpleNamespace(
        id=0,
        school_id=s.school_id,
        term_id=s.term_id,
        fee_structure_id=s.fee_structure_id,
        scope_kind=ScopeKind.ALL_STUDENTS,
    )
    priced = priced_students(c, run)
    money = partial(amount_from_cents, c)
    invoices_sql = f"""{priced}
        INSERT INTO invoice (school_id, student_id, term_id, fee_structure_id, number,
                             invoice_date, due_date, status, total, amount_paid, created_at)
        SELECT $2, e.student_id, $3, $4, {number}, $6, $6,
               CASE WHEN e.gross = e.discount THEN 'PAID' ELSE 'ISSUED' END,
               {money("e.gross - e.discount")}, {money("0")}, $8
        FROM eligibility e WHERE e.reason IS NULL"""
    lines_sql = f"""{priced}
        INSERT INTO invoice_line
            (invoice_id, fee_item_id, kind, discount_id, position, description, amount)
        SELECT i.id, l.fee_item_id, l.kind, l.discount_id,
               ROW_NUMBER() OVER (PARTITION BY e.student_id ORDER BY l.part, l.sort1, l.sort2),
               l.description, {money("l.cents")}
        FROM eligibility e
        JOIN lines l ON l.student_id = e.priced_as
        JOIN invoice i ON i.student_id = e.student_id AND i.school_id = $2 AND i.number LIKE $6
        WHERE e.reason IS NULL"""
    params = [0, s.school_id, s.term_id, s.fee_structure_id, None]
    now = datetime.now(UTC)
    if pg:
        # Straight through asyncpg: no ORM, no Tortoise wrapper, one transaction.
        raw = await c._pool.acquire()  # type: ignore[attr-defined]
        try:
            started = time.perf_counter()
            async with raw.transaction():
                await raw.execute(BATCH_SETTINGS)  # as the run's pricing has them
                await raw.execute(invoices_sql, *params, date(2026, 1, 5), FLOOR_PREFIX, now)
                await raw.execute(lines_sql, *params, FLOOR_PREFIX + "%")
            seconds = time.perf_counter() - started
            count = await raw.fetchval(
                "SELECT COUNT(*) FROM invoice WHERE school_id = $1 AND number LIKE $2",
                s.school_id,
                FLOOR_PREFIX + "%",
            )
        finally:
            await c._pool.release(raw)  # type: ignore[attr-defined]
    else:
        from tortoise.transactions import in_transaction

        started = time.perf_counter()
        async with in_transaction() as tx:
            await tx.execute_query(
                sql(tx, invoices_sql), [*params, date(2026, 1, 5), FLOOR_PREFIX, now]
            )
            await tx.execute_query(sql(tx, lines_sql), [*params, FLOOR_PREFIX + "%"])
        seconds = time.perf_counter() - started
        count = await Invoice.filter(school_id=s.school_id, number__startswith=FLOOR_PREFIX).count()
    await remove_invoices(s, number_like=FLOOR_PREFIX + "%")
    return seconds, int(count)


async def naive_seconds(s: Seeded, sample: int, scale_to: int) -> float:
    """One ORM create() per invoice and line for `sample` students, scaled to `scale_to`."""
    students = (
        await Student.filter(school_id=s.school_id, status="ACTIVE")
        .order_by("-id")
        .limit(sample)
        .prefetch_related("school_class")
    )
    items = await FeeItem.filter(fee_structure_id=s.fee_structure_id).order_by("position")
    overrides = {
        (g.fee_item_id, g.grade_id): g.amount
        for g in await FeeItemGradeAmount.filter(fee_item__fee_structure_id=s.fee_structure_id)
    }
    started = time.perf_counter()
    for n, student in enumerate(students):
        grade_id = student.school_class.grade_id if student.school_class else None
        prices = [(it, overrides.get((it.id, grade_id), it.amount)) for it in items]
        prices = [(it, amount) for it, amount in prices if amount != 0]
        invoice = await Invoice.create(
            school_id=s.school_id,
            student_id=student.id,
            term_id=s.term_id,
            fee_structure_id=s.fee_structure_id + 0,
            number=f"NAIVE-{n:07d}",
            invoice_date=date(2026, 1, 5),
            due_date=date(2026, 2, 5),
            total=sum((amount for _, amount in prices), Decimal(0)),
            status="CANCELLED",  # kept out of the live-invoice index: the sample is not billed
        )
        for it, amount in prices:
            await InvoiceLine.create(
                invoice=invoice,
                fee_item_id=it.id,
                position=it.position,
                description=it.name,
                amount=amount,
            )
    seconds = time.perf_counter() - started
    await remove_invoices(s, number_like="NAIVE-%")
    return seconds * scale_to / max(len(students), 1)


async def remove_invoices(
    s: Seeded, *, number_like: str | None = None, run_id: int | None = None
) -> None:
    """Delete benchmark invoices (and their lines) so every repeat starts from the same state."""
    c = conn()
    if is_postgres(c):
        # A run just wrote these rows: without fresh statistics the planner nests loops.
        await c.execute_script("ANALYZE invoice; ANALYZE invoice_line")
    where, params = (
        ("number LIKE $2", [s.school_id, number_like])
        if number_like
        else ("billing_run_id = $2", [s.school_id, run_id])
    )
    await c.execute_query(
        sql(
            c,
            f"DELETE FROM invoice_line WHERE invoice_id IN (SELECT id FROM invoice WHERE school_id = $1 AND {where})",
        ),
        params,
    )
    await c.execute_query(sql(c, f"DELETE FROM invoice WHERE school_id = $1 AND {where}"), params)
    if is_postgres(c):
        await c.execute_script("ANALYZE invoice; ANALYZE invoice_line")
