"""Students, as the finance office sees them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, TypeAlias

import strawberry

from api.context import Info
from api.types.common import AfterArg, Connection, FirstArg, Node, linked, linked_required, optional
from api.types.enums import serve_enum
from api.types.prefetch import later, ready
from api.types.school import SchoolClass, owner_school
from domain import models

if TYPE_CHECKING:
    from api.types.invoices import Invoice
    from api.types.ledgers import Ledger
    from api.types.pricing import Family, FeeCategory, FeeSubscription, StudentDiscount

# serve_enum registers the domain enum itself; the alias keeps it a type for mypy.
StudentStatus: TypeAlias = models.StudentStatus
serve_enum(
    models.StudentStatus,
    "StudentStatus",
    "Only ACTIVE students are billed.",
    {
        "ACTIVE": "Enrolled and billed.",
        "INACTIVE": "Enrolled but not billed for now (e.g. on leave).",
        "WITHDRAWN": "Left the school; never billed again.",
        "GRADUATED": "Finished the school; never billed again.",
    },
)


@strawberry.type(description="A student of a school.")
class Student(Node):
    admission_number: str = strawberry.field(description="Unique within the school.")
    first_name: str = strawberry.field(description="Given name.")
    last_name: str = strawberry.field(description="Family name.")
    status: StudentStatus = strawberry.field(description="Only ACTIVE students are billed.")
    guardian_name: str | None = strawberry.field(description="Who receives the invoices.")
    guardian_email: str | None = strawberry.field(description="Where invoices are e-mailed.")
    guardian_phone: str | None = strawberry.field(
        description="Where invoice SMS go, in E.164 (+254712345678)."
    )
    model: strawberry.Private[models.Student]

    @strawberry.field(description="First and last name.")
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    school = owner_school("The student's school.")

    @strawberry.field(description="The student's invoices, newest first.")
    async def invoices(
        self, first: FirstArg = None, after: AfterArg = None
    ) -> Connection[Annotated[Invoice, strawberry.lazy("api.types.invoices")]]:
        from api.types.invoices import invoice_connection

        qs = models.Invoice.filter(student_id=self.model.id).order_by("-created_at", "-id")
        return await invoice_connection(qs, first, after)

    @strawberry.field(description="What the student owes and has paid, entry by entry.")
    async def ledger(self, info: Info) -> Annotated[Ledger, strawberry.lazy("api.types.ledgers")]:
        from api.types.ledgers import student_ledger

        return await student_ledger(info, self.model.id)

    @strawberry.field(description="The student's pricing group; null when none.")
    async def fee_category(
        self, info: Info
    ) -> Annotated[FeeCategory, strawberry.lazy("api.types.pricing")] | None:
        from api.types.pricing import FeeCategory

        return await linked(info, models.FeeCategory, FeeCategory, self.model.fee_category_id)

    @strawberry.field(description="The student's family; null when none.")
    async def family(
        self, info: Info
    ) -> Annotated[Family, strawberry.lazy("api.types.pricing")] | None:
        from api.types.pricing import Family

        return await linked(info, models.Family, Family, self.model.family_id)

    @strawberry.field(
        description="Optional fee items the student takes (transport, lunch), with the terms "
        "they cover."
    )
    async def fee_subscriptions(
        self, info: Info
    ) -> list[Annotated[FeeSubscription, strawberry.lazy("api.types.pricing")]]:
        from api.types.pricing import FeeSubscription

        loader = info.context.loaders.children(models.FeeSubscription, "student_id")
        return [FeeSubscription.of(r) for r in await loader.load(self.model.id)]

    @strawberry.field(
        description="Discounts and bursaries assigned to the student (sibling discounts apply "
        "by themselves and are not listed)."
    )
    async def discounts(
        self, info: Info
    ) -> list[Annotated[StudentDiscount, strawberry.lazy("api.types.pricing")]]:
        from api.types.pricing import StudentDiscount

        loader = info.context.loaders.children(models.StudentDiscount, "student_id")
        return [StudentDiscount.of(r) for r in await loader.load(self.model.id)]

    @strawberry.field(description="The student's class; none means the fee items' default amounts.")
    def school_class(self, info: Info) -> SchoolClass | None:
        pk = self.model.school_class_id
        if pk is None:
            return None
        loaded = ready(info.context.loaders.by_id(models.SchoolClass), pk)
        if loaded is not None:
            row = loaded.result()
            return SchoolClass.of(row) if row is not None else None
        return later(linked(info, models.SchoolClass, SchoolClass, pk))


@strawberry.input(description="Narrows a list of students.")
class StudentFilter:
    statuses: list[StudentStatus] | None = optional("Only these statuses; null or empty: all.")
    grade_id: strawberry.ID | None = optional("Only this grade.")
    stream_id: strawberry.ID | None = optional("Only classes of this stream.")
    school_class_id: strawberry.ID | None = optional("Only this class.")
    search: str | None = optional("Matches admission number or name, case-insensitive.")


async def load_student(info: Info, pk: int) -> Student:
    """A student that a visible object (a run item, a preview line) refers to."""
    return await linked_required(info, models.Student, Student, pk)
