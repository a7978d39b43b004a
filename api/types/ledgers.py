"""A student's ledger as clients see it: its entries, balances and dated statements."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from api.context import Context
from api.types.common import (
    AfterArg,
    Connection,
    FirstArg,
    Money,
    money,
    money_field,
    paginate_list,
)
from api.types.enums import serve_enum
from api.types.money import (
    CreditNote,
    LazyInvoice,
    LazyPayment,
    currency_of,
    load_invoice,
    load_payment,
    load_student,
)
from api.types.students import Student
from domain import models
from domain.money import ledger as ledgers

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
    start: date = strawberry.field(name="from", description="First day covered.")
    end: date = strawberry.field(name="to", description="Last day covered.")
    opening_balance: Money = money_field(
        "opening_balance", "The balance at the end of the day before `from`."
    )
    entries: list[LedgerEntry] = strawberry.field(
        description="The entries of the period, in order."
    )
    total_invoiced: Money = money_field(
        "total_invoiced", "INVOICE and OPENING_BALANCE debits of the period."
    )
    total_paid: Money = money_field(
        "total_paid", "PAYMENT credits less PAYMENT_REVERSAL debits of the period."
    )
    total_credited: Money = money_field(
        "total_credited", "CREDIT_NOTE and OPENING_BALANCE credits of the period."
    )
    closing_balance: Money = money_field(
        "closing_balance", "openingBalance + totalInvoiced - totalPaid - totalCredited."
    )
    model: strawberry.Private[ledgers.Statement]
    currency: strawberry.Private[str]

    @classmethod
    def of(cls, model: ledgers.Statement, currency: str) -> Statement:
        entries = [LedgerEntry.of(e, currency) for e in model.entries]
        return cls(
            start=model.start, end=model.end, entries=entries, model=model, currency=currency
        )


@strawberry.type(description="Money in and out of a student's account, in order.")
class Ledger:
    model: strawberry.Private[ledgers.Ledger]
    currency: strawberry.Private[str]

    balance: Money = money_field(
        "balance",
        "What is owed now: invoices and the opening balance, less payments and "
        "credit notes; negative when in credit.",
    )

    unallocated_credit: Money = money_field(
        "unallocated_credit", "Received and not yet allocated to an invoice."
    )

    overdue_amount: Money = money_field(
        "overdue_amount", "The part of balance that is past its due date."
    )

    opening_balance: Money = money_field(
        "opening_balance", "The opening balance (0 when none was set)."
    )

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
        return Statement.of(ledgers.statement(self.model, from_, to), self.currency)


def _entry_identity(entry: ledgers.Entry) -> str:
    """What names one ledger entry for good (its kind and the row it comes from)."""
    source = entry.credit_note_id or entry.payment_id or entry.invoice_id or 0
    return f"{entry.kind.value}.{source}.{entry.student_id}"


async def student_ledger(info: strawberry.Info[Context, None], student_pk: int) -> Ledger:
    row = await info.context.loaders.by_id(models.Student).load(student_pk)
    assert row is not None
    found = await ledgers.student_ledger(row)
    return Ledger(model=found, currency=await currency_of(info, row.school_id))
