"""Students: enrolling them in batches, changing them, and finding them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from domain.access import Caller, get_school, get_visible
from domain.errors import DomainError, ErrorCode, Problems
from domain.locales import country_of
from domain.models import Role, School, SchoolClass, Student, StudentStatus
from domain.references import load_of_school
from domain.updates import KEEP, Update
from domain.validation import check_count, clean_email, clean_phone, clean_text

#: Most students one createStudents call enrols (all or nothing).
MAX_BATCH = 1000
#: Rows per INSERT statement: keeps each statement's parameters well within driver limits.
INSERT_BATCH = 250
#: Longest search text; longer is INVALID_INPUT.
MAX_SEARCH = 100


@dataclass(frozen=True)
class NewStudent:
    """One row of a batch as given; ids already decoded (None: not given)."""

    admission_number: str
    first_name: str
    last_name: str
    school_class_id: int | None = None
    status: StudentStatus = StudentStatus.ACTIVE
    guardian_name: str | None = None
    guardian_email: str | None = None
    guardian_phone: str | None = None


@dataclass(frozen=True)
class StudentChanges:
    """What an update changes; KEEP leaves a field alone, None clears an optional one."""

    status: Update[StudentStatus] = KEEP
    school_class_id: Update[int] = KEEP
    first_name: Update[str] = KEEP
    last_name: Update[str] = KEEP
    guardian_name: Update[str] = KEEP
    guardian_email: Update[str] = KEEP
    guardian_phone: Update[str] = KEEP


@dataclass(frozen=True)
class StudentFilter:
    """Narrows a school's students; empty or None criteria do not narrow."""

    statuses: Sequence[StudentStatus] | None = None
    grade_id: int | None = None
    stream_id: int | None = None
    school_class_id: int | None = None
    search: str | None = None


def _clean_row(problems: Problems, school: School, row: NewStudent, *at: str) -> Student | None:
    """The unsaved student of one batch row, or None with its problems recorded."""
    before = len(problems.items)
    number = clean_text(problems, row.admission_number, *at, "admissionNumber", max_length=50)
    first = clean_text(problems, row.first_name, *at, "firstName", max_length=100)
    last = clean_text(problems, row.last_name, *at, "lastName", max_length=100)
    guardian = clean_text(
        problems, row.guardian_name, *at, "guardianName", max_length=200, required=False
    )
    email = clean_email(problems, row.guardian_email, *at, "guardianEmail", required=False)
    phone = clean_phone(
        problems, row.guardian_phone, *at, "guardianPhone", country=country_of(school)
    )
    if len(problems.items) > before:
        return None
    return Student(
        school_id=school.id,
        admission_number=number,
        first_name=first,
        last_name=last,
        status=row.status,
        school_class_id=row.school_class_id,
        guardian_name=guardian,
        guardian_email=email,
        guardian_phone=phone,
    )


async def create_students(
    caller: Caller, *, school_id: int | None, students: Sequence[NewStudent]
) -> list[Student]:
    """Enrol up to 1,000 students in one school: every row is valid and created, or none is."""
    school = await get_school(caller, school_id, ["schoolId"])
    caller.require(Role.FINANCE, school.id)
    problems = Problems()
    if not check_count(
        problems, students, "students", minimum=1, maximum=MAX_BATCH, what="students"
    ):
        problems.raise_if_any()
    rows = [_clean_row(problems, school, s, "students", str(i)) for i, s in enumerate(students)]

    with_class = [i for i, s in enumerate(students) if s.school_class_id is not None]
    await load_of_school(
        caller,
        SchoolClass,
        [students[i].school_class_id for i in with_class],
        school.id,
        "Class",
        problems,
        [("students", str(i), "schoolClassId") for i in with_class],
    )

    first_row: dict[str, int] = {}
    for i, row in enumerate(rows):
        if row is None:
            continue
        number = row.admission_number
        if number in first_row:
            problems.add(
                ErrorCode.DUPLICATE,
                f"Admission number {number} is also given in row {first_row[number]}.",
                "students",
                str(i),
                "admissionNumber",
            )
        else:
            first_row[number] = i
    taken: set[str] = set()
    if first_row:
        existing = await Student.filter(
            school_id=school.id, admission_number__in=list(first_row)
        ).values_list("admission_number", flat=True)
        taken = set(cast("list[str]", existing))
    for number in sorted(taken, key=first_row.__getitem__):
        index = str(first_row[number])
        problems.add(
            ErrorCode.DUPLICATE,
            f"A student with admission number {number} exists.",
            "students",
            index,
            "admissionNumber",
        )
    problems.raise_if_any()

    new = [row for row in rows if row is not None]
    try:
        async with in_transaction():
            await Student.bulk_create(new, batch_size=INSERT_BATCH)
            created = await Student.filter(
                school_id=school.id, admission_number__in=list(first_row)
            )
    except IntegrityError as exc:  # a concurrent call took one of the numbers first
        raise DomainError(
            ErrorCode.DUPLICATE,
            "An admission number was taken meanwhile; no student was created.",
            ["students"],
        ) from exc
    by_number = {s.admission_number: s for s in created}
    return [by_number[row.admission_number] for row in new]


def _text_change(
    problems: Problems,
    value: Update[str],
    field: str,
    *,
    max_length: int,
    required: bool,
) -> Update[str]:
    """A cleaned new value; None or blank clears an optional field and keeps a required one."""
    if value is KEEP or (required and value is None):
        return KEEP
    return clean_text(problems, value, field, max_length=max_length, required=required)


async def update_student(
    caller: Caller, *, student_id: int | None, changes: StudentChanges
) -> Student:
    """Change a student's status, class, names or guardian; admission numbers stay."""
    student = await get_visible(caller, Student, student_id, "Student", ["studentId"])
    caller.require(Role.FINANCE, student.school_id)
    problems = Problems()
    values: dict[str, object] = {
        "first_name": _text_change(
            problems, changes.first_name, "firstName", max_length=100, required=True
        ),
        "last_name": _text_change(
            problems, changes.last_name, "lastName", max_length=100, required=True
        ),
        "guardian_name": _text_change(
            problems, changes.guardian_name, "guardianName", max_length=200, required=False
        ),
        "status": KEEP if changes.status is None else changes.status,
        "school_class_id": changes.school_class_id,
    }
    if changes.guardian_email is not KEEP:
        values["guardian_email"] = clean_email(
            problems, changes.guardian_email, "guardianEmail", required=False
        )
    if changes.guardian_phone is not KEEP:
        school = await School.get(id=student.school_id)
        values["guardian_phone"] = clean_phone(
            problems, changes.guardian_phone, "guardianPhone", country=country_of(school)
        )
    if changes.school_class_id not in (KEEP, None):
        await load_of_school(
            caller,
            SchoolClass,
            [changes.school_class_id],  # type: ignore[list-item]
            student.school_id,
            "Class",
            problems,
            [["schoolClassId"]],
        )
    problems.raise_if_any()
    changed = {k: v for k, v in values.items() if v is not KEEP}
    if changed:
        student.update_from_dict(changed)
        async with in_transaction():
            await student.save(update_fields=list(changed))
    return student


async def find_students(
    caller: Caller, *, school_id: int | None, criteria: StudentFilter
) -> QuerySet[Student]:
    """A school's students matching the filter, by last name, first name and id."""
    school = await get_school(caller, school_id, ["schoolId"])
    caller.require(Role.VIEWER, school.id)
    qs = Student.filter(school_id=school.id)
    if criteria.statuses:
        qs = qs.filter(status__in=list(criteria.statuses))
    if criteria.school_class_id is not None:
        qs = qs.filter(school_class_id=criteria.school_class_id)
    if criteria.grade_id is not None:
        qs = qs.filter(school_class__grade_id=criteria.grade_id)
    if criteria.stream_id is not None:
        qs = qs.filter(school_class__stream_id=criteria.stream_id)
    problems = Problems()
    search = clean_text(problems, criteria.search, "search", max_length=MAX_SEARCH, required=False)
    problems.raise_if_any()
    # Every word must match somewhere, so "jane doe" finds Jane Doe.
    for word in (search or "").split():
        qs = qs.filter(
            Q(admission_number__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
        )
    return qs.order_by("last_name", "first_name", "id")
