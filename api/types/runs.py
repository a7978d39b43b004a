"""Billing runs as clients see them: scope, progress, failures, invoices (preview: previews)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.context import Info
from api.types.common import AfterArg, Connection, FirstArg, Money, Node, linked, linked_required
from api.types.enums import serve_enum
from api.types.fees import load_fee_structure
from api.types.previews import BillingRunPreview
from api.types.school import (
    Grade,
    SchoolClass,
    Stream,
    load_school,
    load_term,
    owner_school,
    school_money,
)
from api.types.students import Student, load_student
from api.types.users import User
from domain import models
from domain.models.notifications import RunNotices

if TYPE_CHECKING:
    from api.types.invoices import Invoice

# The domain's enums, exposed under the contract's names (serve_enum registers the class itself).
BillingRunStatus = models.RunStatus
BillingScopeKind = models.ScopeKind
serve_enum(
    BillingRunStatus,
    "BillingRunStatus",
    "DRAFT -> PROCESSING -> COMPLETED, PARTIALLY_COMPLETED or FAILED.",
    {
        "DRAFT": "Created; can be changed, previewed, confirmed or deleted.",
        "PROCESSING": "Confirmed; invoices are being generated.",
        "COMPLETED": "Every student was invoiced or found already invoiced.",
        "PARTIALLY_COMPLETED": "Some students could not be invoiced (see failures); retry possible.",
        "FAILED": "No invoice could be created (see failures); retry possible.",
    },
)
serve_enum(
    BillingScopeKind,
    "BillingScopeKind",
    "Which students a run covers.",
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


@strawberry.type(description="How far the sending of a run's invoices has come.")
class NoticeProgress:
    total: int = strawberry.field(description="Invoices to notify.")
    sent: int = strawberry.field(description="Invoices whose notice reached a guardian.")
    failed: int = strawberry.field(
        description="Invoices whose every tried channel failed (asking again retries them)."
    )
    no_contact: int = strawberry.field(
        description="Invoices whose student has no guardian e-mail or phone for the channels asked."
    )
    finished: bool = strawberry.field(description="Every invoice has been tried.")

    @classmethod
    def of(cls, row: RunNotices) -> NoticeProgress:
        return cls(
            total=row.total,
            sent=row.sent,
            failed=row.failed,
            no_contact=row.no_contact,
            finished=row.finished_at is not None,
        )


@strawberry.type(description="The students a run covers.")
class BillingScope:
    kind: BillingScopeKind = strawberry.field(
        description="All, a grade, a stream, a class or hand-picked."
    )
    model: strawberry.Private[models.BillingRun]

    @strawberry.field(description="The grade of a GRADE scope.")
    async def grade(self, info: Info) -> Grade | None:
        return await linked(info, models.Grade, Grade, self.model.scope_grade_id)

    @strawberry.field(description="The stream of a STREAM scope (all classes of that stream).")
    async def stream(self, info: Info) -> Stream | None:
        return await linked(info, models.Stream, Stream, self.model.scope_stream_id)

    @strawberry.field(description="The class of a SCHOOL_CLASS scope.")
    async def school_class(self, info: Info) -> SchoolClass | None:
        return await linked(info, models.SchoolClass, SchoolClass, self.model.scope_class_id)

    @strawberry.field(
        description="The hand-picked students of a MANUAL scope; empty for the other kinds."
    )
    async def students(self, info: Info) -> list[Student]:
        if self.kind != models.ScopeKind.MANUAL:
            return []
        ids = await models.BillingRunScopeStudent.filter(run_id=self.model.id).values_list(
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

    @classmethod
    def of(cls, m: models.BillingRun) -> BillingRunProgress:
        processed = m.items_invoiced + m.items_skipped + m.items_failed
        return cls(
            total=m.items_total,
            processed=processed,
            invoiced=m.items_invoiced,
            skipped=m.items_skipped,
            failed=m.items_failed,
            percent=round(100.0 * processed / m.items_total, 1) if m.items_total else 0.0,
        )


@strawberry.type(description="One student the run could not invoice.")
class BillingRunFailure:
    message: str = strawberry.field(description="Why, for a person.")
    occurred_at: datetime = strawberry.field(description="When the student's turn came.")
    model: strawberry.Private[models.BillingRunItem]

    @strawberry.field(description="The student.")
    async def student(self, info: Info) -> Student:
        return await load_student(info, self.model.student_id)


@strawberry.type(description="A term's billing of a fee structure to a scope of students.")
class BillingRun(Node):
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

    school = owner_school("The school billing.")
    term = strawberry.field(resolver=load_term, description="The term billed for.")
    fee_structure = strawberry.field(
        resolver=load_fee_structure, description="The fee structure billed."
    )

    @strawberry.field(description="The students the run covers.")
    def scope(self) -> BillingScope:
        return BillingScope(kind=self.model.scope_kind, model=self.model)

    @strawberry.field(description="Invoices this run created.")
    def students_billed(self) -> int:
        return self.model.items_invoiced

    @strawberry.field(description="Sum of the invoices this run created.")
    async def total_amount(self, info: Info) -> Money:
        return await school_money(info, self.model.invoiced_amount, self.model.school_id)

    @strawberry.field(description="Paid so far on the run's live invoices.")
    async def collected_amount(self, info: Info) -> Money:
        from api.types.school import school_money
        from domain.money.receivables import run_money

        collected, _ = await run_money(self.model.id)
        return await school_money(info, collected, self.model.school_id)

    @strawberry.field(description="Still owed on the run's live invoices.")
    async def outstanding_amount(self, info: Info) -> Money:
        from api.types.school import school_money
        from domain.money.receivables import run_money

        _, outstanding = await run_money(self.model.id)
        return await school_money(info, outstanding, self.model.school_id)

    @strawberry.field(description="Who created the run.")
    async def created_by(self, info: Info) -> User:
        return await linked_required(info, models.User, User, self.model.created_by_id)

    @strawberry.field(description="Who confirmed the run.")
    async def confirmed_by(self, info: Info) -> User | None:
        return await linked(info, models.User, User, self.model.confirmed_by_id)

    @strawberry.field(description="How far generation has come.")
    def progress(self) -> BillingRunProgress:
        return BillingRunProgress.of(self.model)

    @strawberry.field(description="The latest preview; null until previewBillingRun has run.")
    async def preview(self, info: Info) -> BillingRunPreview | None:
        if self.model.preview_generated_at is None:
            return None
        school = await load_school(info, self.model.school_id)
        return BillingRunPreview.of(self.model, school.currency)

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
            BillingRunFailure(message=r.message or "", occurred_at=r.processed_at, model=r)
            for r in rows
            if r.processed_at is not None
        ]

    @strawberry.field(
        description="Sending of the run's invoices by sendBillingRunInvoices; null until asked."
    )
    async def notices(self) -> NoticeProgress | None:
        row = await RunNotices.get_or_none(run_id=self.model.id)
        return NoticeProgress.of(row) if row is not None else None

    @strawberry.field(description="Invoices this run created, by number.")
    async def invoices(
        self, first: FirstArg = None, after: AfterArg = None
    ) -> Connection[Annotated[Invoice, strawberry.lazy("api.types.invoices")]]:
        from api.types.invoices import invoice_connection

        qs = models.Invoice.filter(billing_run_id=self.model.id).order_by("number")
        return await invoice_connection(qs, first, after)
