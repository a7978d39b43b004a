"""Invoices as clients see them: lines, payments, balance, overdue, and their lists."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.dataloader import DataLoader
from tortoise.queryset import QuerySet

from api.context import Info
from api.documents import share_url
from api.types.common import (
    Connection,
    Money,
    Node,
    linked,
    linked_required,
    money,
    optional,
    paginate,
)
from api.types.deliveries import InvoiceDelivery
from api.types.enums import serve_enum
from api.types.fees import FeeItem, load_fee_structure
from api.types.money import CreditNote, PaymentAllocation
from api.types.payments import Payment
from api.types.prefetch import later, load_all, ready, selects
from api.types.pricing import Discount, InvoiceLineKind, fee_item_of
from api.types.school import (
    load_school,
    load_term,
    owner_school,
    school_money,
    school_money_now,
)
from api.types.students import Student
from domain import models
from domain.invoice_search import balance_of, is_overdue
from domain.models.notifications import InvoiceDelivery as DeliveryModel

if TYPE_CHECKING:
    from api.types.reminders import ReminderDelivery
    from api.types.runs import BillingRun

# The domain's enum, exposed under the contract's name (serve_enum registers the class itself).
InvoiceStatus = models.InvoiceStatus
serve_enum(
    InvoiceStatus,
    "InvoiceStatus",
    "ISSUED -> SENT -> PARTIALLY_PAID -> PAID; CANCELLED ends it (no longer live).",
    {
        "ISSUED": "Created; not yet sent to the guardian.",
        "SENT": "Sent to the guardian; nothing paid yet.",
        "PARTIALLY_PAID": "Some of the total is paid.",
        "PAID": "Paid in full.",
        "CANCELLED": "Cancelled; no longer live, so the student can be billed again.",
    },
)


@strawberry.type(description="One line of an invoice: a fee item charged or a discount.")
class InvoiceLine:
    description: str = strawberry.field(description="The fee item's or the discount's name.")
    amount: Money = strawberry.field(
        description="What the item costs this student; negative for a discount."
    )
    kind: InvoiceLineKind = strawberry.field(description="CHARGE or DISCOUNT.")
    fee_item_pk: strawberry.Private[int | None]
    discount_pk: strawberry.Private[int | None]

    @classmethod
    def of(cls, row: Any, currency: str) -> InvoiceLine:
        """An invoice line, a preview charge or a frozen run line."""
        return cls(
            description=row.description,
            amount=money(row.amount, currency),
            kind=row.kind,
            fee_item_pk=row.fee_item_id,
            discount_pk=row.discount_id,
        )

    @strawberry.field(description="The fee item charged (CHARGE lines).")
    async def fee_item(self, info: Info) -> FeeItem | None:
        return await fee_item_of(info, self.fee_item_pk)

    @strawberry.field(description="The discount granted (DISCOUNT lines).")
    async def discount(self, info: Info) -> Discount | None:
        return await linked(info, models.Discount, Discount, self.discount_pk)


@strawberry.type(description="What one student owes for one fee structure and term.")
class Invoice(Node):
    number: str = strawberry.field(description="Unique within the school, e.g. INV-2026-000042.")
    invoice_date: date = strawberry.field(description="Date printed on the invoice.")
    due_date: date = strawberry.field(description="When payment falls due.")
    status: InvoiceStatus = strawberry.field(description="Where the invoice is in its life.")
    created_at: datetime = strawberry.field(description="When the invoice was created.")
    sent_at: datetime | None = strawberry.field(description="When it was first sent.")
    cancelled_at: datetime | None = strawberry.field(description="When it was cancelled.")
    cancellation_reason: str | None = strawberry.field(description="Why it was cancelled.")
    model: strawberry.Private[models.Invoice]

    school = owner_school("The school that issued it.")

    @strawberry.field(
        description="A link to the invoice's PDF that needs no token, for a guardian's SMS or "
        "e-mail; valid for 60 days."
    )
    def share_url(self, info: Info) -> str:
        return share_url(info.context.request, self.model.id)

    @strawberry.field(description="The reminders sent (or tried) for this invoice, by stage.")
    async def reminders(
        self,
    ) -> list[Annotated[ReminderDelivery, strawberry.lazy("api.types.reminders")]]:
        from api.types.reminders import ReminderDelivery
        from domain.models.reminders import ReminderDelivery as Row

        rows = await Row.filter(invoice_id=self.model.id).order_by("stage", "channel")
        return [ReminderDelivery.of(r) for r in rows]

    @strawberry.field(description="The student billed.")
    def student(self, info: Info) -> Student:
        pk = self.model.student_id
        loaded = ready(info.context.loaders.by_id(models.Student), pk)
        if loaded is not None and (row := loaded.result()) is not None:
            return Student.of(row)
        return later(linked_required(info, models.Student, Student, pk))

    term = strawberry.field(resolver=load_term, description="The term billed for.")
    fee_structure = strawberry.field(
        resolver=load_fee_structure, description="The fee structure billed."
    )

    @strawberry.field(description="The run that created it; null for an invoice made by hand.")
    async def billing_run(
        self, info: Info
    ) -> Annotated[BillingRun, strawberry.lazy("api.types.runs")] | None:
        from api.types.runs import BillingRun

        return await linked(info, models.BillingRun, BillingRun, self.model.billing_run_id)

    @strawberry.field(description="Unpaid money remains after the due date (judged in UTC).")
    def is_overdue(self) -> bool:
        return is_overdue(self.model)

    @strawberry.field(description="The fee items billed, in order.")
    def lines(self, info: Info) -> list[InvoiceLine]:
        rows = ready(_lines(info), self.model.id)
        school = ready(info.context.loaders.by_id(models.School), self.model.school_id)
        if rows is not None and school is not None and (loaded := school.result()) is not None:
            return _invoice_lines(rows.result(), loaded.currency)
        return later(self._lines_later(info))

    async def _lines_later(self, info: Info) -> list[InvoiceLine]:
        rows = await _lines(info).load(self.model.id)
        return _invoice_lines(rows, (await load_school(info, self.model.school_id)).currency)

    @strawberry.field(
        description="The charges before discounts; total is this less discountAmount."
    )
    async def gross_amount(self, info: Info) -> Money:
        gross = Decimal(self.model.total) + await self._discount(info)
        return await school_money(info, gross, self.model.school_id)

    @strawberry.field(description="What the invoice's discounts take off (a positive amount).")
    async def discount_amount(self, info: Info) -> Money:
        return await school_money(info, await self._discount(info), self.model.school_id)

    async def _discount(self, info: Info) -> Decimal:
        rows = await info.context.loaders.children(
            models.InvoiceLine, "invoice_id", "position"
        ).load(self.model.id)
        return -sum(
            (Decimal(r.amount) for r in rows if r.kind == models.LineKind.DISCOUNT), Decimal(0)
        )

    @strawberry.field(description="The sum of the lines.")
    def total(self, info: Info) -> Money:
        return school_money_now(info, self.model.total, self.model.school_id)

    @strawberry.field(description="The sum of the allocations to this invoice.")
    def amount_paid(self, info: Info) -> Money:
        return school_money_now(info, self.model.amount_paid, self.model.school_id)

    @strawberry.field(
        description="Sum of the invoice's credit notes; balance is total less amountPaid less this."
    )
    def credited_amount(self, info: Info) -> Money:
        return school_money_now(info, self.model.credited_amount, self.model.school_id)

    @strawberry.field(
        description="What the student owed on older invoices when this one was issued (shown on "
        "the document, not part of total)."
    )
    def previous_balance(self, info: Info) -> Money:
        return school_money_now(info, self.model.previous_balance, self.model.school_id)

    @strawberry.field(
        description="Every part of a payment that went to this invoice; amountPaid is their sum."
    )
    async def allocations(self, info: Info) -> list[PaymentAllocation]:
        rows = await info.context.loaders.children(
            models.PaymentAllocation, "invoice_id", "id"
        ).load(self.model.id)
        return [PaymentAllocation(model=r) for r in rows]

    @strawberry.field(description="The credit notes against this invoice, in number order.")
    async def credit_notes(self, info: Info) -> list[CreditNote]:
        rows = await info.context.loaders.children(models.CreditNote, "invoice_id", "id").load(
            self.model.id
        )
        return [CreditNote.of(r) for r in rows]

    @strawberry.field(description="What is still owed: total less amount paid less credited.")
    def balance(self, info: Info) -> Money:
        return school_money_now(info, balance_of(self.model), self.model.school_id)

    @strawberry.field(
        description="Every payment with an allocation to this invoice, in the order they were paid."
    )
    async def payments(self, info: Info) -> list[Payment]:
        parts = await info.context.loaders.children(
            models.PaymentAllocation, "invoice_id", "id"
        ).load(self.model.id)
        ids = list(dict.fromkeys(p.payment_id for p in parts if p.payment_id is not None))
        rows = await info.context.loaders.by_id(models.Payment).load_many(ids)
        found = sorted((r for r in rows if r is not None), key=lambda r: (r.paid_on, r.id))
        return [Payment.of(r) for r in found]

    @strawberry.field(
        description="The guardian notices of sendInvoices, one per channel (EMAIL, SMS)."
    )
    async def deliveries(self, info: Info) -> list[InvoiceDelivery]:
        rows = await info.context.loaders.children(DeliveryModel, "invoice_id", "channel").load(
            self.model.id
        )
        return [InvoiceDelivery.of(r) for r in rows]


#: The invoice fields that need the school (its currency) loaded to answer at once.
MONEY_FIELDS = ("total", "amountPaid", "creditedAmount", "previousBalance", "balance", "lines")


def _lines(info: Info) -> DataLoader[int, list[models.InvoiceLine]]:
    return info.context.loaders.children(models.InvoiceLine, "invoice_id", "position")


def _invoice_lines(rows: list[models.InvoiceLine], currency: str) -> list[InvoiceLine]:
    return [InvoiceLine.of(r, currency) for r in rows]


async def prefetch_invoices(info: Info, page: Connection[Invoice]) -> None:
    """Load what the page's invoices select of their school, students, classes and lines, in
    the batches their fields would send, so that those fields answer without awaiting."""
    rows = [edge.node.model for edge in page.edges]
    if not rows:
        return
    loaders = info.context.loaders
    node = ("edges", "node")
    if any(selects(info, *node, f) for f in MONEY_FIELDS):
        await load_all(loaders.by_id(models.School), (r.school_id for r in rows))
    if selects(info, *node, "lines"):
        await load_all(_lines(info), (r.id for r in rows))
    if selects(info, *node, "student"):
        students = await load_all(loaders.by_id(models.Student), (r.student_id for r in rows))
        if selects(info, *node, "student", "schoolClass"):
            classes = (s.school_class_id for s in students if s and s.school_class_id)
            await load_all(loaders.by_id(models.SchoolClass), classes)


@strawberry.input(description="Narrows a list of invoices; every given criterion must hold.")
class InvoiceFilter:
    billing_run_id: strawberry.ID | None = optional("Only invoices this run created.")
    term_id: strawberry.ID | None = optional("Only this term.")
    fee_structure_id: strawberry.ID | None = optional("Only this fee structure.")
    student_id: strawberry.ID | None = optional("Only this student.")
    grade_id: strawberry.ID | None = optional("Only students now in a class of this grade.")
    school_class_id: strawberry.ID | None = optional("Only students now in this class.")
    statuses: list[InvoiceStatus] | None = optional("Only these statuses.")
    overdue: bool | None = optional("true: only overdue invoices; false: only those not overdue.")
    search: str | None = optional(
        "Matches invoice number, admission number or student name, case-insensitive; "
        "every word must match."
    )


async def invoice_connection(
    qs: QuerySet[models.Invoice], first: int | None, after: str | None
) -> Connection[Invoice]:
    """A page of invoices (in the queryset's order) with the filtered total."""
    result: Connection[Any] = await paginate(qs, first, after, Invoice.of)
    return result
