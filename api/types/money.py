"""Money in and out of an account as clients see it: allocations, credit notes, ledgers,
statements and receivables."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from api.context import Context
from api.ids import encode_id
from api.types.common import AfterArg, Connection, FirstArg, Money, Node, money, paginate_list
from api.types.enums import serve_enum
from api.types.school import load_school
from api.types.students import Student
from api.types.users import User
from domain import models
from domain.money import ledger as ledgers

if TYPE_CHECKING:
    from api.types.invoices import Invoice
    from api.types.payments import Payment

LazyInvoice = Annotated["Invoice", strawberry.lazy("api.types.invoices")]
LazyPayment = Annotated["Payment", strawberry.lazy("api.types.payments")]

LedgerEntryKind = ledgers.EntryKind
serve_enum(
    LedgerEntryKind,
    "LedgerEntryKind",
    "What a ledger entry is.",
    {
        "OPENING_BALANCE": "What was owed (debit) or owed to the student (credit) at the start.",
        "INVOICE": "An invoice, live or cancelled (a debit).",
        "PAYMENT": "A payment received (a credit).",
        "CREDIT_NOTE": "A credit note against an invoice (a credit).",
        "PAYMENT_REVERSAL": "A payment undone (a debit), on the day it was reversed.",
    },
)
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


@strawberry.type(description="One line of a ledger.")
class LedgerEntry:
    date: date = strawberry.field(description="The day it counts from.")
    kind: LedgerEntryKind = strawberry.field(description="What the entry is.")
    reference: str = strawberry.field(
        description="The number of the invoice, receipt or credit note (OPENING for the opening balance)."
    )
    description: str = strawberry.field(description="What it is, for a person.")
    entry: strawberry.Private[ledgers.Entry]
    currency: strawberry.Private[str]

    @classmethod
    def of(cls, e: ledgers.Entry, currency: str) -> LedgerEntry:
        return cls(
            date=e.date,
            kind=e.kind,
            reference=e.reference,
            description=e.description,
            entry=e,
            currency=currency,
        )

    @strawberry.field(description="The student of the entry.")
    async def student(self, info: strawberry.Info[Context, None]) -> Student:
        return await load_student(info, self.entry.student_id)

    @strawberry.field(
        description="What the entry adds to the balance (invoices, opening debts, reversals)."
    )
    def debit(self) -> Money | None:
        return None if self.entry.debit is None else money(self.entry.debit, self.currency)

    @strawberry.field(description="What it takes off (payments, credit notes, opening credits).")
    def credit(self) -> Money | None:
        return None if self.entry.credit is None else money(self.entry.credit, self.currency)

    @strawberry.field(description="The balance after this entry.")
    def balance(self) -> Money:
        return money(self.entry.balance, self.currency)

    @strawberry.field(description="The invoice (INVOICE and CREDIT_NOTE entries).")
    async def invoice(self, info: strawberry.Info[Context, None]) -> LazyInvoice | None:
        return await load_invoice(info, self.entry.invoice_id)

    @strawberry.field(description="The payment (PAYMENT and PAYMENT_REVERSAL entries).")
    async def payment(self, info: strawberry.Info[Context, None]) -> LazyPayment | None:
        return await load_payment(info, self.entry.payment_id)

    @strawberry.field(description="The credit note (CREDIT_NOTE entries).")
    async def credit_note(self, info: strawberry.Info[Context, None]) -> CreditNote | None:
        if self.entry.credit_note_id is None:
            return None
        row = await info.context.loaders.by_id(models.CreditNote).load(self.entry.credit_note_id)
        return CreditNote.of(row) if row else None


@strawberry.type(description="A period of a ledger with its totals.")
class Statement:
    model: strawberry.Private[ledgers.Statement]
    currency: strawberry.Private[str]

    @strawberry.field(name="from", description="First day covered.")
    def start(self) -> date:
        return self.model.start

    @strawberry.field(name="to", description="Last day covered.")
    def end(self) -> date:
        return self.model.end

    @strawberry.field(description="The balance at the end of the day before `from`.")
    def opening_balance(self) -> Money:
        return money(self.model.opening_balance, self.currency)

    @strawberry.field(description="The entries of the period, in order.")
    def entries(self) -> list[LedgerEntry]:
        return [LedgerEntry.of(e, self.currency) for e in self.model.entries]

    @strawberry.field(description="INVOICE and OPENING_BALANCE debits of the period.")
    def total_invoiced(self) -> Money:
        return money(self.model.total_invoiced, self.currency)

    @strawberry.field(description="PAYMENT credits less PAYMENT_REVERSAL debits of the period.")
    def total_paid(self) -> Money:
        return money(self.model.total_paid, self.currency)

    @strawberry.field(description="CREDIT_NOTE and OPENING_BALANCE credits of the period.")
    def total_credited(self) -> Money:
        return money(self.model.total_credited, self.currency)

    @strawberry.field(description="openingBalance + totalInvoiced - totalPaid - totalCredited.")
    def closing_balance(self) -> Money:
        return money(self.model.closing_balance, self.currency)


@strawberry.type(description="Money in and out of a student's account, in order.")
class Ledger:
    model: strawberry.Private[ledgers.Ledger]
    currency: strawberry.Private[str]

    @strawberry.field(
        description="What is owed now: invoices and the opening balance, less payments and "
        "credit notes; negative when in credit."
    )
    def balance(self) -> Money:
        return money(self.model.balance, self.currency)

    @strawberry.field(description="Received and not yet allocated to an invoice.")
    def unallocated_credit(self) -> Money:
        return money(self.model.unallocated_credit, self.currency)

    @strawberry.field(description="The part of balance that is past its due date.")
    def overdue_amount(self) -> Money:
        return money(self.model.overdue_amount, self.currency)

    @strawberry.field(description="The opening balance (0 when none was set).")
    def opening_balance(self) -> Money:
        return money(self.model.opening_balance, self.currency)

    @strawberry.field(
        description="The entries, oldest first, optionally within dates (both included)."
    )
    def entries(
        self,
        from_: Annotated[
            date | None, strawberry.argument(name="from", description="First day, included.")
        ] = None,
        to: Annotated[date | None, strawberry.argument(description="Last day, included.")] = None,
        first: FirstArg = None,
        after: AfterArg = None,
    ) -> Connection[LedgerEntry]:
        rows = [
            e
            for e in self.model.entries
            if (from_ is None or e.date >= from_) and (to is None or e.date <= to)
        ]
        return paginate_list(
            rows, first, after, _entry_identity, lambda e: LedgerEntry.of(e, self.currency)
        )

    @strawberry.field(description="A statement from `from` to `to`, both days included.")
    def statement(
        self,
        from_: Annotated[date, strawberry.argument(name="from", description="First day.")],
        to: Annotated[date, strawberry.argument(description="Last day.")],
    ) -> Statement:
        return Statement(model=ledgers.statement(self.model, from_, to), currency=self.currency)


def _entry_identity(entry: ledgers.Entry) -> str:
    """What names one ledger entry for good (its kind and the row it comes from)."""
    source = entry.credit_note_id or entry.payment_id or entry.invoice_id or 0
    return f"{entry.kind.value}.{source}.{entry.student_id}"


async def student_ledger(info: strawberry.Info[Context, None], student_pk: int) -> Ledger:
    row = await info.context.loaders.by_id(models.Student).load(student_pk)
    assert row is not None
    found = await ledgers.student_ledger(row)
    return Ledger(model=found, currency=await currency_of(info, row.school_id))


def amount_or_none(value: Decimal | None, currency: str) -> Money | None:
    return None if value is None else money(value, currency)
