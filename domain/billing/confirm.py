"""Confirming a run: DRAFT -> PROCESSING exactly once, with the students to bill frozen."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial

from tortoise.transactions import in_transaction

from domain import audit
from domain.access import Caller
from domain.billing.pricing import batch_settings, write_priced
from domain.billing.rows import get_run, lock_run
from domain.billing.sql import amount_from_cents, cents, fetch, literal
from domain.errors import DomainError, ErrorCode, Problems
from domain.events import run_events
from domain.models import BillingRun, ItemStatus, Role, RunStatus
from domain.settings import get_settings
from domain.validation import clean_amount

#: Called after commit with (run id, chunk numbers) to enqueue the generation.
EnqueueChunks = Callable[[int, list[int]], Awaitable[None]]


async def confirm_billing_run(
    caller: Caller,
    run_id: int | None,
    *,
    dispatch: EnqueueChunks,
    expected_invoice_count: int | None = None,
    expected_total: Decimal | None = None,
) -> BillingRun:
    """Start generation once; confirming a confirmed run returns it unchanged, without error."""
    run = await get_run(caller, run_id)
    caller.require(Role.FINANCE, run.school_id)
    if run.status != RunStatus.DRAFT:
        return run
    problems = Problems()
    if expected_invoice_count is not None and expected_invoice_count < 0:
        problems.add(
            ErrorCode.INVALID_INPUT, "The count may not be negative.", "expectedInvoiceCount"
        )
    if expected_total is not None:
        expected_total = clean_amount(problems, expected_total, "expectedTotalAmount")
    problems.raise_if_any()

    chunk_size = get_settings().billing_chunk_size
    async with in_transaction() as connection:
        locked = await lock_run(run.id)
        if locked.status != RunStatus.DRAFT:
            return locked  # another confirm won the race; it alone enqueues
        if locked.preview_generated_at is None:
            raise DomainError(ErrorCode.PREVIEW_REQUIRED, "Preview the run before confirming it.")
        # Freeze exactly what a fresh preview bills now, numbered into chunks by student id,
        # with the lines of each profile billed: generation copies them and never prices
        # again. Priced afresh, not copied from the stored preview, so that PREVIEW_STALE
        # sees every change since (priced once per profile, this costs what a preview does).
        await batch_settings(connection)
        money = partial(amount_from_cents, connection)
        await write_priced(
            connection,
            locked,
            students=f"""INSERT INTO billing_run_item
                (run_id, chunk, student_id, priced_as, status, amount)
            SELECT $1, (ROW_NUMBER() OVER (ORDER BY student_id) - 1) / {int(chunk_size)},
                   student_id, priced_as, {literal(ItemStatus.PENDING)}, {money("gross - discount")}
            FROM eligibility WHERE reason IS NULL""",
            table="billing_run_item",
            lines_to="billing_run_line",
        )
        totals = await fetch(
            connection,
            f"""SELECT COUNT(*) AS n, COALESCE(SUM({cents("amount")}), 0) AS cents
            FROM billing_run_item WHERE run_id = $1""",
            [run.id],
        )
        count = int(totals[0]["n"])
        total = Decimal(int(totals[0]["cents"])) / 100
        if count == 0:
            raise DomainError(ErrorCode.NOTHING_TO_BILL, "No student in scope would be billed.")
        stale = (expected_invoice_count is not None and expected_invoice_count != count) or (
            expected_total is not None and expected_total != total
        )
        if stale:
            raise DomainError(
                ErrorCode.PREVIEW_STALE,
                f"A fresh preview bills {count} students for {total:.2f}; "
                "preview again and confirm what it shows.",
            )
        now = datetime.now(UTC)
        chunks = math.ceil(count / chunk_size)
        won = await BillingRun.filter(id=run.id, status=RunStatus.DRAFT).update(
            status=RunStatus.PROCESSING,
            confirmed_by_id=caller.user_id,
            confirmed_at=now,
            items_total=count,
            chunk_count=chunks,
            last_progress_at=now,
        )
        if not won:
            raise DomainError(ErrorCode.INVALID_STATE, "The run was confirmed meanwhile.")
        await audit.record(caller, audit.AuditAction.CONFIRMED_RUN, locked, school_id=run.school_id)
    # Committed: tell subscribers now, or a run generated faster than they re-read would go
    # from DRAFT to COMPLETED before their eyes without ever showing PROCESSING.
    await run_events().publish(run.id)
    await dispatch(run.id, list(range(chunks)))
    return await BillingRun.get(pk=run.id)


__all__ = ["EnqueueChunks", "confirm_billing_run"]
