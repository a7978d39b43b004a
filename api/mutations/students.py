"""Mutations that enrol and change students."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from api.context import Context
from api.errors import UserError, user_errors
from api.ids import decode_id
from api.refs import decode_ref
from api.types.students import Student, StudentStatus
from domain import students
from domain.errors import DomainError


@strawberry.input(description="One student to enrol.")
class StudentInput:
    admission_number: str = strawberry.field(description="Unique within the school.")
    first_name: str = strawberry.field(description="Given name.")
    last_name: str = strawberry.field(description="Family name.")
    school_class_id: strawberry.ID | None = strawberry.field(
        default=None, description="A class of the same school; none bills the default amounts."
    )
    status: StudentStatus | None = strawberry.field(
        default=StudentStatus.ACTIVE, description="ACTIVE unless given."
    )
    guardian_name: str | None = strawberry.field(
        default=None, description="Who receives the invoices."
    )
    guardian_email: str | None = strawberry.field(
        default=None, description="Where invoices are e-mailed."
    )
    guardian_phone: str | None = strawberry.field(
        default=None, description="Where invoice SMS go: digits, spaces, ( ) . - and a leading +."
    )
    fee_category_id: strawberry.ID | None = strawberry.field(
        default=None, description="A fee category of the same school (Boarder, Day scholar)."
    )
    family_id: strawberry.ID | None = strawberry.field(
        default=None, description="A family of the same school (siblings)."
    )


@strawberry.input(description="Students to enrol in one school.")
class CreateStudentsInput:
    school_id: strawberry.ID = strawberry.field(description="The school to enrol them in.")
    students: list[StudentInput] = strawberry.field(
        description="At most 1,000 a call; all are created or none."
    )


@strawberry.type(description="The students created, or why none was.")
class CreateStudentsPayload:
    students: list[Student] = strawberry.field(
        description="The students, in the order given; empty on errors."
    )
    errors: list[UserError] = strawberry.field(
        description='What the user must fix; a row\'s field reads e.g. ["input", "students", '
        '"3", "admissionNumber"].'
    )


@strawberry.input(
    description="Changes to a student. A field left out stays as it is; null clears the "
    "class and guardian fields, and leaves the names and status as they are."
)
class UpdateStudentInput:
    student_id: strawberry.ID = strawberry.field(description="The student to change.")
    status: StudentStatus | None = strawberry.field(
        default=strawberry.UNSET, description="New status."
    )
    school_class_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="New class of the same school; null: no class."
    )
    first_name: str | None = strawberry.field(default=strawberry.UNSET, description="Given name.")
    last_name: str | None = strawberry.field(default=strawberry.UNSET, description="Family name.")
    guardian_name: str | None = strawberry.field(
        default=strawberry.UNSET, description="Who receives the invoices; null clears."
    )
    guardian_email: str | None = strawberry.field(
        default=strawberry.UNSET, description="Where invoices are e-mailed; null clears."
    )
    guardian_phone: str | None = strawberry.field(
        default=strawberry.UNSET, description="Where invoice SMS go; null clears."
    )
    fee_category_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Null clears it; left out keeps it."
    )
    family_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Null clears it; left out keeps it."
    )


@strawberry.type(description="The student changed, or why not.")
class StudentPayload:
    student: Student | None = strawberry.field(description="The student; null on errors.")
    errors: list[UserError] = strawberry.field(description="What the user must fix.")


def _given(value: Any) -> Any:
    """A field of an update: KEEP when the client left it out."""
    return students.KEEP if value is strawberry.UNSET else value


def _given_ref(value: strawberry.ID | None, type_name: str) -> Any:
    """An id field of an update: KEEP when left out, None when null, else the decoded pk."""
    return students.KEEP if value is strawberry.UNSET else decode_ref(value, type_name)


@strawberry.type
class StudentMutation:
    @strawberry.mutation(
        description="Enrols up to 1,000 students in a school (FINANCE); all or none."
    )
    async def create_students(
        self,
        info: strawberry.Info[Context, None],
        input: Annotated[
            CreateStudentsInput, strawberry.argument(description="The students to enrol.")
        ],
    ) -> CreateStudentsPayload:
        rows = [
            students.NewStudent(
                admission_number=s.admission_number,
                first_name=s.first_name,
                last_name=s.last_name,
                school_class_id=decode_ref(s.school_class_id, "SchoolClass"),
                status=s.status or StudentStatus.ACTIVE,
                guardian_name=s.guardian_name,
                guardian_email=s.guardian_email,
                guardian_phone=s.guardian_phone,
                fee_category_id=decode_ref(s.fee_category_id, "FeeCategory"),
                family_id=decode_ref(s.family_id, "Family"),
            )
            for s in input.students
        ]
        try:
            created = await students.create_students(
                info.context.caller, school_id=decode_id(input.school_id, "School"), students=rows
            )
        except DomainError as e:
            return CreateStudentsPayload(students=[], errors=user_errors(e))
        return CreateStudentsPayload(students=[Student.of(s) for s in created], errors=[])

    @strawberry.mutation(
        description="Changes a student's status, class, names or guardian (FINANCE)."
    )
    async def update_student(
        self,
        info: strawberry.Info[Context, None],
        input: Annotated[
            UpdateStudentInput, strawberry.argument(description="The student and the changes.")
        ],
    ) -> StudentPayload:
        changes = students.StudentChanges(
            status=_given(input.status),
            school_class_id=_given_ref(input.school_class_id, "SchoolClass"),
            first_name=_given(input.first_name),
            last_name=_given(input.last_name),
            guardian_name=_given(input.guardian_name),
            guardian_email=_given(input.guardian_email),
            guardian_phone=_given(input.guardian_phone),
            fee_category_id=_given_ref(input.fee_category_id, "FeeCategory"),
            family_id=_given_ref(input.family_id, "Family"),
        )
        try:
            row = await students.update_student(
                info.context.caller,
                student_id=decode_id(input.student_id, "Student"),
                changes=changes,
            )
        except DomainError as e:
            return StudentPayload(student=None, errors=user_errors(e))
        return StudentPayload(student=Student.of(row), errors=[])
