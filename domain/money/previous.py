"""`Invoice.previousBalance`: what the student owed on everything older when it was created."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.billing.sql import amount_from_cents, cents
from domain.db import sql
from domain.money.credit_on_create import NEW, IdRange


async def set_previous_balances(connection: BaseDBAsyncClient, run_id: int, new: IdRange) -> None:
    """Stamp the new invoices of a generation chunk (ids `new`, first to last) with their students'
    balance before them: opening balance and other invoices, less live payments (of a family
    payment, the part allocated to the student) and credit notes. One set-based statement;
    each sum is an index lookup by student, in cents so that SQLite (which keeps decimals as
    text) sums exactly. Runs under the school's lock."""
    others = f"""
        COALESCE((SELECT {cents("ob.amount")} FROM opening_balance ob
                  WHERE ob.student_id = invoice.student_id), 0)
      + COALESCE((SELECT SUM({cents("o.total")}) FROM invoice o
                  WHERE o.student_id = invoice.student_id AND o.id <> invoice.id), 0)
      - COALESCE((SELECT SUM({cents("p.amount")}) FROM payment p
                  WHERE p.student_id = invoice.student_id AND p.reversed_at IS NULL), 0)
      - COALESCE((SELECT SUM({cents("fa.amount")}) FROM payment_allocation fa
                  JOIN payment fp ON fp.id = fa.payment_id
                  WHERE fa.student_id = invoice.student_id AND fp.family_id IS NOT NULL), 0)
      - COALESCE((SELECT SUM({cents("c.amount")}) FROM credit_note c
                  WHERE c.student_id = invoice.student_id), 0)"""
    await connection.execute_query(
        sql(
            connection,
            f"""UPDATE invoice SET previous_balance = {amount_from_cents(connection, others)}
            WHERE id IN {NEW}""",
        ),
        [run_id, *new],
    )
