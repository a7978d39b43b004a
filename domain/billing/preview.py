"""Previewing a run: every student in scope, priced, to bill or excluded and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from functools import partial

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain import audit
from domain.access import Caller
from domain.billing.pricing import batch_settings, write_priced
from domain.billing.rows import check_students, get_run, lock_run, require_draft
from domain.billing.scope import MAX_MANUAL_STUDENTS
from domain.billing.sql import amount_from_cents, cents, fetch, literal
from domain.db import conn
from domain.errors import DomainError, ErrorCode
from domain.models import (
    BillingRun,
    BillingRunExclusion,
    LineKind,
    PreviewCharge,
    PreviewLine,
    Role,
)
from domain.models.billing import ExclusionReason, PreviewStatus

#: A due date closer than this to the invoice date draws a warning.
MIN_PAYMENT_DAYS = 14


class WarningCode(StrEnum):
    """A check to make before confirming (the API serves each as described there)."""

    DUE_DATE_TOO_SOON = "DUE_DATE_TOO_SOON"
    NOTHING_TO_BILL = "NOTHING_TO_BILL"


@dataclass(frozen=True)
class Warning:
    code: WarningCode
    message: str


def warnings(run: BillingRun) -> list[Warning]:
    """What the bursar should look at before confirming."""
    found = []
    days = (run.due_date - run.invoice_date).days
    if days < MIN_PAYMENT_DAYS:
        found.append(
            Warning(
                WarningCode.DUE_DATE_TOO_SOON,
                f"The due date is {days} day{'s' if days != 1 else ''} after the invoice date; "
                f"guardians usually get at least {MIN_PAYMENT_DAYS}.",
            )
        )
    if run.preview_generated_at is not None and run.preview_invoice_count == 0:
        found.append(Warning(WarningCode.NOTHING_TO_BILL, "No student in scope would be billed."))
    return found


async def preview_billing_run(
    caller: Caller, run_id: int | None, exclude_student_ids: list[int | None] | None = None
) -> BillingRun:
    """Compute and store the preview of a DRAFT run in one set-based statement.

    `exclude_student_ids`, when given, replaces the hand-picked exclusions.
    """
    run = await get_run(caller, run_id)
    caller.require(Role.FINANCE, run.school_id)
    require_draft(run, "previewed")
    excluded = None
    if exclude_student_ids is not None and len(exclude_student_ids) > MAX_MANUAL_STUDENTS:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"Leave out at most {MAX_MANUAL_STUDENTS} students by hand.",
            ["excludeStudentIds"],
        )
    if exclude_student_ids is not None:
        excluded = await check_students(
            caller, exclude_student_ids, run.school_id, ["excludeStudentIds"]
        )
    async with in_transaction() as connection:
        locked = await lock_run(run.id)
        require_draft(locked, "previewed")
        if excluded is not None:
            await BillingRunExclusion.filter(run_id=run.id).delete()
            await BillingRunExclusion.bulk_create(
                [BillingRunExclusion(run_id=run.id, student_id=s) for s in excluded],
                batch_size=1000,
            )
        await store_preview(connection, locked)
        await audit.record(caller, audit.AuditAction.PREVIEWED_RUN, locked, school_id=run.school_id)
    return locked


async def store_preview(connection: BaseDBAsyncClient, run: BillingRun) -> None:
    """Price every student in scope; store their preview rows, the lines of each profile
    and the totals."""
    await PreviewLine.filter(run_id=run.id).delete()
    await PreviewCharge.filter(run_id=run.id).delete()
    await batch_settings(connection)
    to_bill = literal(PreviewStatus.TO_BILL)
    money = partial(amount_from_cents, connection)
    await write_priced(
        connection,
        run,
        students=f"""INSERT INTO billing_preview_line
            (run_id, position, student_id, priced_as, status, amount, gross_amount,
             discount_amount, exclusion_reason, existing_invoice_id)
        SELECT $1,
               ROW_NUMBER() OVER (ORDER BY last_name, first_name, admission_number, student_id),
               student_id, priced_as,
               CASE WHEN reason IS NULL THEN {to_bill} ELSE {literal(PreviewStatus.EXCLUDED)} END,
               {money("gross - discount")}, {money("gross")}, {money("discount")},
               reason, existing_invoice_id
        FROM eligibility""",
        table="billing_preview_line",
        lines_to="billing_preview_charge",
    )
    counts = {
        "invoiced": ExclusionReason.ALREADY_INVOICED,
        "inactive": ExclusionReason.INACTIVE,
        "manual": ExclusionReason.MANUAL_OVERRIDE,
        "no_charges": ExclusionReason.NO_CHARGES,
    }
    by_reason = ",\n".join(
        f"SUM(CASE WHEN exclusion_reason = {literal(r)} THEN 1 ELSE 0 END) AS {name}"
        for name, r in counts.items()
    )
    billed = f"CASE WHEN status = {to_bill} THEN {{}} ELSE 0 END"
    totals = await fetch(
        connection,
        f"""SELECT SUM({billed.format(1)}) AS to_bill,
                   SUM({billed.format(cents("amount"))}) AS cents,
                   SUM({billed.format(cents("gross_amount"))}) AS gross,
                   SUM({billed.format(cents("discount_amount"))}) AS discount,
                   {by_reason}
            FROM billing_preview_line WHERE run_id = $1""",
        [run.id],
    )
    row = {k: int(v or 0) for k, v in totals[0].items()}
    run.preview_generated_at = datetime.now(UTC)
    run.preview_invoice_count = row["to_bill"]
    run.preview_total = Decimal(row["cents"]) / 100  # type: ignore[assignment]
    run.preview_gross = Decimal(row["gross"]) / 100  # type: ignore[assignment]
    run.preview_discount = Decimal(row["discount"]) / 100  # type: ignore[assignment]
    run.preview_already_invoiced = row["invoiced"]
    run.preview_inactive = row["inactive"]
    run.preview_manual = row["manual"]
    run.preview_no_charges = row["no_charges"]
    await run.save()


@dataclass(frozen=True)
class PreviewTotal:
    """Per fee item or discount: billed students carrying it and the amount (positive)."""

    pk: int
    students: int
    amount: Decimal


async def preview_totals(run_id: int, kind: LineKind) -> list[PreviewTotal]:
    """Totals of the preview's CHARGE lines by fee item, or DISCOUNT lines by discount: each
    profile's lines times the billed students priced as it."""
    ref = "fee_item_id" if kind == LineKind.CHARGE else "discount_id"
    connection = conn()
    rows = await fetch(
        connection,
        f"""SELECT c.{ref} AS pk, CAST(SUM(n.students) AS BIGINT) AS students,
                   CAST(SUM({cents("c.amount")} * n.students) AS BIGINT) AS cents,
                   MIN(c.position) AS first
            FROM billing_preview_charge c
            JOIN (SELECT priced_as, COUNT(*) AS students
                  FROM billing_preview_line
                  WHERE run_id = $1 AND status = {literal(PreviewStatus.TO_BILL)}
                  GROUP BY priced_as) AS n
              ON n.priced_as = c.student_id
            WHERE c.run_id = $1 AND c.kind = {literal(kind)} AND c.{ref} IS NOT NULL
            GROUP BY c.{ref} ORDER BY MIN(c.position), c.{ref}""",
        [run_id],
    )
    return [
        PreviewTotal(int(r["pk"]), int(r["students"]), abs(Decimal(int(r["cents"]))) / 100)
        for r in rows
    ]
