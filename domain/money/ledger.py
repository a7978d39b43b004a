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
    debit: Decimal | None
    credit: Decimal | None
    balance: Decimal
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


def payment_entries(p: Payment, student_id: int, amount: Decimal, what: str) -> list[Entry]:
    """A payment's credit in a ledger and, once reversed, its reversal's debit that day."""
    paid = Entry(
        p.paid_on,
        EntryKind.PAYMENT,
        p.receipt_number,
        what,
        student_id,
        None,
        amount,
        ZERO,
        payment_id=p.id,
        created=p.recorded_at,
    )
    if p.reversed_at is None:
        return [paid]
    back = Entry(
        p.reversed_at.astimezone(UTC).date(),
        EntryKind.PAYMENT_REVERSAL,
        p.receipt_number,
        f"Reversed: {p.reversal_reason or ''}".strip(),
        student_id,
        amount,
        None,
        ZERO,
        payment_id=p.id,
        created=p.reversed_at,
    )
    return [paid, back]


async def student_ledger(student: Student, on: date | None = None) -> Ledger:
    """Every entry of one student, by date then creation, with running balances."""
    opening = await OpeningBalance.filter(student_id=student.id).first()
    invoices = await Invoice.filter(student_id=student.id).select_related("fee_structure", "term")
    payments = await Payment.filter(student_id=student.id)
    notes = await CreditNote.filter(student_id=student.id)
    raw: list[tuple[tuple[object, ...], Entry]] = []
    epoch = datetime.min.replace(tzinfo=UTC)

    def add(order: int, created: datetime | None, entry: Entry) -> None:
        raw.append(((entry.date, order, created or epoch, len(raw)), entry))

    if opening is not None and Decimal(opening.amount) != 0:
        amount = Decimal(opening.amount)
        add(
            0,
            None,
            Entry(
                opening.as_of,
                EntryKind.OPENING_BALANCE,
                "OPENING",
                "Opening balance",
                student.id,
                amount if amount > 0 else None,
                -amount if amount < 0 else None,
                ZERO,
            ),
        )
    for i in invoices:
        add(
            1,
            i.created_at,
            Entry(
                i.invoice_date,
                EntryKind.INVOICE,
                i.number,
                f"{i.fee_structure.name}, {i.term.name}",
                student.id,
                Decimal(i.total),
                None,
                ZERO,
                invoice_id=i.id,
                created=i.created_at,
            ),
        )
    for p in payments:
        for entry in payment_entries(p, student.id, Decimal(p.amount), f"Payment ({p.method})"):
            add(1, entry.created, entry)
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
        for entry in payment_entries(p, student.id, parts[p.id], f"Family payment ({p.method})"):
            add(1, entry.created, entry)
    for n in notes:
        add(
            1,
            n.created_at,
            Entry(
                n.issued_on,
                EntryKind.CREDIT_NOTE,
                n.number,
                n.reason,
                student.id,
                None,
                Decimal(n.amount),
                ZERO,
                invoice_id=n.invoice_id,
                credit_note_id=n.id,
                created=n.created_at,
            ),
        )
    raw.sort(key=lambda pair: pair[0])  # type: ignore[arg-type, return-value]
    running = ZERO
    entries = []
    for _, entry in raw:
        running += entry.net
        entries.append(replace(entry, balance=running))
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
