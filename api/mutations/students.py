"""Mutations that enrol and change students."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.ids import decode_id, decode_ref
from api.mutations.base import changed, changed_id, mutation, outcome, outcomes, payload
from api.types.common import optional, unset
from api.types.students import Student, StudentStatus
from domain import students


@strawberry.input(description="One student to enrol.")
class StudentInput:
    admission_number: str = strawberry.field(description="Unique within the school.")
    first_name: str = strawberry.field(description="Given name.")
    last_name: str = strawberry.field(description="Family name.")
    school_class_id: strawberry.ID | None = optional(
        "A class of the same school; none bills the default amounts."
    )
    status: StudentStatus | None = strawberry.field(
        default=StudentStatus.ACTIVE, description="ACTIVE unless given."
    )
    guardian_name: str | None = optional("Who receives the invoices.")
    guardian_email: str | None = optional("Where invoices are e-mailed.")
    guardian_phone: str | None = optional(
        "Where invoice SMS go: a number valid in the school's country (0712 345 678 at a "
        "Kenyan school) or with its country code; stored in E.164."
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
    students: list[Student] = outcomes("The students, in the order given; empty on errors.")


@strawberry.input(
    description="Changes to a student. A field left out stays as it is; null clears the "
    "class and guardian fields, and leaves the names and status as they are."
)
class UpdateStudentInput:
    student_id: strawberry.ID = strawberry.field(description="The student to change.")
    status: StudentStatus | None = unset("New status.")
    school_class_id: strawberry.ID | None = unset("New class of the same school; null: no class.")
    first_name: str | None = unset("Given name.")
    last_name: str | None = unset("Family name.")
    guardian_name: str | None = unset("Who receives the invoices; null clears.")
    guardian_email: str | None = unset("Where invoices are e-mailed; null clears.")
    guardian_phone: str | None = unset(
        "Where invoice SMS go, read as for createStudents and stored in E.164; null clears."
    )


@payload(description="The student changed, or why not.")
class StudentPayload:
    student: Student | None = outcome("The student; null on errors.")


@strawberry.type
class StudentMutation:
    @mutation(
        "Enrols up to 1,000 students in a school (FINANCE); all or none.",
        input="The students to enrol.",
    )
    async def create_students(
        self, info: Info, input: CreateStudentsInput
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

    @mutation(
        "Changes a student's status, class, names or guardian (FINANCE).",
        input="The student and the changes.",
    )
    async def update_student(self, info: Info, input: UpdateStudentInput) -> StudentPayload:
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
