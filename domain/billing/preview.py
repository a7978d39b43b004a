"""Previewing a run: every student in scope, priced, to bill or excluded and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from tortoise.transactions import in_transaction

from domain import audit
from domain.access import Caller
from domain.billing.rows import check_students, get_run, lock_run, require_draft
from domain.billing.scope import MAX_MANUAL_STUDENTS
from domain.billing.sql import (
    amount_from_cents,
    cents,
    execute,
    fetch,
    literal,
    selection_cte,
    selection_params,
)
from domain.errors import DomainError, ErrorCode
from domain.models import (
    BillingRun,
    BillingRunExclusion,
    PreviewLine,
    Role,
)
from domain.models.billing import ExclusionReason, PreviewStatus

#: A due date closer than this to the invoice date draws a warning.
MIN_PAYMENT_DAYS = 14


@dataclass(frozen=True)
class Warning:
    code: str
    message: str


def warnings(run: BillingRun) -> list[Warning]:
    """What the bursar should look at before confirming."""
    found = []
    days = (run.due_date - run.invoice_date).days
    if days < MIN_PAYMENT_DAYS:
        found.append(
            Warning(
                "DUE_DATE_TOO_SOON",
                f"The due date is {days} day{'s' if days != 1 else ''} after the invoice date; "
                f"guardians usually get at least {MIN_PAYMENT_DAYS}.",
            )
        )
    if run.preview_generated_at is not None and run.preview_invoice_count == 0:
        found.append(Warning("NOTHING_TO_BILL", "No student in scope would be billed."))
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
        await PreviewLine.filter(run_id=run.id).delete()
        to_bill = literal(PreviewStatus.TO_BILL)
        await execute(
            connection,
            f"""{selection_cte(locked)}
            INSERT INTO billing_preview_line
                (run_id, position, student_id, status, amount, exclusion_reason, existing_invoice_id)
            SELECT $1,
                   ROW_NUMBER() OVER (ORDER BY last_name, first_name, admission_number, student_id),
                   student_id,
                   CASE WHEN reason IS NULL THEN {to_bill} ELSE {literal(PreviewStatus.EXCLUDED)} END,
                   {amount_from_cents(connection, "cents")},
                   reason,
                   existing_invoice_id
            FROM selection""",
            selection_params(locked),
        )
        totals = await fetch(
            connection,
            f"""SELECT
                  SUM(CASE WHEN status = {to_bill} THEN 1 ELSE 0 END) AS to_bill,
                  SUM(CASE WHEN status = {to_bill} THEN {cents("amount")} ELSE 0 END) AS cents,
                  SUM(CASE WHEN exclusion_reason = {literal(ExclusionReason.ALREADY_INVOICED)} THEN 1 ELSE 0 END) AS invoiced,
                  SUM(CASE WHEN exclusion_reason = {literal(ExclusionReason.INACTIVE)} THEN 1 ELSE 0 END) AS inactive,
                  SUM(CASE WHEN exclusion_reason = {literal(ExclusionReason.MANUAL_OVERRIDE)} THEN 1 ELSE 0 END) AS manual
                FROM billing_preview_line WHERE run_id = $1""",
            [run.id],
        )
        row = totals[0]
        locked.preview_generated_at = datetime.now(UTC)
        locked.preview_invoice_count = int(row["to_bill"] or 0)
        locked.preview_total = Decimal(int(row["cents"] or 0)) / 100  # type: ignore[assignment]
        locked.preview_already_invoiced = int(row["invoiced"] or 0)
        locked.preview_inactive = int(row["inactive"] or 0)
        locked.preview_manual = int(row["manual"] or 0)
        await locked.save()
        await audit.record(caller, audit.AuditAction.PREVIEWED_RUN, locked, school_id=run.school_id)
    return locked


__all__ = ["MIN_PAYMENT_DAYS", "Warning", "preview_billing_run", "warnings"]
