"""Students, as the finance office sees them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, TypeAlias

import strawberry

from api.context import Context
from api.types.common import AfterArg, Connection, FirstArg, Node, view
from api.types.enums import describe_values
from api.types.school import SchoolClass, load_owner_school
from domain import models

if TYPE_CHECKING:
    from api.types.invoices import Invoice

# strawberry.enum registers the domain enum itself; the alias keeps it a type for mypy.
strawberry.enum(
    models.StudentStatus, name="StudentStatus", description="Only ACTIVE students are billed."
)
StudentStatus: TypeAlias = models.StudentStatus
describe_values(
    models.StudentStatus,
    {
        "ACTIVE": "Enrolled and billed.",
        "INACTIVE": "Enrolled but not billed for now (e.g. on leave).",
        "WITHDRAWN": "Left the school; never billed again.",
        "GRADUATED": "Finished the school; never billed again.",
    },
)


@strawberry.type(description="A student of a school.")
class Student(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    admission_number: str = strawberry.field(description="Unique within the school.")
    first_name: str = strawberry.field(description="Given name.")
    last_name: str = strawberry.field(description="Family name.")
    status: StudentStatus = strawberry.field(description="Only ACTIVE students are billed.")
    guardian_name: str | None = strawberry.field(description="Who receives the invoices.")
    guardian_email: str | None = strawberry.field(description="Where invoices are e-mailed.")
    guardian_phone: str | None = strawberry.field(description="Where invoice SMS go.")
    model: strawberry.Private[models.Student]

    @classmethod
    def of(cls, m: models.Student) -> Student:
        return view(cls, m)

    @strawberry.field(description="First and last name.")
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    school = strawberry.field(resolver=load_owner_school, description="The student's school.")

    @strawberry.field(description="The student's invoices, newest first.")
    async def invoices(
        self, first: FirstArg = None, after: AfterArg = None
    ) -> Connection[Annotated[Invoice, strawberry.lazy("api.types.invoices")]]:
        from api.types.invoices import invoice_connection

        qs = models.Invoice.filter(student_id=self.model.id).order_by("-created_at", "-id")
        return await invoice_connection(qs, first, after)

    @strawberry.field(description="The student's class; none means the fee items' default amounts.")
    async def school_class(self, info: strawberry.Info[Context, None]) -> SchoolClass | None:
        if self.model.school_class_id is None:
            return None
        row = await info.context.loaders.by_id(models.SchoolClass).load(self.model.school_class_id)
        return SchoolClass.of(row) if row else None


@strawberry.input(description="Narrows a list of students.")
class StudentFilter:
    statuses: list[StudentStatus] | None = strawberry.field(
        default=None, description="Only these statuses; null or empty: all."
    )
    grade_id: strawberry.ID | None = strawberry.field(default=None, description="Only this grade.")
    stream_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only classes of this stream."
    )
    school_class_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this class."
    )
    search: str | None = strawberry.field(
        default=None, description="Matches admission number or name, case-insensitive."
    )


async def load_student(info: strawberry.Info[Context, None], pk: int) -> Student:
    """A student that a visible object (a run item, a preview line) refers to."""
    row = await info.context.loaders.by_id(models.Student).load(pk)
    assert row is not None, f"student {pk} of a visible object is missing"
    return Student.of(row)
