"""Invoice generation, one chunk per transaction.

A chunk is idempotent: it works only on its PENDING items, so a redelivered message, a
retried transaction or a sweeper's re-enqueue finds nothing left to do and changes nothing.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain.billing.rows import lock_run
from domain.billing.sql import (
    amount_from_cents,
    cents,
    execute,
    fetch,
    for_update,
    invoice_number,
    literal,
)
from domain.events import run_events
from domain.models import BillingRun, InvoiceStatus, ItemStatus, RunStatus, StudentStatus
from domain.money.credit_on_create import spend_credit_on_new_invoices
from domain.money.previous import previous_balance
from domain.observers import ChunkDone, chunk_done

logger = logging.getLogger("billing.generation")


class NumberingConflict(RuntimeError):
    """An invoice of the chunk collided with one written outside the school's lock; retry."""


def final_status(invoiced: int, failed: int) -> RunStatus:
    """COMPLETED without failures; PARTIALLY_COMPLETED with some; FAILED when none was invoiced."""
    if failed == 0:
        return RunStatus.COMPLETED
    return RunStatus.PARTIALLY_COMPLETED if invoiced > 0 else RunStatus.FAILED


async def generate_chunk(run_id: int, chunk: int) -> bool:
    """Invoice the pending students of one chunk; True when it changed anything."""
    started = time.perf_counter()
    async with in_transaction() as connection:
        done = await _generate(connection, run_id, chunk)
    if done is None:
        return False
    await run_events().publish(run_id)
    school_id, invoices = done
    event = ChunkDone(
        run_id=run_id,
        school_id=school_id,
        chunk=chunk,
        invoices=invoices,
        duration_ms=round((time.perf_counter() - started) * 1000, 1),
    )
    logger.info("chunk done", extra=asdict(event))
    chunk_done(event)
    return True


async def _generate(
    connection: BaseDBAsyncClient, run_id: int, chunk: int
) -> tuple[int, int] | None:
    # Returns (school id, invoices created) when the chunk changed anything, else None.
    # Lock the school's invoice counter first, then the run (always in this order): chunks
    # of one school run one at a time, so numbers are gap-free and the "already invoiced"
    # check below sees every live invoice.
    heads = await fetch(connection, "SELECT school_id FROM billing_run WHERE id = $1", [run_id])
    if not heads:
        return None
    school_id = heads[0]["school_id"]
    counter = await fetch(
        connection,
        f"SELECT last_invoice_number FROM school WHERE id = $1{for_update(connection)}",
        [school_id],
    )
    last = int(counter[0]["last_invoice_number"])
    run = await lock_run(run_id)
    if run.status != RunStatus.PROCESSING:
        return None
    now = datetime.now(UTC)
    prefix = f"INV-{run.invoice_date.year}-"
    # A PROCESSING run whose counters already cover every item is being retried: its
    # pending items stay counted as failed until settled, so `processed` never decreases.
    retrying = run.items_invoiced + run.items_skipped + run.items_failed >= run.items_total
    pending = literal(ItemStatus.PENDING)

    # First settle who cannot be billed any more, so that every item still PENDING gets an
    # invoice. No statement joins freshly inserted invoices by run: with statistics that do
    # not know them yet, PostgreSQL would scan the run's invoices once per item.
    skipped = await execute(
        connection,
        f"""UPDATE billing_run_item AS it
           SET status = {literal(ItemStatus.SKIPPED)}, processed_at = $5, invoice_id = i.id,
               message = 'Already invoiced for this fee structure and term.'
           FROM invoice AS i
           WHERE it.run_id = $1 AND it.chunk = $2 AND it.status = {pending}
             AND i.student_id = it.student_id AND i.fee_structure_id = $3
             AND i.term_id = $4 AND i.status <> {literal(InvoiceStatus.CANCELLED)}""",
        [run_id, chunk, run.fee_structure_id, run.term_id, now],
    )
    failed = await execute(
        connection,
        f"""UPDATE billing_run_item AS it
           SET status = {literal(ItemStatus.FAILED)}, processed_at = $3,
               message = 'Not billed: the student is ' || s.status
                         || ' now (was ACTIVE when the run was confirmed).'
           FROM student AS s
           WHERE it.run_id = $1 AND it.chunk = $2 AND it.status = {pending}
             AND s.id = it.student_id AND s.status <> {literal(StudentStatus.ACTIVE)}""",
        [run_id, chunk, now],
    )
    # `WHERE 1 = 1` is for SQLite: in INSERT ... SELECT ... ON CONFLICT its parser would read
    # ON CONFLICT as a join constraint of the SELECT's last table unless a WHERE comes
    # between them (SQLite's documented "parsing ambiguity" of upserts).
    inserted = await fetch(
        connection,
        f"""WITH eligible AS (
            SELECT it.student_id, it.amount, ROW_NUMBER() OVER (ORDER BY it.student_id) AS rn
            FROM billing_run_item it
            WHERE it.run_id = $1 AND it.chunk = $5 AND it.status = {pending}
        )
        INSERT INTO invoice (school_id, student_id, term_id, fee_structure_id, billing_run_id,
                             number, invoice_date, due_date, status, total, amount_paid, created_at,
                             previous_balance)
        SELECT $2, e.student_id, $3, $4, $1, {invoice_number(connection, "$6", "$7 + e.rn")},
               $8, $9,
               CASE WHEN {cents("e.amount")} = 0 THEN {literal(InvoiceStatus.PAID)}
                    ELSE {literal(InvoiceStatus.ISSUED)} END,
               e.amount, {amount_from_cents(connection, "0")}, $10,
               {previous_balance(connection, "e.student_id")}
        FROM eligible e WHERE 1 = 1
        ON CONFLICT DO NOTHING
        RETURNING number, total""",
        [
            run_id,
            school_id,
            run.term_id,
            run.fee_structure_id,
            chunk,
            prefix,
            last,
            run.invoice_date,
            run.due_date,
            now,
        ],
    )
    count = len(inserted)
    if count:
        # The partial unique index refused a row (an invoice written outside this school's
        # lock): roll back so that the retry, which sees it, skips that student instead.
        top = max(int(str(r["number"]).rsplit("-", 1)[1]) for r in inserted)
        if top != last + count:
            raise NumberingConflict(f"run {run_id} chunk {chunk}: {count} invoices up to {top}")
        await execute(
            connection,
            "UPDATE school SET last_invoice_number = $1 WHERE id = $2",
            [last + count, school_id],
        )
        await _insert_lines(connection, run, chunk)
        await spend_credit_on_new_invoices(connection, run_id, chunk, school_id, now)
    amount = sum((Decimal(str(r["total"])) for r in inserted), Decimal("0"))
    # The item's invoice is found by (billing_run_id, student_id); linking it here would
    # cost a lookup per item.
    invoiced = await execute(
        connection,
        f"""UPDATE billing_run_item SET status = {literal(ItemStatus.INVOICED)}, processed_at = $3
           WHERE run_id = $1 AND chunk = $2 AND status = {pending}""",
        [run_id, chunk, now],
    )
    if invoiced + skipped + failed == 0:
        return None
    if invoiced != count:
        raise NumberingConflict(f"run {run_id} chunk {chunk}: {count} invoices, {invoiced} items")

    if retrying:
        run.items_failed -= invoiced + skipped + failed
    run.items_invoiced += invoiced
    run.items_skipped += skipped
    run.items_failed += failed
    run.invoiced_amount = Decimal(run.invoiced_amount) + amount  # type: ignore[assignment]
    run.last_progress_at = now
    # The run row is locked and its counters move with its items, so they say what is left
    # (during a retry they cover every item from the start: ask the items instead).
    if (
        not await _has_pending(connection, run_id)
        if retrying
        else run.items_invoiced + run.items_skipped + run.items_failed >= run.items_total
    ):
        run.status = final_status(run.items_invoiced, run.items_failed)
        run.completed_at = now
    await run.save()
    return school_id, count


async def _has_pending(connection: BaseDBAsyncClient, run_id: int) -> bool:
    rows = await fetch(
        connection,
        "SELECT 1 FROM billing_run_item"
        f" WHERE run_id = $1 AND status = {literal(ItemStatus.PENDING)} LIMIT 1",
        [run_id],
    )
    return bool(rows)


async def _insert_lines(connection: BaseDBAsyncClient, run: BillingRun, chunk: int) -> None:
    """Each new invoice of the chunk gets the lines its student was frozen with at confirm
    (those of the student priced alike that confirm froze them as)."""
    await execute(
        connection,
        f"""INSERT INTO invoice_line
            (invoice_id, fee_item_id, kind, discount_id, position, description, amount)
        SELECT i.id, l.fee_item_id, l.kind, l.discount_id, l.position, l.description, l.amount
        FROM billing_run_item it
        JOIN invoice i ON i.student_id = it.student_id AND i.fee_structure_id = $3
                      AND i.term_id = $4 AND i.status <> {literal(InvoiceStatus.CANCELLED)}
        -- `+ 0` keeps the planner from reading `l.run_id = $1` into this: with no
        -- statistics on the fresh lines it would then rescan all the run's lines for every
        -- item; as a join on both columns, it looks each item's lines up (or hashes them).
        JOIN billing_run_line l ON l.run_id = it.run_id + 0 AND l.student_id = it.priced_as
        WHERE it.run_id = $1 AND it.chunk = $2 AND it.status = {literal(ItemStatus.PENDING)}""",
        [run.id, chunk, run.fee_structure_id, run.term_id],
    )
