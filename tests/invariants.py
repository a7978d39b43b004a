"""The promises the data keeps whatever happened, checked in the database: `assert_exact`.

Every tier calls it after billing (integration after driving chunks by hand, fault tests
after a fault, e2e after real processes). A fault may delay these promises, never break
them. Add a check here, once, and every tier checks it.

The SQL runs on PostgreSQL and SQLite alike: money is summed as integer cents (exact on
both; SQLite has no decimal type), and parameters are written `$n` (`?n` on SQLite).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from domain.db import conn, is_postgres
from domain.models import BillingRun

#: Seconds the whole check may take (the fault tests check 60,000 invoices at once).
CHECK_LIMIT_SECONDS = 120.0


async def assert_exact(school_id: int, run_ids: Iterable[int] = ()) -> dict[int, BillingRun]:
    """Assert every promise of the school and of each of its runs; the runs, by id."""
    async with asyncio.timeout(CHECK_LIMIT_SECONDS):
        await assert_school_exact(school_id)
        return {run_id: await assert_run_exact(run_id) for run_id in run_ids}


async def _rows(sql: str, values: list[Any]) -> list[dict[str, Any]]:
    c = conn()
    if not is_postgres(c):
        for n in range(len(values), 0, -1):
            sql = sql.replace(f"${n}", f"?{n}")
    return list(await c.execute_query_dict(sql, values))


def _cents(column: str) -> str:
    """An amount as integer cents, in SQL that is exact on PostgreSQL and SQLite."""
    return f"CAST(ROUND({column} * 100) AS BIGINT)"


async def assert_school_exact(school_id: int) -> None:
    """No student holds two live invoices for a fee structure and term; the school's numbers
    are gap-free from 1 and its counter is the last; each invoice's lines sum to its total."""
    twice = await _rows(
        """SELECT student_id, fee_structure_id, term_id, COUNT(*) AS n FROM invoice
        WHERE school_id = $1 AND status <> 'CANCELLED'
        GROUP BY student_id, fee_structure_id, term_id HAVING COUNT(*) > 1 LIMIT 5""",
        [school_id],
    )
    assert twice == [], f"students invoiced twice: {twice}"
    numbers = await _rows("SELECT number FROM invoice WHERE school_id = $1", [school_id])
    seq = sorted(int(str(r["number"]).rsplit("-", 1)[1]) for r in numbers)
    assert seq == list(range(1, len(seq) + 1)), "invoice numbers are not gap-free from 1"
    counter = await _rows("SELECT last_invoice_number FROM school WHERE id = $1", [school_id])
    assert int(counter[0]["last_invoice_number"]) == len(seq)
    unbalanced = await _rows(
        # Lines summed first: a hash join, whatever the (fresh, unanalysed) statistics say.
        f"""SELECT i.id FROM invoice i
        LEFT JOIN (SELECT invoice_id, SUM({_cents("amount")}) AS cents FROM invoice_line
                   GROUP BY invoice_id) l ON l.invoice_id = i.id
        WHERE i.school_id = $1 AND COALESCE(l.cents, 0) <> {_cents("i.total")} LIMIT 5""",
        [school_id],
    )
    assert unbalanced == [], f"invoices whose lines do not sum to the total: {unbalanced}"


async def assert_run_exact(run_id: int) -> BillingRun:
    """The run is COMPLETED with nothing pending or failed; its counters equal the count and
    sum of its invoices and of its items by status; invoiced items and invoices match one to
    one by student; a skipped item's student holds a live invoice for the fee and term."""
    run = await BillingRun.get(pk=run_id)
    assert run.status == "COMPLETED", (run_id, run.status)
    made = await _rows(
        f"""SELECT COUNT(*) AS n, COALESCE(SUM({_cents("total")}), 0) AS cents FROM invoice
        WHERE billing_run_id = $1""",
        [run_id],
    )
    assert run.items_invoiced == int(made[0]["n"]), (run.items_invoiced, made)
    assert Decimal(run.invoiced_amount) == Decimal(int(made[0]["cents"])) / 100, (
        run.invoiced_amount,
        made,
    )
    items = await _rows(
        """SELECT status, COUNT(*) AS n FROM billing_run_item WHERE run_id = $1 GROUP BY status""",
        [run_id],
    )
    by_status = {r["status"]: int(r["n"]) for r in items}
    assert by_status.get("PENDING", 0) == 0
    assert by_status.get("INVOICED", 0) == run.items_invoiced
    assert by_status.get("SKIPPED", 0) == run.items_skipped
    assert by_status.get("FAILED", 0) == run.items_failed == 0
    assert sum(by_status.values()) == run.items_total
    # Set differences, not NOT EXISTS: with statistics that do not know the fresh rows yet,
    # PostgreSQL plans those as nested loops (tens of seconds at 20,000 students).
    loose = await _rows(
        """WITH live AS (
            SELECT student_id, billing_run_id FROM invoice
            WHERE fee_structure_id = $2 AND term_id = $3 AND status <> 'CANCELLED'),
        invoiced AS (
            SELECT student_id FROM billing_run_item WHERE run_id = $1 AND status = 'INVOICED')
        SELECT
          (SELECT COUNT(*) FROM (SELECT student_id FROM invoiced
             EXCEPT SELECT student_id FROM live WHERE billing_run_id = $1) x) AS items,
          (SELECT COUNT(*) FROM (SELECT student_id FROM invoice WHERE billing_run_id = $1
             EXCEPT SELECT student_id FROM invoiced) x) AS invoices,
          (SELECT COUNT(*) FROM (SELECT student_id FROM billing_run_item
             WHERE run_id = $1 AND status = 'SKIPPED'
             EXCEPT SELECT student_id FROM live) x) AS skipped""",
        [run_id, run.fee_structure_id, run.term_id],
    )
    assert [{k: int(v) for k, v in r.items()} for r in loose] == [
        {"items": 0, "invoices": 0, "skipped": 0}
    ], loose
    return run
