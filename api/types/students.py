"""Students, as the finance office sees them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, TypeAlias

import strawberry

from api.context import Context
from api.ids import encode_id
from api.types.common import AfterArg, Connection, FirstArg, Node
from api.types.enums import describe_values
from api.types.school import School, SchoolClass, load_school
from domain import models

if TYPE_CHECKING:
    from api.types.invoices import Invoice
    from api.types.pricing import Family, FeeCategory, FeeSubscription, StudentDiscount

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
    school_pk: strawberry.Private[int]
    class_pk: strawberry.Private[int | None]
    category_pk: strawberry.Private[int | None]
    family_pk: strawberry.Private[int | None]
    pk: strawberry.Private[int]

    @classmethod
    def of(cls, m: models.Student) -> Student:
        return cls(
            id=strawberry.ID(encode_id("Student", m.id)),
            admission_number=m.admission_number,
            first_name=m.first_name,
            last_name=m.last_name,
            status=m.status,
            guardian_name=m.guardian_name,
            guardian_email=m.guardian_email,
            guardian_phone=m.guardian_phone,
            school_pk=m.school_id,
            class_pk=m.school_class_id,
            category_pk=m.fee_category_id,
            family_pk=m.family_id,
            pk=m.id,
        )

    @strawberry.field(description="First and last name.")
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @strawberry.field(description="The student's school.")
    async def school(self, info: strawberry.Info[Context, None]) -> School:
        return await load_school(info, self.school_pk)

    @strawberry.field(description="The student's invoices, newest first.")
    async def invoices(
        self, first: FirstArg = None, after: AfterArg = None
    ) -> Connection[Annotated[Invoice, strawberry.lazy("api.types.invoices")]]:
        from api.types.invoices import invoice_connection

        qs = models.Invoice.filter(student_id=self.pk).order_by("-created_at", "-id")
        return await invoice_connection(qs, first, after)

    @strawberry.field(description="The student's pricing group; null when none.")
    async def fee_category(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[FeeCategory, strawberry.lazy("api.types.pricing")] | None:
        from api.types.pricing import FeeCategory

        pk = self.category_pk
        found = await info.context.loaders.by_id(models.FeeCategory).load(pk) if pk else None
        return FeeCategory.of(found) if found else None

    @strawberry.field(description="The student's family; null when none.")
    async def family(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[Family, strawberry.lazy("api.types.pricing")] | None:
        from api.types.pricing import Family

        pk = self.family_pk
        found = await info.context.loaders.by_id(models.Family).load(pk) if pk else None
        return Family.of(found) if found else None

    @strawberry.field(
        description="Optional fee items the student takes (transport, lunch), with the terms "
        "they cover."
    )
    async def fee_subscriptions(
        self, info: strawberry.Info[Context, None]
    ) -> list[Annotated[FeeSubscription, strawberry.lazy("api.types.pricing")]]:
        from api.types.pricing import FeeSubscription

        rows = await info.context.loaders.children(models.FeeSubscription, "student_id").load(
            self.pk
        )
        return [FeeSubscription.of(r) for r in rows]

    @strawberry.field(
        description="Discounts and bursaries assigned to the student (sibling discounts apply "
        "by themselves and are not listed)."
    )
    async def discounts(
        self, info: strawberry.Info[Context, None]
    ) -> list[Annotated[StudentDiscount, strawberry.lazy("api.types.pricing")]]:
        from api.types.pricing import StudentDiscount

        rows = await info.context.loaders.children(models.StudentDiscount, "student_id").load(
            self.pk
        )
        return [StudentDiscount.of(r) for r in rows]

    @strawberry.field(description="The student's class; none means the fee items' default amounts.")
    async def school_class(self, info: strawberry.Info[Context, None]) -> SchoolClass | None:
        if self.class_pk is None:
            return None
        row = await info.context.loaders.by_id(models.SchoolClass).load(self.class_pk)
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
