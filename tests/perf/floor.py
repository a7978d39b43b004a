"""The baselines a run is measured against, on the same database in the same process.

- floor: the same invoices and lines written by one INSERT ... SELECT each, straight
  through asyncpg (or sqlite3), committed, timed, then removed;
- naive: one ORM `create()` per invoice and per line, on a sample, scaled to the run.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from decimal import Decimal

from domain.billing.sql import amount_from_cents, cents
from domain.db import conn, is_postgres, sql
from domain.models import FeeItem, FeeItemGradeAmount, Invoice, InvoiceLine, Student
from tests.perf.seed import Seeded

FLOOR_PREFIX = "FLOOR-"


def grade_prices_cte(school: str = "$2", fee_structure: str = "$4") -> str:
    """Whole-cent price of the fee structure for each grade of the school, and for no grade.

    Grade amounts override the item's amount; an item at 0 adds nothing. Joined on
    `grade_key` (0 for no grade) by equality, so the planner can hash it; materialised, so
    it is computed once whatever the planner's row estimates.
    """
    return f"""
    grades AS (
        SELECT g.id AS grade_id FROM grade g WHERE g.school_id = {school}
        UNION ALL SELECT NULL
    ),
    grade_prices AS MATERIALIZED (
        SELECT COALESCE(gr.grade_id, 0) AS grade_key,
               COALESCE(SUM({cents("COALESCE(ga.amount, fi.amount)")}), 0) AS cents
        FROM grades gr
        CROSS JOIN fee_item fi
        LEFT JOIN fee_item_grade_amount ga
               ON ga.fee_item_id = fi.id AND ga.grade_id = gr.grade_id
        WHERE fi.fee_structure_id = {fee_structure}
        GROUP BY gr.grade_id
    )"""


async def floor_seconds(s: Seeded) -> tuple[float, int]:
    """Write the run's invoices and lines set-based in one transaction; (seconds, invoices)."""
    c = conn()
    pg = is_postgres(c)
    number = (
        "$5 || lpad(CAST(ROW_NUMBER() OVER (ORDER BY s.id) AS TEXT), 7, '0')"
        if pg
        else "$5 || printf('%07d', ROW_NUMBER() OVER (ORDER BY s.id))"
    )
    invoices_sql = f"""WITH {grade_prices_cte("$1", "$3")}
        INSERT INTO invoice (school_id, student_id, term_id, fee_structure_id, number,
                             invoice_date, due_date, status, total, amount_paid, created_at)
        SELECT $1, s.id, $2, $3, {number}, $4, $4, 'ISSUED',
               {amount_from_cents(c, "COALESCE(gp.cents, 0)")}, {amount_from_cents(c, "0")}, $6
        FROM student s
        LEFT JOIN school_class c ON c.id = s.school_class_id
        LEFT JOIN grade_prices gp ON gp.grade_key = COALESCE(c.grade_id, 0)
        WHERE s.school_id = $1 AND s.status = 'ACTIVE'
          AND NOT EXISTS (SELECT 1 FROM invoice i WHERE i.student_id = s.id
                          AND i.fee_structure_id = $3 AND i.term_id = $2
                          AND i.status <> 'CANCELLED')"""
    lines_sql = f"""INSERT INTO invoice_line (invoice_id, fee_item_id, position, description, amount)
        SELECT i.id, fi.id, fi.position, fi.name, COALESCE(ga.amount, fi.amount)
        FROM invoice i
        JOIN student s ON s.id = i.student_id
        LEFT JOIN school_class c ON c.id = s.school_class_id
        JOIN fee_item fi ON fi.fee_structure_id = $2
        LEFT JOIN fee_item_grade_amount ga ON ga.fee_item_id = fi.id AND ga.grade_id = c.grade_id
        WHERE i.school_id = $1 AND i.number LIKE $3
          AND {cents("COALESCE(ga.amount, fi.amount)")} <> 0"""
    now = datetime.now(UTC)
    if pg:
        # Straight through asyncpg: no ORM, no Tortoise wrapper, one transaction.
        raw = await c._pool.acquire()  # type: ignore[attr-defined]
        try:
            started = time.perf_counter()
            async with raw.transaction():
                await raw.execute(
                    invoices_sql,
                    s.school_id,
                    s.term_id,
                    s.fee_structure_id,
                    date(2026, 1, 5),
                    FLOOR_PREFIX,
                    now,
                )
                await raw.execute(lines_sql, s.school_id, s.fee_structure_id, FLOOR_PREFIX + "%")
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
                sql(tx, invoices_sql),
                [s.school_id, s.term_id, s.fee_structure_id, date(2026, 1, 5), FLOOR_PREFIX, now],
            )
            await tx.execute_query(
                sql(tx, lines_sql), [s.school_id, s.fee_structure_id, FLOOR_PREFIX + "%"]
            )
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
