"""Billing runs as clients see them: scope, progress, preview, failures, invoices."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.context import Context
from api.ids import encode_id
from api.types.common import AfterArg, Connection, FirstArg, Money, Node, money
from api.types.enums import describe_values
from api.types.fees import FeeStructure
from api.types.preview import BillingRunPreview, BillingRunWarning, WarningCode, load_student
from api.types.school import Grade, School, SchoolClass, Stream, Term, load_school
from api.types.students import Student
from api.types.users import User
from domain import models
from domain.billing.preview import warnings as run_warnings

if TYPE_CHECKING:
    from api.types.invoices import Invoice

# The domain's enums, exposed under the contract's names (strawberry.enum marks the class).
BillingRunStatus = models.RunStatus
BillingScopeKind = models.ScopeKind
strawberry.enum(
    BillingRunStatus,
    name="BillingRunStatus",
    description="DRAFT -> PROCESSING -> COMPLETED, PARTIALLY_COMPLETED or FAILED.",
)
strawberry.enum(
    BillingScopeKind, name="BillingScopeKind", description="Which students a run covers."
)
describe_values(
    BillingRunStatus,
    {
        "DRAFT": "Created; can be changed, previewed, confirmed or deleted.",
        "PROCESSING": "Confirmed; invoices are being generated.",
        "COMPLETED": "Every student was invoiced or found already invoiced.",
        "PARTIALLY_COMPLETED": "Some students could not be invoiced (see failures); retry possible.",
        "FAILED": "No invoice could be created (see failures); retry possible.",
    },
)
describe_values(
    BillingScopeKind,
    {
        "ALL_STUDENTS": "Every student of the school.",
        "GRADE": "The students of one grade.",
        "STREAM": "The students of every class of one stream.",
        "SCHOOL_CLASS": "The students of one class.",
        "MANUAL": "Hand-picked students (e.g. late enrolments).",
    },
)
#: Most failures listed on a run; `progress.failed` counts them all.
MAX_FAILURES_LISTED = 500


@strawberry.type(description="The students a run covers.")
class BillingScope:
    kind: BillingScopeKind = strawberry.field(
        description="All, a grade, a stream, a class or hand-picked."
    )
    run_pk: strawberry.Private[int]
    grade_pk: strawberry.Private[int | None]
    stream_pk: strawberry.Private[int | None]
    class_pk: strawberry.Private[int | None]

    @strawberry.field(description="The grade of a GRADE scope.")
    async def grade(self, info: strawberry.Info[Context, None]) -> Grade | None:
        row = (
            await info.context.loaders.by_id(models.Grade).load(self.grade_pk)
            if self.grade_pk
            else None
        )
        return Grade.of(row) if row else None

    @strawberry.field(description="The stream of a STREAM scope (all classes of that stream).")
    async def stream(self, info: strawberry.Info[Context, None]) -> Stream | None:
        row = (
            await info.context.loaders.by_id(models.Stream).load(self.stream_pk)
            if self.stream_pk
            else None
        )
        return Stream.of(row) if row else None

    @strawberry.field(description="The class of a SCHOOL_CLASS scope.")
    async def school_class(self, info: strawberry.Info[Context, None]) -> SchoolClass | None:
        row = (
            await info.context.loaders.by_id(models.SchoolClass).load(self.class_pk)
            if self.class_pk
            else None
        )
        return SchoolClass.of(row) if row else None

    @strawberry.field(
        description="The hand-picked students of a MANUAL scope; empty for the other kinds."
    )
    async def students(self, info: strawberry.Info[Context, None]) -> list[Student]:
        if self.kind != models.ScopeKind.MANUAL:
            return []
        ids = await models.BillingRunScopeStudent.filter(run_id=self.run_pk).values_list(
            "student_id", flat=True
        )
        rows = await models.Student.filter(id__in=list(ids)).order_by(
            "last_name", "first_name", "id"
        )
        return [Student.of(r) for r in rows]


@strawberry.type(description="How far generation has come.")
class BillingRunProgress:
    total: int = strawberry.field(description="Students the run will try to bill.")
    processed: int = strawberry.field(
        description="Students done so far (invoiced, skipped or failed)."
    )
    invoiced: int = strawberry.field(description="Students invoiced.")
    skipped: int = strawberry.field(
        description="Students found already invoiced when their turn came."
    )
    failed: int = strawberry.field(description="Students who could not be invoiced (see failures).")
    percent: float = strawberry.field(description="processed / total, 0-100.")


@strawberry.type(description="One student the run could not invoice.")
class BillingRunFailure:
    message: str = strawberry.field(description="Why, for a person.")
    occurred_at: datetime = strawberry.field(description="When the student's turn came.")
    student_pk: strawberry.Private[int]

    @strawberry.field(description="The student.")
    async def student(self, info: strawberry.Info[Context, None]) -> Student:
        return await load_student(info, self.student_pk)


@strawberry.type(description="A term's billing of a fee structure to a scope of students.")
class BillingRun(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    name: str = strawberry.field(
        description='e.g. "Term 1 2026 · Term Tuition Fee · Grade 4 East".'
    )
    invoice_date: date = strawberry.field(description="Date printed on the invoices.")
    due_date: date = strawberry.field(description="When the invoices fall due.")
    reference: str | None = strawberry.field(description="The office's own reference.")
    status: BillingRunStatus = strawberry.field(description="Where the run is in its life.")
    created_at: datetime = strawberry.field(description="When the run was created.")
    confirmed_at: datetime | None = strawberry.field(description="When generation started.")
    completed_at: datetime | None = strawberry.field(description="When generation finished.")
    model: strawberry.Private[models.BillingRun]

    @classmethod
    def of(cls, m: models.BillingRun) -> BillingRun:
        return cls(
            id=strawberry.ID(encode_id("BillingRun", m.id)),
            name=m.name,
            invoice_date=m.invoice_date,
            due_date=m.due_date,
            reference=m.reference,
            status=m.status,
            created_at=m.created_at,
            confirmed_at=m.confirmed_at,
            completed_at=m.completed_at,
            model=m,
        )

    async def _currency(self, info: strawberry.Info[Context, None]) -> str:
        return (await load_school(info, self.model.school_id)).currency

    @strawberry.field(description="The school billing.")
    async def school(self, info: strawberry.Info[Context, None]) -> School:
        return await load_school(info, self.model.school_id)

    @strawberry.field(description="The term billed for.")
    async def term(self, info: strawberry.Info[Context, None]) -> Term:
        row = await info.context.loaders.by_id(models.Term).load(self.model.term_id)
        assert row is not None
        return Term.of(row)

    @strawberry.field(description="The fee structure billed.")
    async def fee_structure(self, info: strawberry.Info[Context, None]) -> FeeStructure:
        row = await info.context.loaders.by_id(models.FeeStructure).load(
            self.model.fee_structure_id
        )
        assert row is not None
        return FeeStructure.of(row)

    @strawberry.field(description="The students the run covers.")
    def scope(self) -> BillingScope:
        m = self.model
        return BillingScope(
            kind=m.scope_kind,
            run_pk=m.id,
            grade_pk=m.scope_grade_id,
            stream_pk=m.scope_stream_id,
            class_pk=m.scope_class_id,
        )

    @strawberry.field(description="Invoices this run created.")
    def students_billed(self) -> int:
        return self.model.items_invoiced

    @strawberry.field(description="Sum of the invoices this run created.")
    async def total_amount(self, info: strawberry.Info[Context, None]) -> Money:
        return money(self.model.invoiced_amount, await self._currency(info))

    @strawberry.field(description="Who created the run.")
    async def created_by(self, info: strawberry.Info[Context, None]) -> User:
        row = await info.context.loaders.by_id(models.User).load(self.model.created_by_id)
        assert row is not None
        return User.of(row)

    @strawberry.field(description="Who confirmed the run.")
    async def confirmed_by(self, info: strawberry.Info[Context, None]) -> User | None:
        if self.model.confirmed_by_id is None:
            return None
        row = await info.context.loaders.by_id(models.User).load(self.model.confirmed_by_id)
        return User.of(row) if row else None

    @strawberry.field(description="How far generation has come.")
    def progress(self) -> BillingRunProgress:
        m = self.model
        processed = m.items_invoiced + m.items_skipped + m.items_failed
        percent = round(100.0 * processed / m.items_total, 1) if m.items_total else 0.0
        return BillingRunProgress(
            total=m.items_total,
            processed=processed,
            invoiced=m.items_invoiced,
            skipped=m.items_skipped,
            failed=m.items_failed,
            percent=percent,
        )

    @strawberry.field(description="The latest preview; null until previewBillingRun has run.")
    async def preview(self, info: strawberry.Info[Context, None]) -> BillingRunPreview | None:
        m = self.model
        if m.preview_generated_at is None:
            return None
        currency = await self._currency(info)
        excluded = (
            m.preview_already_invoiced
            + m.preview_inactive
            + m.preview_manual
            + m.preview_no_charges
        )
        return BillingRunPreview(
            generated_at=m.preview_generated_at,
            invoice_count=m.preview_invoice_count,
            total_amount=money(m.preview_total, currency),
            excluded_count=excluded,
            already_invoiced_count=m.preview_already_invoiced,
            inactive_count=m.preview_inactive,
            manually_excluded_count=m.preview_manual,
            no_charges_count=m.preview_no_charges,
            gross_amount=money(m.preview_gross, currency),
            discount_amount=money(m.preview_discount, currency),
            warnings=[
                BillingRunWarning(code=WarningCode(w.code), message=w.message)
                for w in run_warnings(m)
            ],
            run_pk=m.id,
            currency=currency,
        )

    @strawberry.field(
        description=f"The error log: one entry per student that could not be invoiced "
        f"(the first {MAX_FAILURES_LISTED}; progress.failed counts them all)."
    )
    async def failures(self) -> list[BillingRunFailure]:
        rows = (
            await models.BillingRunItem.filter(
                run_id=self.model.id, status=models.ItemStatus.FAILED
            )
            .order_by("id")
            .limit(MAX_FAILURES_LISTED)
        )
        return [
            BillingRunFailure(
                message=r.message or "", occurred_at=r.processed_at, student_pk=r.student_id
            )
            for r in rows
            if r.processed_at is not None
        ]

    @strawberry.field(description="Invoices this run created, by number.")
    async def invoices(
        self, first: FirstArg = None, after: AfterArg = None
    ) -> Connection[Annotated[Invoice, strawberry.lazy("api.types.invoices")]]:
        from api.types.invoices import invoice_connection

        qs = models.Invoice.filter(billing_run_id=self.model.id).order_by("number")
        return await invoice_connection(qs, first, after)
