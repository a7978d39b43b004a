"""What a school is owed on a day, by age past the due date and by grade (set-based SQL: a
school may hold 100,000 invoices, which are never loaded as objects)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from domain.access import Caller, get_school
from domain.billing.sql import cents
from domain.db import conn, is_postgres, sql
from domain.invoice_search import today

#: Age buckets in days past due (both ends included); the last has no end.
BUCKETS: list[tuple[str, int | None, int | None]] = [
    ("current", None, 0),
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("over-90", 91, None),
]


@dataclass(frozen=True)
class Bucket:
    label: str
    invoice_count: int
    amount: Decimal


@dataclass(frozen=True)
class GradeOwed:
    grade_id: int | None
    amount: Decimal
    student_count: int


@dataclass(frozen=True)
class Receivables:
    school_id: int
    currency: str
    as_of: date
    total: Decimal
    buckets: list[Bucket]
    by_grade: list[GradeOwed]


def _owed_cte(pg: bool) -> str:
    """Every debt still owed at the end of $2: live invoices dated by then, at their balance
    then, and opening debts (due on their as-of date).

    A balance then is today's (the invoice's paid and credited sums, the opening balance's
    settled part) with what came later added back: the allocations of payments paid after $2
    (and of opening credit dated after it) and the credit notes issued after it. For a recent
    day those are few, where summing every allocation of the school is not (100,000 invoices).
    """
    days = "($2 - o.due_date)" if pg else "CAST(julianday($2) - julianday(o.due_date) AS INTEGER)"
    return f"""
    later AS (
        SELECT a.invoice_id, a.student_id, {cents("a.amount")} AS c
        FROM payment p JOIN payment_allocation a ON a.payment_id = p.id
        WHERE p.school_id = $1 AND p.paid_on > $2
        UNION ALL
        SELECT a.invoice_id, a.student_id, {cents("a.amount")} AS c
        FROM opening_balance ob
        JOIN payment_allocation a ON a.student_id = ob.student_id AND a.payment_id IS NULL
        WHERE ob.school_id = $1 AND ob.as_of > $2
        UNION ALL
        SELECT invoice_id, student_id, {cents("amount")} AS c FROM credit_note
        WHERE school_id = $1 AND issued_on > $2
    ),
    later_invoice AS (
        SELECT invoice_id, SUM(c) AS c FROM later WHERE invoice_id IS NOT NULL
        GROUP BY invoice_id
    ),
    later_opening AS (
        SELECT student_id, SUM(c) AS c FROM later WHERE invoice_id IS NULL GROUP BY student_id
    ),
    debts AS (
        SELECT i.student_id, i.due_date,
               {cents("i.total")} - {cents("i.amount_paid")} - {cents("i.credited_amount")}
                 + COALESCE(li.c, 0) AS c
        FROM invoice i
        LEFT JOIN later_invoice li ON li.invoice_id = i.id
        WHERE i.school_id = $1 AND i.status <> 'CANCELLED' AND i.invoice_date <= $2
        UNION ALL
        SELECT ob.student_id, ob.as_of AS due_date,
               {cents("ob.amount")} - {cents("ob.allocated")} + COALESCE(lo.c, 0) AS c
        FROM opening_balance ob
        LEFT JOIN later_opening lo ON lo.student_id = ob.student_id
        WHERE ob.school_id = $1 AND {cents("ob.amount")} > 0 AND ob.as_of <= $2
    ),
    owed AS (
        SELECT o.student_id, o.c, sc.grade_id, {days} AS days
        FROM debts o
        JOIN student s ON s.id = o.student_id
        LEFT JOIN school_class sc ON sc.id = s.school_class_id
        WHERE o.c > 0
    )"""


def _bucket_case() -> str:
    parts = []
    for label, low, high in BUCKETS:
        cond = " AND ".join(
            c
            for c in (
                f"days >= {low}" if low is not None else "",
                f"days <= {high}" if high is not None else "",
            )
            if c
        )
        parts.append(f"WHEN {cond} THEN '{label}'")
    return "CASE " + " ".join(parts) + " END"


async def receivables(caller: Caller, school_id: int, as_of: date | None = None) -> Receivables:
    """Money owed to a visible school at the end of `as_of` (default today)."""
    school = await get_school(caller, school_id)
    day = as_of or today()
    connection = conn()
    pg = is_postgres(connection)
    params: list[Any] = [school.id, day if pg else day.isoformat()]
    # One statement: the debts are computed once (PostgreSQL materialises a CTE read twice).
    _, rows = await connection.execute_query(
        sql(
            connection,
            f"""WITH {_owed_cte(pg)}
            SELECT 'bucket' AS kind, {_bucket_case()} AS label, NULL AS grade_id,
                   COUNT(*) AS n, SUM(c) AS c
            FROM owed GROUP BY 2
            UNION ALL
            SELECT 'grade', NULL, grade_id, COUNT(DISTINCT student_id), SUM(c)
            FROM owed GROUP BY grade_id""",
        ),
        params,
    )
    found = {r["label"]: r for r in map(dict, rows) if r["kind"] == "bucket"}
    grade_rows = [r for r in map(dict, rows) if r["kind"] == "grade"]
    buckets = [
        Bucket(
            label,
            int(found.get(label, {}).get("n") or 0),
            _money(found.get(label, {}).get("c") or 0),
        )
        for label, _, _ in BUCKETS
    ]
    by_grade = sorted(
        (GradeOwed(r["grade_id"], _money(r["c"]), int(r["n"])) for r in grade_rows),
        key=lambda g: (g.grade_id is None, g.grade_id or 0),
    )
    total = sum((b.amount for b in buckets), Decimal("0.00"))
    return Receivables(school.id, school.currency, day, total, buckets, by_grade)


def _money(c: Any) -> Decimal:
    return (Decimal(int(c)) / 100).quantize(Decimal("0.01"))


async def run_money(run_id: int) -> tuple[Decimal, Decimal]:
    """(collected, outstanding) on a run's live invoices: paid so far, and still owed."""
    connection = conn()
    _, rows = await connection.execute_query(
        sql(
            connection,
            f"""SELECT COALESCE(SUM({cents("amount_paid")}), 0) AS paid,
                      COALESCE(SUM({cents("total - amount_paid - credited_amount")}), 0) AS owed
               FROM invoice WHERE billing_run_id = $1 AND status <> 'CANCELLED'""",
        ),
        [run_id],
    )
    row = dict(rows[0])
    return _money(row["paid"]), _money(row["owed"])
