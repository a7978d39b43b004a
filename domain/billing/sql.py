"""Set-based SQL shared by preview, confirm and generation, for PostgreSQL and SQLite.

The hot paths (a preview or a run over 100,000 students) never build ORM objects per
student: building one costs about 20 µs and a row-at-a-time insert about 2 ms, where
one INSERT ... SELECT writes the same rows at the database's own speed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.billing.scope import RunScope
from domain.db import is_postgres, sql
from domain.models import (
    BillingRun,
    InvoiceStatus,
    StudentStatus,
)
from domain.models.billing import ExclusionReason


def cents(expr: str) -> str:
    """An amount column as whole cents: exact on both databases (SQLite stores text)."""
    return f"CAST(ROUND(({expr}) * 100) AS BIGINT)"


def amount_from_cents(connection: BaseDBAsyncClient, expr: str) -> str:
    """Whole cents back to a NUMERIC(12,2) value (PostgreSQL) or canonical text (SQLite)."""
    if is_postgres(connection):
        return f"CAST(({expr}) AS NUMERIC(14, 2)) / 100"
    return f"printf('%.2f', ({expr}) / 100.0)"


def for_update(connection: BaseDBAsyncClient) -> str:
    """Row locks on PostgreSQL; SQLite serialises whole write transactions instead."""
    return " FOR UPDATE" if is_postgres(connection) else ""


def invoice_number(connection: BaseDBAsyncClient, prefix_param: str, n_expr: str) -> str:
    """INV-<year>-<6 digits>; numbers past 999,999 keep all their digits."""
    if is_postgres(connection):
        return (
            f"{prefix_param} || CASE WHEN ({n_expr}) < 1000000 "
            f"THEN lpad(CAST(({n_expr}) AS TEXT), 6, '0') ELSE CAST(({n_expr}) AS TEXT) END"
        )
    return f"{prefix_param} || printf('%06d', {n_expr})"


def literal(value: StrEnum) -> str:
    """An enum value as an SQL string literal: the Python enum stays the one spelling."""
    return f"'{value.value}'"


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


def selection_cte(run: BillingRun) -> str:
    """Every student in the run's scope, priced, with the reason (if any) not to bill them.

    Reasons in order of precedence: ALREADY_INVOICED, INACTIVE, MANUAL_OVERRIDE. The
    preview stores this; confirm freezes its TO_BILL rows; generation re-checks it.
    Parameters: $1 run, $2 school, $3 term, $4 fee structure, $5 scope reference (or NULL).
    """
    return f"""
    WITH {grade_prices_cte()},
    selection AS (
        SELECT s.id AS student_id, s.status AS student_status,
               s.last_name, s.first_name, s.admission_number,
               COALESCE(gp.cents, 0) AS cents,
               i.id AS existing_invoice_id, i.number AS existing_number,
               CASE
                 WHEN i.id IS NOT NULL THEN {literal(ExclusionReason.ALREADY_INVOICED)}
                 WHEN s.status <> {literal(StudentStatus.ACTIVE)} THEN {literal(ExclusionReason.INACTIVE)}
                 WHEN e.id IS NOT NULL THEN {literal(ExclusionReason.MANUAL_OVERRIDE)}
               END AS reason
        FROM student s
        LEFT JOIN school_class c ON c.id = s.school_class_id
        LEFT JOIN grade_prices gp ON gp.grade_key = COALESCE(c.grade_id, 0)
        LEFT JOIN invoice i
               ON i.student_id = s.id AND i.fee_structure_id = $4 AND i.term_id = $3
              AND i.status <> {literal(InvoiceStatus.CANCELLED)}
        LEFT JOIN billing_run_exclusion e ON e.run_id = $1 AND e.student_id = s.id
        WHERE s.school_id = $2 AND ({RunScope.of(run).predicate()})
    )"""


def selection_params(run: BillingRun) -> list[Any]:
    """The parameters of `selection_cte`, in its order."""
    scope = RunScope.of(run)
    return [run.id, run.school_id, run.term_id, run.fee_structure_id, scope.ref_id]


async def fetch(
    connection: BaseDBAsyncClient, text: str, params: list[Any]
) -> list[dict[str, Any]]:
    return await connection.execute_query_dict(sql(connection, text), params)


async def execute(connection: BaseDBAsyncClient, text: str, params: list[Any]) -> int:
    """Run a statement; the number of rows it changed (UPDATE/DELETE only)."""
    count, _ = await connection.execute_query(sql(connection, text), params)
    return count
