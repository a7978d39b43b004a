"""Creating, changing and deleting DRAFT billing runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from domain import audit
from domain.access import Caller, get_school, get_visible
from domain.errors import DomainError, ErrorCode, Problems
from domain.models import (
    BillingRun,
    BillingRunScopeStudent,
    FeeStructure,
    Grade,
    PreviewLine,
    Role,
    RunStatus,
    SchoolClass,
    ScopeKind,
    Stream,
    Student,
    Term,
)
from domain.updates import KEEP, Update
from domain.validation import check_date_range, clean_text

M = TypeVar("M", bound=Model)
T = TypeVar("T")

#: Most students a MANUAL scope may name (late enrolments, not whole schools).
MAX_MANUAL_STUDENTS = 5000


@dataclass(frozen=True)
class ScopeSpec:
    """Which students a run covers; ids are already decoded (None: not given or not ours)."""

    kind: ScopeKind
    grade_id: int | None = None
    stream_id: int | None = None
    class_id: int | None = None
    student_ids: list[int | None] | None = None


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


async def _same_school(
    caller: Caller, model: type[M], pk: int | None, school_id: int, what: str, *path: str
) -> M:
    """A referenced object: NOT_FOUND when invisible, MISMATCHED_SCHOOL when of another school."""
    obj: Any = await get_visible(caller, model, pk, what, path)
    if obj.school_id != school_id:
        raise DomainError(
            ErrorCode.MISMATCHED_SCHOOL, f"The {what.lower()} belongs to another school.", path
        )
    return obj  # type: ignore[no-any-return]


@dataclass
class ResolvedScope:
    kind: ScopeKind
    grade: Grade | None = None
    stream: Stream | None = None
    school_class: SchoolClass | None = None
    student_ids: list[int] = field(default_factory=list)

    def label(self) -> str:
        if self.grade is not None:
            return self.grade.name
        if self.stream is not None:
            return f"{self.stream.name} stream"
        if self.school_class is not None:
            return self.school_class.name
        if self.kind == ScopeKind.MANUAL:
            n = len(self.student_ids)
            return f"{n} selected student{'s' if n != 1 else ''}"
        return "All students"


async def resolve_scope(caller: Caller, spec: ScopeSpec, school_id: int) -> ResolvedScope:
    """Check a scope's references against the run's school."""
    base = ("scope",)
    kind = spec.kind
    if kind == ScopeKind.GRADE:
        if spec.grade_id is None:
            raise DomainError(
                ErrorCode.INVALID_INPUT, "A GRADE scope needs a grade.", [*base, "gradeId"]
            )
        grade = await _same_school(
            caller, Grade, spec.grade_id, school_id, "Grade", *base, "gradeId"
        )
        return ResolvedScope(kind, grade=grade)
    if kind == ScopeKind.STREAM:
        if spec.stream_id is None:
            raise DomainError(
                ErrorCode.INVALID_INPUT, "A STREAM scope needs a stream.", [*base, "streamId"]
            )
        stream = await _same_school(
            caller, Stream, spec.stream_id, school_id, "Stream", *base, "streamId"
        )
        return ResolvedScope(kind, stream=stream)
    if kind == ScopeKind.SCHOOL_CLASS:
        if spec.class_id is None:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                "A SCHOOL_CLASS scope needs a class.",
                [*base, "schoolClassId"],
            )
        klass = await _same_school(
            caller, SchoolClass, spec.class_id, school_id, "Class", *base, "schoolClassId"
        )
        return ResolvedScope(kind, school_class=klass)
    if kind == ScopeKind.MANUAL:
        ids = spec.student_ids or []
        if not ids:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                "A MANUAL scope needs at least one student.",
                [*base, "studentIds"],
            )
        if len(ids) > MAX_MANUAL_STUDENTS:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                f"A MANUAL scope may name at most {MAX_MANUAL_STUDENTS} students.",
                [*base, "studentIds"],
            )
        return ResolvedScope(
            kind, student_ids=await check_students(caller, ids, school_id, [*base, "studentIds"])
        )
    return ResolvedScope(kind)


async def check_students(
    caller: Caller, ids: list[int | None], school_id: int, path: list[str]
) -> list[int]:
    """Distinct student ids, each visible and of the school (errors name the list index)."""
    wanted = {i for i in ids if i is not None}
    rows = await Student.filter(id__in=list(wanted), school_id__in=list(caller.school_ids)).values(
        "id", "school_id"
    )
    found = {r["id"]: r["school_id"] for r in rows}
    problems = Problems()
    for index, pk in enumerate(ids):
        if pk is None or pk not in found:
            problems.add(ErrorCode.NOT_FOUND, "Student not found.", *path, str(index))
        elif found[pk] != school_id:
            problems.add(
                ErrorCode.MISMATCHED_SCHOOL,
                "The student belongs to another school.",
                *path,
                str(index),
            )
    problems.raise_if_any()
    return sorted(wanted)


def run_name(term: Term, fee: FeeStructure, scope: ResolvedScope) -> str:
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
    term = await _same_school(caller, Term, term_id, school.id, "Term", "termId")
    fee = await _same_school(
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
            scope_kind=resolved.kind,
            scope_grade_id=resolved.grade.id if resolved.grade else None,
            scope_stream_id=resolved.stream.id if resolved.stream else None,
            scope_class_id=resolved.school_class.id if resolved.school_class else None,
            invoice_date=invoice_date,
            due_date=due_date,
            status=RunStatus.DRAFT,
            created_by_id=caller.user_id,
        )
        await _store_manual_students(run, resolved)
        await audit.record(caller, audit.AuditAction.CREATED_RUN, run, school_id=school.id)
    return run


async def _store_manual_students(run: BillingRun, resolved: ResolvedScope) -> None:
    await BillingRunScopeStudent.filter(run_id=run.id).delete()
    if resolved.student_ids:
        await BillingRunScopeStudent.bulk_create(
            [BillingRunScopeStudent(run_id=run.id, student_id=s) for s in resolved.student_ids],
            batch_size=1000,
        )


async def get_run(
    caller: Caller, run_id: int | None, path: tuple[str, ...] = ("billingRunId",)
) -> BillingRun:
    """A run the caller may see (NOT_FOUND otherwise)."""
    return await get_visible(caller, BillingRun, run_id, "Billing run", path)


def require_draft(run: BillingRun, action: str) -> None:
    if run.status != RunStatus.DRAFT:
        raise DomainError(
            ErrorCode.INVALID_STATE, f"Only a DRAFT run can be {action}; this one is {run.status}."
        )


async def lock_run(run_id: int) -> BillingRun:
    """The run row, locked until the transaction ends (PostgreSQL; SQLite serialises writers).

    A run deleted since the caller read it (a confirm racing a delete) is NOT_FOUND.
    """
    run = await BillingRun.select_for_update().get_or_none(pk=run_id)
    if run is None:
        raise DomainError(ErrorCode.NOT_FOUND, "Billing run not found.")
    return run


async def drop_preview(run: BillingRun) -> None:
    await PreviewLine.filter(run_id=run.id).delete()
    run.preview_generated_at = None
    run.preview_invoice_count = run.preview_already_invoiced = 0
    run.preview_inactive = run.preview_manual = 0
    run.preview_total = 0  # type: ignore[assignment]


async def update_billing_run(caller: Caller, run_id: int | None, changes: RunChanges) -> BillingRun:
    """Change a DRAFT run; its preview is dropped (the hand-picked exclusions stay)."""
    run = await get_run(caller, run_id)
    caller.require(Role.FINANCE, run.school_id)
    require_draft(run, "changed")
    term = await _same_school(
        caller, Term, _kept(changes.term_id, run.term_id), run.school_id, "Term", "termId"
    )
    fee = await _same_school(
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
            locked.scope_kind = resolved.kind
            locked.scope_grade_id = resolved.grade.id if resolved.grade else None
            locked.scope_stream_id = resolved.stream.id if resolved.stream else None
            locked.scope_class_id = resolved.school_class.id if resolved.school_class else None
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
