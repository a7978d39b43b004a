"""The pricing engine: every student of a run priced, set-based, in whole cents.

One WITH clause computes, for every student in the run's scope, the lines of their
invoice (charges, then discounts) and whether they are billed. Preview stores its result,
confirm freezes it with the run's items, and generation copies the frozen lines; nothing
else prices. The rules (contract README, "Pricing a student"):

- an item's amount is the override for (grade, category), else the grade amount, else
  the category's, else the item's amount; MANDATORY items apply to all, OPTIONAL ones to
  students subscribed for the run's term; an item at 0 is left off;
- discounts covering the term (assigned ones, then sibling ones the student reaches) apply
  PERCENTAGE first, then FIXED_AMOUNT, each on the gross of the items it covers
  (percentages rounded half-up once, on that sum), never taking off more than is left.

Whole cents (BIGINT) keep PostgreSQL and SQLite exact and equal: SQLite holds NUMERIC as
text or floats, and integer arithmetic is the same on both. Every SUM is cast back to
BIGINT because PostgreSQL sums BIGINTs as NUMERIC, whose division is not integer division.
"""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.billing.scope import RunScope
from domain.billing.sql import cents, literal
from domain.db import is_postgres
from domain.models import (
    BillingRun,
    DiscountKind,
    FeeItemKind,
    InvoiceStatus,
    LineKind,
    StudentStatus,
)
from domain.models.billing import ExclusionReason


def _students(run: BillingRun) -> str:
    """Students in scope and the reason, decided before pricing, not to bill them."""
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
        WHERE s.school_id = $2 AND ({RunScope.of(run).predicate()})
    )"""


def _covers_term(alias: str) -> str:
    """A (from_term, until_term) pair of `alias` covers the run's term: two lookups in the
    small `begun`/`unended` sets, hashed once, not a subquery per subscription or grant."""
    return f"""{alias}.from_term_id IN (SELECT id FROM begun)
        AND ({alias}.until_term_id IS NULL OR {alias}.until_term_id IN (SELECT id FROM unended))"""


_CHARGES = f"""
    items AS MATERIALIZED (
        SELECT fi.id, fi.name, fi.position, fi.kind, fi.amount
        FROM fee_item fi WHERE fi.fee_structure_id = $4
    ),
    subscribed AS MATERIALIZED (
        SELECT DISTINCT fs.student_id, fs.fee_item_id
        FROM fee_subscription fs JOIN items it ON it.id = fs.fee_item_id
        WHERE {_covers_term("fs")}
    ),
    price_list AS MATERIALIZED (
        -- Each item's amount per (grade, category) pair present in the scope: a few rows,
        -- priced once, then joined to the students by equality (keys 0 for no grade or
        -- no category), never looked up per student and item.
        SELECT k.grade_key, k.category_key, it.id AS fee_item_id, it.position, it.name,
               it.kind, {cents("COALESCE(gc.amount, ga.amount, ca.amount, it.amount)")} AS cents
        FROM (SELECT DISTINCT grade_id, fee_category_id,
                     COALESCE(grade_id, 0) AS grade_key,
                     COALESCE(fee_category_id, 0) AS category_key
              FROM scoped) AS k
        CROSS JOIN items it
        LEFT JOIN fee_item_category_amount gc
               ON gc.fee_item_id = it.id AND gc.fee_category_id = k.fee_category_id
              AND gc.grade_id = k.grade_id
        LEFT JOIN fee_item_grade_amount ga ON ga.fee_item_id = it.id AND ga.grade_id = k.grade_id
        LEFT JOIN fee_item_category_amount ca
               ON ca.fee_item_id = it.id AND ca.fee_category_id = k.fee_category_id
              AND ca.grade_id IS NULL
    ),
    priced AS (
        SELECT sc.student_id, sc.reason, pl.fee_item_id, pl.position, pl.name, pl.cents
        FROM scoped sc
        JOIN price_list pl ON pl.grade_key = COALESCE(sc.grade_id, 0)
                          AND pl.category_key = COALESCE(sc.fee_category_id, 0)
        WHERE pl.kind = {literal(FeeItemKind.MANDATORY)}
        UNION ALL
        SELECT sc.student_id, sc.reason, pl.fee_item_id, pl.position, pl.name, pl.cents
        FROM scoped sc
        JOIN subscribed sub ON sub.student_id = sc.student_id
        JOIN price_list pl ON pl.fee_item_id = sub.fee_item_id
                          AND pl.grade_key = COALESCE(sc.grade_id, 0)
                          AND pl.category_key = COALESCE(sc.fee_category_id, 0)
        WHERE pl.kind <> {literal(FeeItemKind.MANDATORY)}
    ),
    charges AS MATERIALIZED (
        SELECT student_id, reason, fee_item_id, position, name, cents,
               CAST(SUM(cents) OVER (PARTITION BY student_id) AS BIGINT) AS gross
        FROM priced WHERE cents <> 0
    )"""


def _discounts(connection: BaseDBAsyncClient) -> str:
    binary = ' COLLATE "C"' if is_postgres(connection) else ""
    percentage = literal(DiscountKind.PERCENTAGE)
    value = cents("d.value")
    return f"""
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
    grants AS (
        SELECT sd.student_id, sd.discount_id, 0 AS source, sd.id AS seq
        FROM student_discount sd JOIN scoped sc ON sc.student_id = sd.student_id
        WHERE {_covers_term("sd")}
        UNION ALL
        SELECT sb.student_id, d.id, 1, d.sibling_position
        FROM siblings sb
        JOIN discount d ON d.school_id = $2 AND d.sibling_position IS NOT NULL
                       AND sb.position >= d.sibling_position
    ),
    discount_items AS MATERIALIZED (
        SELECT d.id AS discount_id, it.id AS fee_item_id
        FROM discount d CROSS JOIN items it
        WHERE d.school_id = $2 AND (
            NOT EXISTS (SELECT 1 FROM discount_fee_item x WHERE x.discount_id = d.id)
            OR EXISTS (SELECT 1 FROM discount_fee_item x
                       WHERE x.discount_id = d.id AND x.fee_item_id = it.id))
    ),
    covered AS (
        SELECT gr.student_id, gr.discount_id, gr.source, gr.seq,
               CAST(SUM(ch.cents) AS BIGINT) AS cents, MAX(ch.gross) AS gross,
               MAX(ch.reason) AS reason
        FROM grants gr
        JOIN discount_items di ON di.discount_id = gr.discount_id
        JOIN charges ch ON ch.student_id = gr.student_id AND ch.fee_item_id = di.fee_item_id
        GROUP BY gr.student_id, gr.discount_id, gr.source, gr.seq
    ),
    wanted AS (
        SELECT cv.student_id, cv.reason, cv.discount_id, d.name, cv.gross,
               CASE WHEN d.kind = {percentage} THEN (cv.cents * {value} + 5000) / 10000
                    WHEN {value} < cv.cents THEN {value}
                    ELSE cv.cents END AS cents,
               ROW_NUMBER() OVER (
                   PARTITION BY cv.student_id
                   ORDER BY CASE WHEN d.kind = {percentage} THEN 0 ELSE 1 END,
                            cv.source, cv.seq, cv.discount_id) AS ord
        FROM covered cv JOIN discount d ON d.id = cv.discount_id
    ),
    room AS (
        SELECT w.student_id, w.reason, w.discount_id, w.name, w.ord, w.cents AS wanted,
               w.gross - CAST(COALESCE(SUM(w.cents) OVER (
                   PARTITION BY w.student_id ORDER BY w.ord
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS BIGINT) AS room
        FROM wanted w
    ),
    discounts AS MATERIALIZED (
        SELECT student_id, reason, discount_id, name, ord,
               CASE WHEN wanted < room THEN wanted ELSE room END AS cents
        FROM room WHERE wanted > 0 AND room > 0
    )"""


_LINES = f"""
    lines AS (
        SELECT student_id, reason, 0 AS part, position AS sort1, fee_item_id AS sort2,
               {literal(LineKind.CHARGE)} AS kind, fee_item_id,
               CAST(NULL AS INTEGER) AS discount_id, name AS description, cents
        FROM charges
        UNION ALL
        SELECT student_id, reason, 1, ord, discount_id, {literal(LineKind.DISCOUNT)},
               CAST(NULL AS INTEGER), discount_id, name, -cents
        FROM discounts
    )"""


def _eligibility(lines: str) -> str:
    """One row per student in `scoped`, with the gross and discount of `lines`: a query of
    (student_id, part, cents), part 0 a charge and 1 a discount (cents negative)."""
    return f"""
    eligibility AS (
        -- One row per student from the scope and their lines, grouped rather than joined:
        -- no plan here depends on row estimates (PostgreSQL) or on automatic indexes (SQLite).
        SELECT student_id, MAX(last_name) AS last_name, MAX(first_name) AS first_name,
               MAX(admission_number) AS admission_number,
               MAX(existing_invoice_id) AS existing_invoice_id,
               CAST(SUM(gross) AS BIGINT) AS gross, CAST(SUM(discount) AS BIGINT) AS discount,
               COALESCE(MAX(reason), CASE WHEN SUM(gross) = 0
                                          THEN {literal(ExclusionReason.NO_CHARGES)} END) AS reason
        FROM (
            SELECT student_id, last_name, first_name, admission_number, existing_invoice_id,
                   reason, 0 AS gross, 0 AS discount
            FROM scoped
            UNION ALL
            SELECT student_id, NULL, NULL, NULL, NULL, NULL,
                   CASE WHEN part = 0 THEN cents ELSE 0 END,
                   CASE WHEN part = 1 THEN -cents ELSE 0 END
            FROM ({lines}) AS l
        ) AS u
        GROUP BY student_id
    )"""


def priced_students(connection: BaseDBAsyncClient, run: BillingRun) -> str:
    """A WITH clause ending in `lines` (every priced line, in cents) and `eligibility`.

    `eligibility`: one row per student in scope with gross and discount cents and the
    reason not to bill (ALREADY_INVOICED, INACTIVE, MANUAL_OVERRIDE, then NO_CHARGES),
    NULL for students to bill. `lines` orders by (student_id, part, sort1, sort2); its
    `reason` is the student's reason decided before pricing (a student with lines has
    charges, so NULL there means billed).
    Parameters: `pricing_params(run)`.
    """
    return f"""WITH
    run_term AS MATERIALIZED (SELECT start_date FROM term WHERE id = $3),
    begun AS MATERIALIZED (
        SELECT t.id FROM term t JOIN run_term rt ON t.start_date <= rt.start_date),
    unended AS MATERIALIZED (
        SELECT t.id FROM term t JOIN run_term rt ON t.start_date >= rt.start_date),
    {_students(run)},
    {_CHARGES},
    {_discounts(connection)},
    {_LINES},
    {_eligibility("SELECT student_id, part, cents FROM lines")}
    """


def stored_eligibility(run: BillingRun, stored: str) -> str:
    """A WITH clause ending in `eligibility`, as `priced_students` has it, from the lines
    already priced into `stored` (a table of the run's lines with run_id, student_id, kind
    and amount): the preview prices once, stores its lines, then sums them.
    Parameters: `pricing_params(run)`.
    """
    lines = f"""SELECT student_id,
                       CASE WHEN kind = {literal(LineKind.CHARGE)} THEN 0 ELSE 1 END AS part,
                       {cents("amount")} AS cents
                FROM {stored} WHERE run_id = $1"""
    return f"""WITH
    {_students(run)},
    {_eligibility(lines)}
    """


def pricing_params(run: BillingRun) -> list[Any]:
    """$1 run, $2 school, $3 term, $4 fee structure, $5 scope reference (or NULL)."""
    scope = RunScope.of(run)
    return [run.id, run.school_id, run.term_id, run.fee_structure_id, scope.ref_id]


#: The position of a line on its student's invoice, for an INSERT ... SELECT FROM lines.
LINE_POSITION = "ROW_NUMBER() OVER (PARTITION BY student_id ORDER BY part, sort1, sort2)"
