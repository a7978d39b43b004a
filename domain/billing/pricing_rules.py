"""The pricing rules as SQL: the charges, then the discounts, of the students in `priced`.

Parts of the WITH clause `domain.billing.pricing` assembles; `priced` holds one student per
profile (see there), with grade_id and fee_category_id. The rules (contract README,
"Pricing a student"):

- an item's amount is the override for (grade, category), else the grade amount, else
  the category's, else the item's amount; MANDATORY items apply to all, OPTIONAL ones to
  students subscribed for the run's term; an item at 0 is left off;
- discounts covering the term (assigned ones, then sibling ones the student reaches) apply
  PERCENTAGE first, then FIXED_AMOUNT, each on the gross of the items it covers
  (percentages rounded half-up once, on that sum), never taking off more than is left.
"""

from __future__ import annotations

from domain.billing.sql import cents, literal
from domain.models import DiscountKind, FeeItemKind, LineKind

CHARGES = f"""
    price_list AS MATERIALIZED (
        -- Each item's amount per (grade, category) pair present: a few rows, priced once,
        -- then joined to the students by equality (keys 0 for no grade or no category),
        -- never looked up per student and item.
        SELECT k.grade_key, k.category_key, it.id AS fee_item_id, it.position, it.name,
               it.kind, {cents("COALESCE(gc.amount, ga.amount, ca.amount, it.amount)")} AS cents
        FROM (SELECT DISTINCT grade_id, fee_category_id,
                     COALESCE(grade_id, 0) AS grade_key,
                     COALESCE(fee_category_id, 0) AS category_key
              FROM priced) AS k
        CROSS JOIN items it
        LEFT JOIN fee_item_category_amount gc
               ON gc.fee_item_id = it.id AND gc.fee_category_id = k.fee_category_id
              AND gc.grade_id = k.grade_id
        LEFT JOIN fee_item_grade_amount ga ON ga.fee_item_id = it.id AND ga.grade_id = k.grade_id
        LEFT JOIN fee_item_category_amount ca
               ON ca.fee_item_id = it.id AND ca.fee_category_id = k.fee_category_id
              AND ca.grade_id IS NULL
    ),
    charged AS (
        SELECT sc.student_id, pl.fee_item_id, pl.position, pl.name, pl.cents
        FROM priced sc
        JOIN price_list pl ON pl.grade_key = COALESCE(sc.grade_id, 0)
                          AND pl.category_key = COALESCE(sc.fee_category_id, 0)
        WHERE pl.kind = {literal(FeeItemKind.MANDATORY)}
        UNION ALL
        SELECT sc.student_id, pl.fee_item_id, pl.position, pl.name, pl.cents
        FROM priced sc
        JOIN subscribed sub ON sub.student_id = sc.student_id
        JOIN price_list pl ON pl.fee_item_id = sub.fee_item_id
                          AND pl.grade_key = COALESCE(sc.grade_id, 0)
                          AND pl.category_key = COALESCE(sc.fee_category_id, 0)
        WHERE pl.kind <> {literal(FeeItemKind.MANDATORY)}
    ),
    charges AS MATERIALIZED (
        SELECT student_id, fee_item_id, position, name, cents,
               CAST(SUM(cents) OVER (PARTITION BY student_id) AS BIGINT) AS gross
        FROM charged WHERE cents <> 0
    )"""


def discounts() -> str:
    """The discount lines of `priced` from `grants` (student_id, discount_id, source, seq)."""
    percentage = literal(DiscountKind.PERCENTAGE)
    value = cents("d.value")
    return f"""
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
               CAST(SUM(ch.cents) AS BIGINT) AS cents, MAX(ch.gross) AS gross
        FROM priced p
        JOIN grants gr ON gr.student_id = p.student_id
        JOIN discount_items di ON di.discount_id = gr.discount_id
        JOIN charges ch ON ch.student_id = gr.student_id AND ch.fee_item_id = di.fee_item_id
        GROUP BY gr.student_id, gr.discount_id, gr.source, gr.seq
    ),
    wanted AS (
        SELECT cv.student_id, cv.discount_id, d.name, cv.gross,
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
        SELECT w.student_id, w.discount_id, w.name, w.ord, w.cents AS wanted,
               w.gross - CAST(COALESCE(SUM(w.cents) OVER (
                   PARTITION BY w.student_id ORDER BY w.ord
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS BIGINT) AS room
        FROM wanted w
    ),
    discounts AS MATERIALIZED (
        SELECT student_id, discount_id, name, ord,
               CASE WHEN wanted < room THEN wanted ELSE room END AS cents
        FROM room WHERE wanted > 0 AND room > 0
    )"""


LINES = f"""
    lines AS (
        SELECT student_id, 0 AS part, position AS sort1, fee_item_id AS sort2,
               {literal(LineKind.CHARGE)} AS kind, fee_item_id,
               CAST(NULL AS INTEGER) AS discount_id, name AS description, cents
        FROM charges
        UNION ALL
        SELECT student_id, 1, ord, discount_id, {literal(LineKind.DISCOUNT)},
               CAST(NULL AS INTEGER), discount_id, name, -cents
        FROM discounts
    )"""
