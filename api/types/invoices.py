"""Invoices as clients see them: lines, payments, balance, overdue, and notice deliveries."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from tortoise.queryset import QuerySet

from api.context import Context
from api.ids import encode_id
from api.types.common import Connection, Money, Node, money, paginate
from api.types.enums import describe_values
from api.types.fees import FeeItem, FeeStructure
from api.types.pricing import Discount, InvoiceLineKind, fee_item_of
from api.types.school import School, Term, load_school
from api.types.students import Student
from domain import models
from domain.invoice_search import balance_of, is_overdue
from domain.models.notifications import DeliveryChannel as DomainDeliveryChannel
from domain.models.notifications import DeliveryStatus as DomainDeliveryStatus
from domain.models.notifications import InvoiceDelivery as DeliveryModel

if TYPE_CHECKING:
    from api.types.runs import BillingRun

# The domain's enums, exposed under the contract's names (strawberry.enum marks the class).
InvoiceStatus = models.InvoiceStatus
DeliveryChannel = DomainDeliveryChannel
DeliveryStatus = DomainDeliveryStatus
strawberry.enum(
    InvoiceStatus,
    name="InvoiceStatus",
    description="ISSUED -> SENT -> PARTIALLY_PAID -> PAID; CANCELLED ends it (no longer live).",
)
strawberry.enum(DeliveryChannel, name="DeliveryChannel", description="How a guardian is notified.")
strawberry.enum(
    DeliveryStatus,
    name="DeliveryStatus",
    description="QUEUED until a worker sends it; then SENT, FAILED (see reason) or NO_CONTACT.",
)
describe_values(
    InvoiceStatus,
    {
        "ISSUED": "Created; not yet sent to the guardian.",
        "SENT": "Sent to the guardian; nothing paid yet.",
        "PARTIALLY_PAID": "Some of the total is paid.",
        "PAID": "Paid in full.",
        "CANCELLED": "Cancelled; no longer live, so the student can be billed again.",
    },
)
describe_values(
    DeliveryChannel, {"EMAIL": "E-mail over SMTP.", "SMS": "Text message via the SMS gateway."}
)
describe_values(
    DeliveryStatus,
    {
        "QUEUED": "Waiting for a worker.",
        "SENT": "Handed to the mail server or SMS gateway.",
        "FAILED": "Could not be sent; see the reason. Sending again retries it.",
        "NO_CONTACT": "The guardian has no address for this channel.",
    },
)


async def _currency(info: strawberry.Info[Context, None], school_pk: int) -> str:
    return (await load_school(info, school_pk)).currency


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
    async def fee_item(self, info: strawberry.Info[Context, None]) -> FeeItem | None:
        return await fee_item_of(info, self.fee_item_pk) if self.fee_item_pk else None

    @strawberry.field(description="The discount granted (DISCOUNT lines).")
    async def discount(self, info: strawberry.Info[Context, None]) -> Discount | None:
        if self.discount_pk is None:
            return None
        row = await info.context.loaders.by_id(models.Discount).load(self.discount_pk)
        return Discount.of(row) if row else None


@strawberry.type(description="Money received against an invoice.")
class Payment(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    paid_on: date = strawberry.field(description="The day the money was received.")
    method: str = strawberry.field(
        description="How it was paid: cash, bank transfer, mobile money, card, cheque or free text."
    )
    reference: str | None = strawberry.field(description="Receipt, transaction or cheque number.")
    recorded_at: datetime = strawberry.field(description="When the payment was recorded.")
    value: strawberry.Private[Decimal]
    school_pk: strawberry.Private[int]

    @classmethod
    def of(cls, m: models.Payment, school_pk: int) -> Payment:
        return cls(
            id=strawberry.ID(encode_id("Payment", m.id)),
            paid_on=m.paid_on,
            method=m.method,
            reference=m.reference,
            recorded_at=m.recorded_at,
            value=Decimal(m.amount),
            school_pk=school_pk,
        )

    @strawberry.field(description="The amount received.")
    async def amount(self, info: strawberry.Info[Context, None]) -> Money:
        return money(self.value, await _currency(info, self.school_pk))


@strawberry.type(description="The notice of an invoice on one channel, and how it went.")
class InvoiceDelivery:
    channel: DeliveryChannel = strawberry.field(description="E-mail or SMS.")
    status: DeliveryStatus = strawberry.field(description="Where the notice is.")
    recipient: str | None = strawberry.field(
        description="The guardian's e-mail address or phone number; null when NO_CONTACT."
    )
    reason: str | None = strawberry.field(description="Why the last attempt failed.")
    attempts: int = strawberry.field(description="How often sending was tried.")
    queued_at: datetime = strawberry.field(description="When sendInvoices queued the notice.")
    sent_at: datetime | None = strawberry.field(description="When the notice went out.")

    @classmethod
    def of(cls, m: DeliveryModel) -> InvoiceDelivery:
        return cls(
            channel=m.channel,
            status=m.status,
            recipient=m.recipient,
            reason=m.reason,
            attempts=m.attempts,
            queued_at=m.queued_at,
            sent_at=m.sent_at,
        )


@strawberry.type(description="What one student owes for one fee structure and term.")
class Invoice(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    number: str = strawberry.field(description="Unique within the school, e.g. INV-2026-000042.")
    invoice_date: date = strawberry.field(description="Date printed on the invoice.")
    due_date: date = strawberry.field(description="When payment falls due.")
    status: InvoiceStatus = strawberry.field(description="Where the invoice is in its life.")
    created_at: datetime = strawberry.field(description="When the invoice was created.")
    sent_at: datetime | None = strawberry.field(description="When it was first sent.")
    cancelled_at: datetime | None = strawberry.field(description="When it was cancelled.")
    cancellation_reason: str | None = strawberry.field(description="Why it was cancelled.")
    model: strawberry.Private[models.Invoice]

    @classmethod
    def of(cls, m: models.Invoice) -> Invoice:
        return cls(
            id=strawberry.ID(encode_id("Invoice", m.id)),
            number=m.number,
            invoice_date=m.invoice_date,
            due_date=m.due_date,
            status=m.status,
            created_at=m.created_at,
            sent_at=m.sent_at,
            cancelled_at=m.cancelled_at,
            cancellation_reason=m.cancellation_reason,
            model=m,
        )

    @strawberry.field(description="The school that issued it.")
    async def school(self, info: strawberry.Info[Context, None]) -> School:
        return await load_school(info, self.model.school_id)

    @strawberry.field(description="The student billed.")
    async def student(self, info: strawberry.Info[Context, None]) -> Student:
        row = await info.context.loaders.by_id(models.Student).load(self.model.student_id)
        assert row is not None, f"student of invoice {self.model.id} is missing"
        return Student.of(row)

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

    @strawberry.field(description="The run that created it; null for an invoice made by hand.")
    async def billing_run(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[BillingRun, strawberry.lazy("api.types.runs")] | None:
        if self.model.billing_run_id is None:
            return None
        from api.types.runs import BillingRun

        row = await info.context.loaders.by_id(models.BillingRun).load(self.model.billing_run_id)
        return BillingRun.of(row) if row else None

    @strawberry.field(description="Unpaid money remains after the due date (judged in UTC).")
    def is_overdue(self) -> bool:
        return is_overdue(self.model)

    @strawberry.field(description="The fee items billed, in order.")
    async def lines(self, info: strawberry.Info[Context, None]) -> list[InvoiceLine]:
        rows = await info.context.loaders.children(
            models.InvoiceLine, "invoice_id", "position"
        ).load(self.model.id)
        currency = await _currency(info, self.model.school_id)
        return [InvoiceLine.of(r, currency) for r in rows]

    @strawberry.field(
        description="The charges before discounts; total is this less discountAmount."
    )
    async def gross_amount(self, info: strawberry.Info[Context, None]) -> Money:
        discount = await self._discount(info)
        return money(
            Decimal(self.model.total) + discount, await _currency(info, self.model.school_id)
        )

    @strawberry.field(description="What the invoice's discounts take off (a positive amount).")
    async def discount_amount(self, info: strawberry.Info[Context, None]) -> Money:
        return money(await self._discount(info), await _currency(info, self.model.school_id))

    async def _discount(self, info: strawberry.Info[Context, None]) -> Decimal:
        rows = await info.context.loaders.children(
            models.InvoiceLine, "invoice_id", "position"
        ).load(self.model.id)
        return -sum(
            (Decimal(r.amount) for r in rows if r.kind == models.LineKind.DISCOUNT), Decimal(0)
        )

    @strawberry.field(description="The sum of the lines.")
    async def total(self, info: strawberry.Info[Context, None]) -> Money:
        return money(self.model.total, await _currency(info, self.model.school_id))

    @strawberry.field(description="The sum of the payments.")
    async def amount_paid(self, info: strawberry.Info[Context, None]) -> Money:
        return money(self.model.amount_paid, await _currency(info, self.model.school_id))

    @strawberry.field(description="What is still owed: total less amount paid.")
    async def balance(self, info: strawberry.Info[Context, None]) -> Money:
        return money(balance_of(self.model), await _currency(info, self.model.school_id))

    @strawberry.field(description="Payments received, in the order they were paid.")
    async def payments(self, info: strawberry.Info[Context, None]) -> list[Payment]:
        rows = await info.context.loaders.children(models.Payment, "invoice_id", "paid_on").load(
            self.model.id
        )
        return [Payment.of(r, self.model.school_id) for r in rows]

    @strawberry.field(
        description="The guardian notices of sendInvoices, one per channel (EMAIL, SMS)."
    )
    async def deliveries(self, info: strawberry.Info[Context, None]) -> list[InvoiceDelivery]:
        rows = await info.context.loaders.children(DeliveryModel, "invoice_id", "channel").load(
            self.model.id
        )
        return [InvoiceDelivery.of(r) for r in rows]


@strawberry.input(description="Narrows a list of invoices; every given criterion must hold.")
class InvoiceFilter:
    billing_run_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only invoices this run created."
    )
    term_id: strawberry.ID | None = strawberry.field(default=None, description="Only this term.")
    fee_structure_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this fee structure."
    )
    student_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this student."
    )
    grade_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only students now in a class of this grade."
    )
    school_class_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only students now in this class."
    )
    statuses: list[InvoiceStatus] | None = strawberry.field(
        default=None, description="Only these statuses."
    )
    overdue: bool | None = strawberry.field(
        default=None, description="true: only overdue invoices; false: only those not overdue."
    )
    search: str | None = strawberry.field(
        default=None,
        description="Matches invoice number, admission number or student name, case-insensitive; "
        "every word must match.",
    )


async def invoice_connection(
    qs: QuerySet[models.Invoice], first: int | None, after: str | None
) -> Connection[Invoice]:
    """A page of invoices (in the queryset's order) with the filtered total."""
    result: Connection[Any] = await paginate(qs, first, after, Invoice.of)
    return result
