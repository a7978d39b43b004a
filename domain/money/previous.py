"""`Invoice.previousBalance`: what the student owed on everything older when it was created."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.billing.sql import amount_from_cents, cents


def previous_balance(connection: BaseDBAsyncClient, student: str) -> str:
    """What the student `student` (an SQL expression) owes before a new invoice: opening
    balance and invoices, less live payments (of a family payment, the part allocated to
    the student) and credit notes. Generation writes it with each invoice of a chunk, in
    the INSERT itself (an UPDATE afterwards rewrote every fresh invoice row and its index
    entries); each sum is an index lookup by student, in cents so that SQLite (which keeps
    decimals as text) sums exactly. Runs under the school's lock."""
    owed = f"""
        COALESCE((SELECT {cents("ob.amount")} FROM opening_balance ob
                  WHERE ob.student_id = {student}), 0)
      + COALESCE((SELECT SUM({cents("o.total")}) FROM invoice o
                  WHERE o.student_id = {student}), 0)
      - COALESCE((SELECT SUM({cents("p.amount")}) FROM payment p
                  WHERE p.student_id = {student} AND p.reversed_at IS NULL), 0)
      - COALESCE((SELECT SUM({cents("fa.amount")}) FROM payment_allocation fa
                  JOIN payment fp ON fp.id = fa.payment_id
                  WHERE fa.student_id = {student} AND fp.family_id IS NOT NULL), 0)
      - COALESCE((SELECT SUM({cents("c.amount")}) FROM credit_note c
                  WHERE c.student_id = {student}), 0)"""
    return amount_from_cents(connection, owed)
