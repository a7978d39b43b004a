"""A run's scope: which students it covers, as one value known to every billing module."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.models import Model

from domain.access import Caller
from domain.billing.rows import check_students, same_school
from domain.errors import DomainError, ErrorCode
from domain.models import BillingRun, Grade, SchoolClass, ScopeKind, Stream

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
class _Reference:
    """What one kind of scope points at, and how each layer names it."""

    model: type[Model]
    what: str  # in messages: "Grade"
    spec_attr: str  # ScopeSpec attribute
    field: str  # GraphQL input field
    column: str  # billing_run column
    predicate: str  # SQL over student s and its class c; $5 is the reference
    label: str  # the run's generated name, from the object's name


_REFERENCES = {
    ScopeKind.GRADE: _Reference(
        Grade, "Grade", "grade_id", "gradeId", "scope_grade_id", "c.grade_id = $5", "{}"
    ),
    ScopeKind.STREAM: _Reference(
        Stream,
        "Stream",
        "stream_id",
        "streamId",
        "scope_stream_id",
        "c.stream_id = $5",
        "{} stream",
    ),
    ScopeKind.SCHOOL_CLASS: _Reference(
        SchoolClass,
        "Class",
        "class_id",
        "schoolClassId",
        "scope_class_id",
        "s.school_class_id = $5",
        "{}",
    ),
}

# $5 is referenced by every kind, so that PostgreSQL can always type it.
_NO_REFERENCE = "CAST($5 AS INTEGER) IS NULL"
_MANUAL = (
    f"{_NO_REFERENCE} AND s.id IN "
    "(SELECT ss.student_id FROM billing_run_scope_student ss WHERE ss.run_id = $1)"
)


@dataclass(frozen=True)
class RunScope:
    """A checked scope: its kind, the grade, stream or class it names, or its students."""

    kind: ScopeKind
    ref_id: int | None = None
    ref_name: str = ""
    student_ids: tuple[int, ...] = ()

    @classmethod
    def of(cls, run: BillingRun) -> RunScope:
        """The scope stored on a run (names and manual students are not loaded)."""
        kind = ScopeKind(run.scope_kind)
        ref = _REFERENCES.get(kind)
        return cls(kind, ref_id=getattr(run, ref.column) if ref else None)

    def label(self) -> str:
        ref = _REFERENCES.get(self.kind)
        if ref is not None:
            return ref.label.format(self.ref_name)
        if self.kind == ScopeKind.MANUAL:
            n = len(self.student_ids)
            return f"{n} selected student{'s' if n != 1 else ''}"
        return "All students"

    def columns(self) -> dict[str, Any]:
        """The run's scope columns: the kind and one reference, the others NULL."""
        found: dict[str, Any] = {"scope_kind": self.kind}
        for kind, ref in _REFERENCES.items():
            found[ref.column] = self.ref_id if kind == self.kind else None
        return found

    def predicate(self) -> str:
        """SQL over student `s` and its class `c`: $1 is the run, $5 the reference."""
        ref = _REFERENCES.get(self.kind)
        if ref is not None:
            return ref.predicate
        return _MANUAL if self.kind == ScopeKind.MANUAL else _NO_REFERENCE


async def resolve_scope(caller: Caller, spec: ScopeSpec, school_id: int) -> RunScope:
    """Check a scope's references against the run's school."""
    ref = _REFERENCES.get(spec.kind)
    if ref is not None:
        pk = getattr(spec, ref.spec_attr)
        if pk is None:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                f"A {spec.kind} scope needs a {ref.what.lower()}.",
                ["scope", ref.field],
            )
        obj: Any = await same_school(caller, ref.model, pk, school_id, ref.what, "scope", ref.field)
        return RunScope(spec.kind, ref_id=obj.id, ref_name=obj.name)
    if spec.kind == ScopeKind.MANUAL:
        path = ["scope", "studentIds"]
        ids = spec.student_ids or []
        if not ids:
            raise DomainError(
                ErrorCode.INVALID_INPUT, "A MANUAL scope needs at least one student.", path
            )
        if len(ids) > MAX_MANUAL_STUDENTS:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                f"A MANUAL scope may name at most {MAX_MANUAL_STUDENTS} students.",
                path,
            )
        students = await check_students(caller, ids, school_id, path)
        return RunScope(spec.kind, student_ids=tuple(students))
    return RunScope(spec.kind)
