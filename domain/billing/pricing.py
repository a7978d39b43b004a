"""The pricing engine: every student of a run priced, set-based, in whole cents.

One WITH clause computes, for every student in the run's scope, whether they are billed
and the lines of their invoice (charges, then discounts; rules in `pricing_rules`).
Preview stores its result, confirm freezes it with the run's items, and generation copies
the frozen lines; nothing else prices.

Students priced alike are priced once. A student's lines follow from their grade,
category, subscribed items and discounts granted (in the order they apply), nothing
else: that is their *profile*. The engine keys every student by profile, prices one
student per profile (a few hundred, where the school has 100,000 students), and points
every student at that one (`priced_as`). A school of 100,000 with 7 lines each is
~1,000 priced students and ~7,000 lines, not 700,000: lines are stored and frozen per
profile, and totals are sums over profiles times their students.

Whole cents (BIGINT) keep PostgreSQL and SQLite exact and equal: SQLite holds NUMERIC as
text or floats, and integer arithmetic is the same on both. Every SUM is cast back to
BIGINT because PostgreSQL sums BIGINTs as NUMERIC, whose division is not integer division.
"""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.billing.pricing_rules import CHARGES, LINES, discounts
from domain.billing.scope import RunScope
from domain.billing.sql import amount_from_cents, execute, literal
from domain.db import is_postgres
from domain.models import BillingRun, InvoiceStatus, StudentStatus
from domain.models.billing import ExclusionReason


def _students(run: BillingRun, only: str | None) -> str:
    """Students in scope and the reason, decided before pricing, not to bill them."""
    restrict = f" AND s.id IN ({only})" if only else ""
    return f"""
    scoped AS MATERIALIZED (
        SELECT s.id AS student_id, s.last_name, s.first_name, s.admission_number,
               c.grade_id, s.fee_category_id, i.id AS existing_invoice_id,
               CASE
                 WHEN i.id IS NOT NULL THEN {literal(ExclusionReason.ALREADY_INVOICED)}
                 WHEN s.status <> {literal(StudentStatus.ACTIVE)}
                   THEN {literal(ExclusionReason.INACTIVE)}
                 WHEN e.id IS NOT NULL THEN {literal(ExclusionReason.MANUAL_OVERRIDE)}
               END AS reason
        FROM student s
        LEFT JOIN school_class c ON c.id = s.school_class_id
        LEFT JOIN invoice i
               ON i.student_id = s.id AND i.fee_structure_id = $4 AND i.term_id = $3
              AND i.status <> {literal(InvoiceStatus.CANCELLED)}
        LEFT JOIN billing_run_exclusion e ON e.run_id = $1 AND e.student_id = s.id
        WHERE s.school_id = $2 AND ({RunScope.of(run).predicate()}){restrict}
    )"""


def _covers_term(alias: str) -> str:
    """A (from_term, until_term) pair of `alias` covers the run's term: two lookups in the
    small `begun`/`unended` sets, hashed once, not a subquery per subscription and grant."""
    return f"""{alias}.from_term_id IN (SELECT id FROM begun)
        AND ({alias}.until_term_id IS NULL OR {alias}.until_term_id IN (SELECT id FROM unended))"""


def _joined(connection: BaseDBAsyncClient, text: str) -> str:
    """The values `text` of a group as one string, in the order the rows come (both
    databases keep a sorted subquery's order; another order would only split a profile in
    two, never merge two)."""
    if is_postgres(connection):
        return f"string_agg({text}, ',')"
    return f"group_concat({text}, ',')"


def _grants(connection: BaseDBAsyncClient) -> str:
    binary = ' COLLATE "C"' if is_postgres(connection) else ""
    return f"""
    items AS MATERIALIZED (
        SELECT fi.id, fi.name, fi.position, fi.kind, fi.amount
        FROM fee_item fi WHERE fi.fee_structure_id = $4
    ),
    subscribed AS MATERIALIZED (
        SELECT DISTINCT fs.student_id, fs.fee_item_id
        FROM fee_subscription fs JOIN items it ON it.id = fs.fee_item_id
        WHERE {_covers_term("fs")}
    ),
    siblings AS MATERIALIZED (
        SELECT s.id AS student_id,
               ROW_NUMBER() OVER (
                   PARTITION BY s.family_id
                   ORDER BY CASE WHEN g.level IS NULL THEN 1 ELSE 0 END, g.level DESC,
                            s.admission_number{binary}, s.id) AS position
        FROM student s
        LEFT JOIN school_class c ON c.id = s.school_class_id
        LEFT JOIN grade g ON g.id = c.grade_id
        WHERE s.school_id = $2 AND s.family_id IS NOT NULL
          AND s.status = {literal(StudentStatus.ACTIVE)}
    ),
    sibling_discounts AS MATERIALIZED (
        -- A handful of rows, read once: the join by position has no equality, so it loops
        -- over them for every sibling, and should not scan the discount table each time.
        SELECT id, sibling_position FROM discount
        WHERE school_id = $2 AND sibling_position IS NOT NULL
    ),
    grants AS MATERIALIZED (
        SELECT sd.student_id, sd.discount_id, 0 AS source, sd.id AS seq
        FROM student_discount sd
        WHERE {_covers_term("sd")}
        UNION ALL
        SELECT sb.student_id, d.id, 1, d.sibling_position
        FROM siblings sb JOIN sibling_discounts d ON sb.position >= d.sibling_position
    )"""


def _profiles(connection: BaseDBAsyncClient) -> str:
    """Every student's profile, and one student priced per profile (`priced`)."""
    # A profile: grade, category, then the items subscribed and the discounts granted, in
    # one sorted list. A grant's rank is its place in the order discounts apply (source,
    # then seq): the same discounts in another order take off different amounts.
    return f"""
    parts AS (
        SELECT student_id, 0 AS kind, fee_item_id AS ord, CAST(fee_item_id AS TEXT) AS part
        FROM subscribed
        UNION ALL
        SELECT student_id, 1, rank, CAST(discount_id AS TEXT) || '@' || CAST(rank AS TEXT)
        FROM (SELECT student_id, discount_id,
                     ROW_NUMBER() OVER (PARTITION BY student_id
                                        ORDER BY source, seq, discount_id) AS rank
              FROM grants) AS g
    ),
    profiles AS MATERIALIZED (
        SELECT sc.student_id,
               CAST(COALESCE(sc.grade_id, 0) AS TEXT) || ':'
               || CAST(COALESCE(sc.fee_category_id, 0) AS TEXT) || ':'
               || COALESCE(k.k, '') AS profile
        FROM scoped sc
        LEFT JOIN (SELECT student_id, {_joined(connection, "part")} AS k
                   FROM (SELECT student_id, part FROM parts
                         ORDER BY student_id, kind, ord) AS o
                   GROUP BY student_id) AS k ON k.student_id = sc.student_id
    ),
    reps AS MATERIALIZED (
        SELECT profile, MIN(student_id) AS priced_as FROM profiles GROUP BY profile
    ),
    priced AS MATERIALIZED (
        SELECT sc.student_id, sc.grade_id, sc.fee_category_id
        FROM scoped sc JOIN reps r ON r.priced_as = sc.student_id
    )"""


_ELIGIBILITY = f"""
    totals AS (
        SELECT student_id,
               CAST(SUM(CASE WHEN part = 0 THEN cents ELSE 0 END) AS BIGINT) AS gross,
               CAST(SUM(CASE WHEN part = 1 THEN -cents ELSE 0 END) AS BIGINT) AS discount
        FROM lines GROUP BY student_id
    ),
    eligibility AS (
        SELECT sc.student_id, sc.last_name, sc.first_name, sc.admission_number,
               sc.existing_invoice_id, r.priced_as,
               COALESCE(t.gross, 0) AS gross, COALESCE(t.discount, 0) AS discount,
               COALESCE(sc.reason, CASE WHEN COALESCE(t.gross, 0) = 0
                                        THEN {literal(ExclusionReason.NO_CHARGES)} END) AS reason
        FROM scoped sc
        JOIN profiles p ON p.student_id = sc.student_id
        JOIN reps r ON r.profile = p.profile
        LEFT JOIN totals t ON t.student_id = r.priced_as
    )"""


def priced_students(
    connection: BaseDBAsyncClient, run: BillingRun, *, only: str | None = None
) -> str:
    """A WITH clause ending in `lines` and `eligibility`.

    `eligibility`: one row per student in scope with gross and discount cents, the reason
    not to bill (ALREADY_INVOICED, INACTIVE, MANUAL_OVERRIDE, then NO_CHARGES; NULL for
    students to bill) and `priced_as`, the student whose lines are theirs. `lines`: the
    lines of those students only, in cents, ordered by (student_id, part, sort1, sort2).
    `only`, a query of student ids, restricts the scope to those students.
    Parameters: `pricing_params(run)`.
    """
    return f"""WITH
    run_term AS MATERIALIZED (SELECT start_date FROM term WHERE id = $3),
    begun AS MATERIALIZED (
        SELECT t.id FROM term t JOIN run_term rt ON t.start_date <= rt.start_date),
    unended AS MATERIALIZED (
        SELECT t.id FROM term t JOIN run_term rt ON t.start_date >= rt.start_date),
    {_students(run, only)},
    {_grants(connection)},
    {_profiles(connection)},
    {CHARGES},
    {discounts()},
    {LINES},
    {_ELIGIBILITY}
    """


#: The position of a line on its student's invoice, for an INSERT ... SELECT FROM lines.
_LINE_POSITION = "ROW_NUMBER() OVER (PARTITION BY student_id ORDER BY part, sort1, sort2)"


async def write_priced(
    connection: BaseDBAsyncClient, run: BillingRun, *, students: str, table: str, lines_to: str
) -> None:
    """Price the run once and write it: `students`, an INSERT INTO `table` (with run_id
    and priced_as columns) ... SELECT ... FROM eligibility, then into `lines_to` (a table
    of `PricedLine`s) the lines of the students priced as someone `students` wrote."""
    params = pricing_params(run)
    lines = f"""INSERT INTO {lines_to}
        (run_id, student_id, position, kind, fee_item_id, discount_id, description, amount)
    SELECT $1, student_id, {_LINE_POSITION}, kind, fee_item_id, discount_id, description,
           {amount_from_cents(connection, "cents")}
    FROM lines"""
    if is_postgres(connection):
        # One statement: both writes read one snapshot, so the lines always add up to the
        # students' amounts, even while a bursar edits a discount (READ COMMITTED takes a
        # new snapshot per statement).
        await execute(
            connection,
            f"""{priced_students(connection, run)},
            written AS ({students} RETURNING priced_as)
            {lines} WHERE student_id IN (SELECT priced_as FROM written)""",
            params,
        )
        return
    # SQLite has no INSERT in WITH; its write transaction keeps others out between the two.
    await execute(connection, f"{priced_students(connection, run)} {students}", params)
    only = f"SELECT priced_as FROM {table} WHERE run_id = $1"
    await execute(connection, f"{priced_students(connection, run, only=only)} {lines}", params)


async def batch_settings(connection: BaseDBAsyncClient) -> None:
    """For the pricing's transaction only, on PostgreSQL: sorts and hashes in memory, no
    JIT for a one-off statement, and no nested loops.

    The pricing reads whole scopes: every join in it is right as a hash or merge join, and
    a nested loop is only ever chosen when the planner believes a side tiny, which it does
    of rows written moments ago (a fresh import has no statistics: 24.6 s instead of
    under 1 s at 100,000 students). Ruling nested loops out makes the plan's shape the same
    whatever the statistics say; the joins that have no equality (terms by date, sibling
    positions) keep theirs, over a handful of rows.
    """
    if is_postgres(connection):
        await connection.execute_script(BATCH_SETTINGS)


#: `batch_settings` as one script (PostgreSQL).
BATCH_SETTINGS = "SET LOCAL work_mem = '64MB'; SET LOCAL jit = off; SET LOCAL enable_nestloop = off"


def pricing_params(run: BillingRun) -> list[Any]:
    """$1 run, $2 school, $3 term, $4 fee structure, $5 scope reference (or NULL)."""
    scope = RunScope.of(run)
    return [run.id, run.school_id, run.term_id, run.fee_structure_id, scope.ref_id]
