"""A student's ledger: every entry of their account in order, its balance, and statements."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum

from domain.access import Caller, get_visible
from domain.errors import DomainError, ErrorCode
from domain.invoice_search import today
from domain.models import (
    CreditNote,
    Invoice,
    InvoiceStatus,
    OpeningBalance,
    Payment,
    PaymentAllocation,
    ReversedPart,
    Student,
)
from domain.money.allocation import ZERO, invoice_balance

#: Longest period one statement may cover, in days (a guard; about 10 years).
MAX_STATEMENT_DAYS = 3700


class EntryKind(StrEnum):
    OPENING_BALANCE = "OPENING_BALANCE"
    INVOICE = "INVOICE"
    PAYMENT = "PAYMENT"
    CREDIT_NOTE = "CREDIT_NOTE"
    PAYMENT_REVERSAL = "PAYMENT_REVERSAL"


@dataclass(frozen=True)
class Entry:
    """One line of a ledger; `balance` is the running balance after it."""

    date: date
    kind: EntryKind
    reference: str
    description: str
    student_id: int
    debit: Decimal | None = None
    credit: Decimal | None = None
    balance: Decimal = ZERO
    invoice_id: int | None = None
    payment_id: int | None = None
    credit_note_id: int | None = None
    created: datetime | None = None

    @property
    def net(self) -> Decimal:
        return (self.debit or ZERO) - (self.credit or ZERO)


@dataclass(frozen=True)
class Ledger:
    """A student's (or, student None, a family's) account now."""

    student: Student | None
    entries: list[Entry]
    balance: Decimal
    unallocated_credit: Decimal
    overdue_amount: Decimal
    opening_balance: Decimal


#: Sorts entries without a creation moment (an opening balance) first within their day.
EPOCH = datetime.min.replace(tzinfo=UTC)


class Entries:
    """A ledger's entries gathered in any order; `balanced()` puts them by date, opening
    balances first, then by creation, with running balances."""

    def __init__(self) -> None:
        self._raw: list[tuple[tuple[date, int, datetime, int], Entry]] = []

    def add(self, entry: Entry) -> None:
        order = 0 if entry.kind == EntryKind.OPENING_BALANCE else 1
        self._raw.append(((entry.date, order, entry.created or EPOCH, len(self._raw)), entry))

    def add_payment(self, p: Payment, student_id: int, description: str, amount: Decimal) -> None:
        """A payment (`amount` of it: a family payment's part) as one PAYMENT credit."""
        credit = Entry(p.paid_on, EntryKind.PAYMENT, p.receipt_number, description, student_id)
        self.add(replace(credit, credit=amount, payment_id=p.id, created=p.recorded_at))

    def add_reversal(self, p: Payment, student_id: int, amount: Decimal | None = None) -> None:
        """A reversed payment's PAYMENT_REVERSAL debit (of `amount`, a family payment's part,
        or of the whole payment), on the day it was reversed."""
        if p.reversed_at is None:
            return
        reason = f"Reversed: {p.reversal_reason or ''}".strip()
        day = p.reversed_at.astimezone(UTC).date()
        debit = Entry(day, EntryKind.PAYMENT_REVERSAL, p.receipt_number, reason, student_id)
        whole = Decimal(p.amount) if amount is None else amount
        self.add(replace(debit, debit=whole, payment_id=p.id, created=p.reversed_at))

    def balanced(self) -> tuple[list[Entry], Decimal]:
        """The entries in order with their running balances, and the balance after them."""
        running = ZERO
        entries = []
        for _, entry in sorted(self._raw, key=lambda pair: pair[0]):
            running += entry.net
            entries.append(replace(entry, balance=running))
        return entries, running


async def student_ledger(student: Student, on: date | None = None) -> Ledger:
    """Every entry of one student, by date then creation, with running balances."""
    opening = await OpeningBalance.filter(student_id=student.id).first()
    invoices = await Invoice.filter(student_id=student.id).select_related("fee_structure", "term")
    payments = await Payment.filter(student_id=student.id)
    notes = await CreditNote.filter(student_id=student.id)
    book = Entries()
    if opening is not None and Decimal(opening.amount) != 0:
        amount = Decimal(opening.amount)
        book.add(
            Entry(
                opening.as_of,
                EntryKind.OPENING_BALANCE,
                "OPENING",
                "Opening balance",
                student.id,
                debit=amount if amount > 0 else None,
                credit=-amount if amount < 0 else None,
            )
        )
    for i in invoices:
        what = f"{i.fee_structure.name}, {i.term.name}"
        invoice = Entry(i.invoice_date, EntryKind.INVOICE, i.number, what, student.id)
        book.add(replace(invoice, debit=Decimal(i.total), invoice_id=i.id, created=i.created_at))
    for p in payments:
        book.add_payment(p, student.id, f"Payment ({p.method})", Decimal(p.amount))
        book.add_reversal(p, student.id)
    # A family payment appears for the part allocated to this student (kept when reversed).
    parts: dict[int, Decimal] = {}
    for a in await PaymentAllocation.filter(
        student_id=student.id, payment__family_id__isnull=False
    ):
        assert a.payment_id is not None
        parts[a.payment_id] = parts.get(a.payment_id, ZERO) + Decimal(a.amount)
    for r in await ReversedPart.filter(student_id=student.id):
        parts[r.payment_id] = parts.get(r.payment_id, ZERO) + Decimal(r.amount)
    for p in await Payment.filter(id__in=list(parts)) if parts else []:
        book.add_payment(p, student.id, f"Family payment ({p.method})", parts[p.id])
        book.add_reversal(p, student.id, parts[p.id])
    for n in notes:
        note = Entry(n.issued_on, EntryKind.CREDIT_NOTE, n.number, n.reason, student.id)
        book.add(
            replace(
                note,
                credit=Decimal(n.amount),
                invoice_id=n.invoice_id,
                credit_note_id=n.id,
                created=n.created_at,
            )
        )
    entries, running = book.balanced()
    day = on or today()
    overdue = sum(
        (
            invoice_balance(i)
            for i in invoices
            if i.status != InvoiceStatus.CANCELLED and i.due_date < day
        ),
        ZERO,
    )
    credit = sum((Decimal(p.unallocated_amount) for p in payments if p.reversed_at is None), ZERO)
    opening_amount = Decimal(opening.amount) if opening is not None else ZERO
    if opening is not None:
        left = opening_amount - Decimal(opening.allocated)
        if opening_amount > 0 and opening.as_of < day:
            overdue += left
        if opening_amount < 0:
            credit += -opening_amount - Decimal(opening.allocated)
    return Ledger(student, entries, running, credit, overdue, opening_amount)


async def get_ledger(caller: Caller, student_id: int) -> Ledger:
    student = await get_visible(caller, Student, student_id, "Student")
    return await student_ledger(student)


@dataclass(frozen=True)
class Statement:
    """A period of a ledger: the balance before it, its entries, and their totals."""

    start: date
    end: date
    opening_balance: Decimal
    entries: list[Entry]
    total_invoiced: Decimal
    total_paid: Decimal
    total_credited: Decimal

    @property
    def closing_balance(self) -> Decimal:
        return self.opening_balance + self.total_invoiced - self.total_paid - self.total_credited


def statement(ledger: Ledger, start: date, end: date) -> Statement:
    """From `start` to `end`, both days included; opens at the balance at the end of the day
    before `start`."""
    if start > end:
        raise DomainError(ErrorCode.INVALID_DATE_RANGE, "`from` is after `to`.", ["from"])
    if (end - start).days > MAX_STATEMENT_DAYS:
        raise DomainError(ErrorCode.INVALID_INPUT, "A statement covers at most 10 years.", ["to"])
    before = [e for e in ledger.entries if e.date < start]
    period = [e for e in ledger.entries if start <= e.date <= end]
    invoiced = paid = credited = ZERO
    for e in period:
        if e.kind in (EntryKind.INVOICE, EntryKind.OPENING_BALANCE) and e.debit is not None:
            invoiced += e.debit
        elif e.kind == EntryKind.PAYMENT and e.credit is not None:
            paid += e.credit
        elif e.kind == EntryKind.PAYMENT_REVERSAL and e.debit is not None:
            paid -= e.debit
        elif e.credit is not None:  # credit notes and opening credits
            credited += e.credit
    opening = before[-1].balance if before else ZERO
    return Statement(start, end, opening, period, invoiced, paid, credited)
