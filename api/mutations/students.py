"""Mutations that enrol and change students."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Context
from api.ids import decode_id, decode_ref
from api.mutations.base import changed, changed_id, mutation, payload
from api.types.students import Student, StudentStatus
from domain import students


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


@strawberry.input(description="Students to enrol in one school.")
class CreateStudentsInput:
    school_id: strawberry.ID = strawberry.field(description="The school to enrol them in.")
    students: list[StudentInput] = strawberry.field(
        description="At most 1,000 a call; all are created or none."
    )


@payload(
    description="The students created, or why none was.",
    errors='What the user must fix; a row\'s field reads e.g. ["input", "students", '
    '"3", "admissionNumber"].',
)
class CreateStudentsPayload:
    students: list[Student] = strawberry.field(
        default_factory=list, description="The students, in the order given; empty on errors."
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


@payload(description="The student changed, or why not.")
class StudentPayload:
    student: Student | None = strawberry.field(
        default=None, description="The student; null on errors."
    )


@strawberry.type
class StudentMutation:
    @mutation(description="Enrols up to 1,000 students in a school (FINANCE); all or none.")
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
            )
            for s in input.students
        ]
        created = await students.create_students(
            info.context.caller, school_id=decode_id(input.school_id, "School"), students=rows
        )
        return CreateStudentsPayload(students=[Student.of(s) for s in created])

    @mutation(description="Changes a student's status, class, names or guardian (FINANCE).")
    async def update_student(
        self,
        info: strawberry.Info[Context, None],
        input: Annotated[
            UpdateStudentInput, strawberry.argument(description="The student and the changes.")
        ],
    ) -> StudentPayload:
        changes = students.StudentChanges(
            status=changed(input.status),
            school_class_id=changed_id(input.school_class_id, "SchoolClass", decode_ref),
            first_name=changed(input.first_name),
            last_name=changed(input.last_name),
            guardian_name=changed(input.guardian_name),
            guardian_email=changed(input.guardian_email),
            guardian_phone=changed(input.guardian_phone),
        )
        row = await students.update_student(
            info.context.caller,
            student_id=decode_id(input.student_id, "Student"),
            changes=changes,
        )
        return StudentPayload(student=Student.of(row))
