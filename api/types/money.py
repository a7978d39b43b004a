"""Money against an invoice as clients see it: payment allocations and credit notes, and the
loaders the money types share (ledgers are in `api.types.ledgers`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from api.context import Context
from api.ids import encode_id
from api.types.common import Money, Node, money
from api.types.enums import serve_enum
from api.types.school import load_school
from api.types.students import Student
from api.types.users import User
from domain import models

if TYPE_CHECKING:
    from api.types.invoices import Invoice
    from api.types.payments import Payment

LazyInvoice = Annotated["Invoice", strawberry.lazy("api.types.invoices")]
LazyPayment = Annotated["Payment", strawberry.lazy("api.types.payments")]

PaymentChannel = models.PaymentChannel
serve_enum(
    PaymentChannel,
    "PaymentChannel",
    "Where a payment came from.",
    {
        "MANUAL": "Recorded by hand (cash, cheque, bank slip).",
        "MPESA": "Received from M-Pesa.",
        "IMPORT": "From an imported statement.",
    },
)


async def currency_of(info: strawberry.Info[Context, None], school_pk: int) -> str:
    return (await load_school(info, school_pk)).currency


async def load_student(info: strawberry.Info[Context, None], pk: int) -> Student:
    row = await info.context.loaders.by_id(models.Student).load(pk)
    assert row is not None, f"student {pk} is missing"
    return Student.of(row)


async def load_invoice(info: strawberry.Info[Context, None], pk: int | None) -> Invoice | None:
    from api.types.invoices import Invoice

    if pk is None:
        return None
    row = await info.context.loaders.by_id(models.Invoice).load(pk)
    return Invoice.of(row) if row else None


async def load_payment(info: strawberry.Info[Context, None], pk: int | None) -> Payment | None:
    from api.types.payments import Payment

    if pk is None:
        return None
    row = await info.context.loaders.by_id(models.Payment).load(pk)
    return Payment.of(row) if row else None


@strawberry.type(
    description="The part of a payment (or of a student's credit) that went to one debt."
)
class PaymentAllocation:
    model: strawberry.Private[models.PaymentAllocation]

    @strawberry.field(description="Null: the part that paid the student's opening balance.")
    async def invoice(self, info: strawberry.Info[Context, None]) -> LazyInvoice | None:
        return await load_invoice(info, self.model.invoice_id)

    @strawberry.field(description="The student whose debt it paid.")
    async def student(self, info: strawberry.Info[Context, None]) -> Student:
        return await load_student(info, self.model.student_id)

    @strawberry.field(description="How much went to the debt.")
    async def amount(self, info: strawberry.Info[Context, None]) -> Money:
        return money(self.model.amount, await currency_of(info, self.model.school_id))

    @strawberry.field(
        description="Null when the credit spent came from a negative opening balance."
    )
    async def payment(self, info: strawberry.Info[Context, None]) -> LazyPayment | None:
        return await load_payment(info, self.model.payment_id)


@strawberry.type(
    description="A note that reduces what an invoice asks for, keeping the invoice as issued."
)
class CreditNote(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    number: str = strawberry.field(
        description="Unique and gap-free per school, CN-<year of issuedOn>-<6 digits>."
    )
    reason: str = strawberry.field(description="Why the invoice was credited.")
    issued_on: date = strawberry.field(description="The day the note counts from.")
    created_at: datetime = strawberry.field(description="When it was recorded.")
    model: strawberry.Private[models.CreditNote]

    @classmethod
    def of(cls, m: Any, **values: Any) -> CreditNote:
        return cls(
            id=strawberry.ID(encode_id("CreditNote", m.id)),
            number=m.number,
            reason=m.reason,
            issued_on=m.issued_on,
            created_at=m.created_at,
            model=m,
        )

    @strawberry.field(description="The invoice credited.")
    async def invoice(self, info: strawberry.Info[Context, None]) -> LazyInvoice:
        found = await load_invoice(info, self.model.invoice_id)
        assert found is not None
        return found

    @strawberry.field(description="What it takes off the invoice's balance.")
    async def amount(self, info: strawberry.Info[Context, None]) -> Money:
        return money(self.model.amount, await currency_of(info, self.model.school_id))

    @strawberry.field(description="Who issued it; null when the user is gone.")
    async def created_by(self, info: strawberry.Info[Context, None]) -> User | None:
        if self.model.created_by_id is None:
            return None
        row = await info.context.loaders.by_id(models.User).load(self.model.created_by_id)
        return User.of(row) if row else None
