"""The receipt of a payment: what was received, from whom, and which debts it paid.

A payment in another currency shows both amounts and the rate; a reversed payment says so
(its allocations are gone and what it paid is owed again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal
from typing import Protocol

from domain.access import Caller, get_visible
from domain.letterheads import Letterhead, letterhead, writer_for
from domain.models import (
    Family,
    Invoice,
    Payment,
    PaymentAllocation,
    PaymentChannel,
    Role,
    School,
    SchoolClass,
    Student,
)

#: How a payment's channel reads on paper.
CHANNEL_WORDS = {
    PaymentChannel.MANUAL: "Recorded by the school",
    PaymentChannel.MPESA: "M-Pesa",
    PaymentChannel.IMPORT: "Imported statement",
}


@dataclass(frozen=True)
class ReceiptLine:
    """One debt the payment paid: an invoice, or (invoice "") the opening balance."""

    invoice_number: str
    student_name: str
    amount: str


@dataclass(frozen=True)
class ReceiptSheet:
    """Everything one printed receipt says, as text ready to print."""

    head: Letterhead
    number: str
    paid_on: str
    recorded_on: str
    payer: str
    payer_lines: list[str]
    channel: str
    method: str
    reference: str | None
    amount: str
    received: str | None
    allocations: list[ReceiptLine]
    allocated: str
    unallocated: str
    reversal: str | None


class ReceiptRenderer(Protocol):
    """Typesets receipts (implemented in adapters/pdf), off the event loop."""

    async def render_receipt(self, sheet: ReceiptSheet) -> bytes: ...


async def visible_payment(caller: Caller, payment_id: int | None) -> Payment:
    """A payment whose receipt the caller may read (any role), else NOT_FOUND."""
    payment = await get_visible(caller, Payment, payment_id, "Payment", ["paymentId"])
    caller.require(Role.VIEWER, payment.school_id)
    return payment


def _student_lines(student: Student, classes: dict[int, str]) -> list[str]:
    lines = [f"Admission no. {student.admission_number}"]
    if student.school_class_id in classes:
        lines.append(f"Class: {classes[student.school_class_id]}")
    return lines


def _full_name(student: Student) -> str:
    return f"{student.first_name} {student.last_name}"


def _rate(rate: Decimal) -> str:
    """A rate as recorded, without the column's trailing zeros."""
    plain = rate.normalize()
    return f"{plain:f}"


async def receipt_sheet(payment: Payment) -> ReceiptSheet:
    """The printed form of one payment's receipt (allocations as Payment.allocations lists)."""
    school = await School.get(id=payment.school_id)
    write = writer_for(school)
    parts = await PaymentAllocation.filter(payment_id=payment.id).order_by("id")
    numbers = {
        i.id: i.number
        for i in await Invoice.filter(id__in=[p.invoice_id for p in parts if p.invoice_id])
    }
    family = await Family.get(id=payment.family_id) if payment.family_id else None
    who = {p.student_id for p in parts}
    if payment.student_id is not None:
        who.add(payment.student_id)
    if family is not None:
        who.update(s.id for s in await Student.filter(family_id=family.id).only("id"))
    students = {s.id: s for s in await Student.filter(id__in=list(who)).order_by("id")}
    class_ids = {s.school_class_id for s in students.values() if s.school_class_id}
    classes = {c.id: c.name for c in await SchoolClass.filter(id__in=list(class_ids))}
    if family is not None:
        payer = f"{family.name} (family)"
        payer_lines = [
            f"{_full_name(s)} · Adm. {s.admission_number}"
            for s in students.values()
            if s.family_id == family.id
        ]
    else:
        assert payment.student_id is not None
        student = students[payment.student_id]
        payer = _full_name(student)
        payer_lines = _student_lines(student, classes)
        if student.guardian_name:
            payer_lines.append(f"Guardian: {student.guardian_name}")
    received = None
    if payment.received_amount is not None and payment.received_currency:
        received = write.money(payment.received_amount, payment.received_currency)
        if payment.exchange_rate is not None:
            received += (
                f" at 1 {payment.received_currency} = "
                f"{_rate(Decimal(payment.exchange_rate))} {school.currency}"
            )
    reversal = None
    if payment.reversed_at is not None:
        day = write.day(payment.reversed_at.astimezone(UTC).date())
        reason = f": {payment.reversal_reason}" if payment.reversal_reason else ""
        reversal = f"REVERSED on {day}{reason}"
    return ReceiptSheet(
        head=letterhead(school),
        number=payment.receipt_number,
        paid_on=write.day(payment.paid_on),
        recorded_on=write.day(payment.recorded_at.astimezone(UTC).date()),
        payer=payer,
        payer_lines=payer_lines,
        channel=CHANNEL_WORDS.get(PaymentChannel(payment.channel), str(payment.channel)),
        method=payment.method,
        reference=payment.reference,
        amount=write.money(payment.amount),
        received=received,
        allocations=[
            ReceiptLine(
                numbers.get(p.invoice_id or 0, ""),
                _full_name(students[p.student_id]),
                write.money(p.amount),
            )
            for p in parts
        ],
        allocated=write.money(sum((Decimal(p.amount) for p in parts), Decimal(0))),
        unallocated=write.money(payment.unallocated_amount),
        reversal=reversal,
    )


async def receipt_pdf(renderer: ReceiptRenderer, payment: Payment) -> bytes:
    """The PDF of one payment's receipt (already checked visible to whoever asks)."""
    return await renderer.render_receipt(await receipt_sheet(payment))
