"""Creating, changing, deleting and listing billing runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from domain import audit
from domain.access import Caller, get_school
from domain.billing.rows import drop_preview, get_run, lock_run, require_draft, same_school
from domain.billing.scope import RunScope, ScopeSpec, resolve_scope
from domain.errors import DomainError, ErrorCode, Problems
from domain.models import (
    BillingRun,
    BillingRunScopeStudent,
    FeeStructure,
    PreviewCharge,
    PreviewLine,
    Role,
    RunStatus,
    Term,
)
from domain.updates import KEEP, Update
from domain.validation import check_date_range, clean_text

T = TypeVar("T")


@dataclass(frozen=True)
class RunChanges:
    """What an update changes; KEEP (left out) or None leaves a field as it is, except that
    None clears the reference; a blank name keeps the current one."""

    term_id: Update[int] = KEEP
    fee_structure_id: Update[int] = KEEP
    scope: Update[ScopeSpec] = KEEP
    invoice_date: Update[date] = KEEP
    due_date: Update[date] = KEEP
    name: Update[str] = KEEP
    reference: Update[str] = KEEP


def _kept(value: Update[T], current: T) -> T:
    """The new value of a field that cannot be cleared: the current one unless given."""
    return current if value is KEEP or value is None else value


def run_name(term: Term, fee: FeeStructure, scope: RunScope) -> str:
    """e.g. "Term 1 2026 · Term Tuition Fee · Grade 4 East"."""
    return f"{term.name} · {fee.name} · {scope.label()}"


async def create_billing_run(
    caller: Caller,
    *,
    school_id: int | None,
    term_id: int | None,
    fee_structure_id: int | None,
    scope: ScopeSpec,
    invoice_date: date,
    due_date: date,
    name: str | None = None,
    reference: str | None = None,
) -> BillingRun:
    """FINANCE stores a DRAFT run; nothing is billed until it is previewed and confirmed."""
    school = await get_school(caller, school_id, ["schoolId"])
    caller.require(Role.FINANCE, school.id)
    term = await same_school(caller, Term, term_id, school.id, "Term", "termId")
    fee = await same_school(
        caller, FeeStructure, fee_structure_id, school.id, "Fee structure", "feeStructureId"
    )
    resolved = await resolve_scope(caller, scope, school.id)
    problems = Problems()
    check_date_range(
        problems, invoice_date, due_date, "dueDate", what="The due date is before the invoice date."
    )
    clean_name = (
        clean_text(problems, name, "name", max_length=300, required=False)
        if name is not None
        else None
    )
    if name is not None and clean_name is None and not problems:
        problems.add(ErrorCode.INVALID_INPUT, "The name may not be blank.", "name")
    clean_ref = clean_text(problems, reference, "reference", max_length=200, required=False)
    problems.raise_if_any()
    async with in_transaction():
        run = await BillingRun.create(
            school_id=school.id,
            term_id=term.id,
            fee_structure_id=fee.id,
            name=clean_name or run_name(term, fee, resolved),
            reference=clean_ref,
            **resolved.columns(),
            invoice_date=invoice_date,
            due_date=due_date,
            status=RunStatus.DRAFT,
            created_by_id=caller.user_id,
        )
        await _store_manual_students(run, resolved)
        await audit.record(caller, audit.AuditAction.CREATED_RUN, run, school_id=school.id)
    return run


async def _store_manual_students(run: BillingRun, resolved: RunScope) -> None:
    await BillingRunScopeStudent.filter(run_id=run.id).delete()
    if resolved.student_ids:
        await BillingRunScopeStudent.bulk_create(
            [BillingRunScopeStudent(run_id=run.id, student_id=s) for s in resolved.student_ids],
            batch_size=1000,
        )


async def update_billing_run(caller: Caller, run_id: int | None, changes: RunChanges) -> BillingRun:
    """Change a DRAFT run; its preview is dropped (the hand-picked exclusions stay)."""
    run = await get_run(caller, run_id)
    caller.require(Role.FINANCE, run.school_id)
    require_draft(run, "changed")
    term = await same_school(
        caller, Term, _kept(changes.term_id, run.term_id), run.school_id, "Term", "termId"
    )
    fee = await same_school(
        caller,
        FeeStructure,
        _kept(changes.fee_structure_id, run.fee_structure_id),
        run.school_id,
        "Fee structure",
        "feeStructureId",
    )
    resolved = None
    if changes.scope is not KEEP and changes.scope is not None:
        resolved = await resolve_scope(caller, changes.scope, run.school_id)
    problems = Problems()
    invoice_date = _kept(changes.invoice_date, run.invoice_date)
    due_date = _kept(changes.due_date, run.due_date)
    check_date_range(
        problems, invoice_date, due_date, "dueDate", what="The due date is before the invoice date."
    )
    new_name = None
    if changes.name is not KEEP and changes.name:
        new_name = clean_text(problems, changes.name, "name", max_length=300)
    new_ref = run.reference
    if changes.reference is not KEEP:
        new_ref = clean_text(
            problems, changes.reference, "reference", max_length=200, required=False
        )
    problems.raise_if_any()
    async with in_transaction():
        locked = await lock_run(run.id)
        require_draft(locked, "changed")
        locked.term_id = term.id
        locked.fee_structure_id = fee.id
        if resolved is not None:
            locked.update_from_dict(resolved.columns())
            await _store_manual_students(locked, resolved)
        locked.invoice_date = invoice_date
        locked.due_date = due_date
        locked.reference = new_ref
        if new_name:
            locked.name = new_name
        await drop_preview(locked)
        await locked.save()
    return locked


async def delete_billing_run(caller: Caller, run_id: int | None) -> int:
    """Delete a DRAFT run; a confirmed run keeps its history (cancel its invoices instead)."""
    run = await get_run(caller, run_id)
    caller.require(Role.FINANCE, run.school_id)
    require_draft(run, "deleted")
    async with in_transaction():
        deleted = await BillingRun.filter(id=run.id, status=RunStatus.DRAFT).delete()
        if deleted:
            # A preview's rows and lines are kept without a foreign key (bulk writes skip its
            # checks): they go with their run here.
            await PreviewLine.filter(run_id=run.id).delete()
            await PreviewCharge.filter(run_id=run.id).delete()
            await audit.record(caller, audit.AuditAction.DELETED_RUN, run, school_id=run.school_id)
    if not deleted:
        raise DomainError(
            ErrorCode.INVALID_STATE, "Only a DRAFT run can be deleted; this one was confirmed."
        )
    return run.id


async def find_runs(
    caller: Caller,
    school_id: int | None,
    *,
    statuses: list[RunStatus] | None = None,
    term_id: int | None = None,
    fee_structure_id: int | None = None,
) -> QuerySet[BillingRun]:
    """A school's runs, newest first; an empty `statuses` means all (NOT_FOUND: invisible school)."""
    school = await get_school(caller, school_id)
    qs = BillingRun.filter(school_id=school.id)
    if statuses:
        qs = qs.filter(status__in=statuses)
    if term_id is not None:
        qs = qs.filter(term_id=term_id)
    if fee_structure_id is not None:
        qs = qs.filter(fee_structure_id=fee_structure_id)
    return qs.order_by("-created_at", "-id")
