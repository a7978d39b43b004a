"""Spreading money over a student's debts, oldest due first, and the status that follows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.models import (
    Invoice,
    InvoiceStatus,
    OpeningBalance,
    Payment,
    PaymentAllocation,
)

ZERO = Decimal("0.00")


def invoice_status(
    total: Decimal, paid: Decimal, credited: Decimal, *, sent: bool
) -> InvoiceStatus:
    """An invoice's status follows its money (the contract's rules, in order)."""
    balance = total - paid - credited
    if total == 0:
        return InvoiceStatus.PAID
    if balance == 0:
        return InvoiceStatus.PAID if paid > 0 else InvoiceStatus.CANCELLED
    if paid > 0:
        return InvoiceStatus.PARTIALLY_PAID
    return InvoiceStatus.SENT if sent else InvoiceStatus.ISSUED


def invoice_balance(invoice: Invoice) -> Decimal:
    """What is still owed on an invoice: total less paid less credited."""
    return Decimal(invoice.total) - Decimal(invoice.amount_paid) - Decimal(invoice.credited_amount)


def settle(invoice: Invoice, *, paid: Decimal = ZERO, credited: Decimal = ZERO) -> Invoice:
    """Add to (or, negative, take from) an invoice's paid and credited sums in memory; its
    status follows. Never below a balance of 0."""
    invoice.amount_paid = Decimal(invoice.amount_paid) + paid
    invoice.credited_amount = Decimal(invoice.credited_amount) + credited
    assert invoice_balance(invoice) >= 0, f"invoice {invoice.id} would be overpaid"
    invoice.status = invoice_status(
        Decimal(invoice.total),
        Decimal(invoice.amount_paid),
        Decimal(invoice.credited_amount),
        sent=invoice.sent_at is not None,
    )
    return invoice


async def move_invoice_money(
    connection: BaseDBAsyncClient,
    invoice: Invoice,
    *,
    paid: Decimal = ZERO,
    credited: Decimal = ZERO,
) -> Invoice:
    """Add to (or, negative, take from) an invoice's paid and credited sums; status follows."""
    settle(invoice, paid=paid, credited=credited)
    await (
        Invoice.filter(id=invoice.id)
        .using_db(connection)
        .update(
            amount_paid=invoice.amount_paid,
            credited_amount=invoice.credited_amount,
            status=invoice.status,
        )
    )
    return invoice


@dataclass(frozen=True)
class Source:
    """Where allocated money comes from: a payment, or a negative opening balance (None)."""

    school_id: int
    student_id: int
    payment_id: int | None


async def allocate(connection: BaseDBAsyncClient, source: Source, amount: Decimal) -> Decimal:
    """Pay the student's debts from `amount`: the opening balance first, then invoices by due
    date then number. Returns what is left. The caller holds the school's money lock."""
    return await pay_debts(
        connection, source.school_id, source.payment_id, [source.student_id], amount
    )


@dataclass
class Debt:
    """Something a student owes: their opening balance or one live invoice, and how much."""

    student_id: int
    owed: Decimal
    invoice: Invoice | None = None
    opening: OpeningBalance | None = None


async def open_debts(
    connection: BaseDBAsyncClient, student_ids: list[int], *, with_opening: bool
) -> list[Debt]:
    """The students' debts together, in the order money pays them: their opening balances
    first (by day, then student; only a payment pays them, not credit), then all their
    invoices by due date then number."""
    debts: list[Debt] = []
    if with_opening:
        openings = (
            await OpeningBalance.filter(student_id__in=student_ids)
            .using_db(connection)
            .order_by("as_of", "student_id")
        )
        for ob in openings:
            owed = Decimal(ob.amount) - Decimal(ob.allocated)
            if owed > 0:
                debts.append(Debt(ob.student_id, owed, opening=ob))
    invoices = (
        await Invoice.filter(student_id__in=student_ids)
        .exclude(status=InvoiceStatus.CANCELLED)
        .using_db(connection)
        .order_by("due_date", "number")
    )
    for invoice in invoices:
        owed = invoice_balance(invoice)
        if owed > 0:
            debts.append(Debt(invoice.student_id, owed, invoice=invoice))
    return debts


def spread(amount: Decimal, debts: list[Debt]) -> tuple[list[tuple[Debt, Decimal]], Decimal]:
    """Pay debts in their order from `amount` (each debt's `owed` goes down by what it took);
    what each took, and what is left."""
    takes: list[tuple[Debt, Decimal]] = []
    left = amount
    for debt in debts:
        if left <= 0:
            break
        take = min(debt.owed, left)
        if take <= 0:
            continue
        debt.owed -= take
        left -= take
        takes.append((debt, take))
    return takes, left


async def pay_debts(
    connection: BaseDBAsyncClient,
    school_id: int,
    payment_id: int | None,
    student_ids: list[int],
    amount: Decimal,
) -> Decimal:
    """Pay the students' debts together from `amount`, in `open_debts` order; each part is
    allocated to the debt's student. Returns what is left (never below 0). The caller holds
    the school's money lock."""
    if not student_ids or amount <= 0:
        return max(amount, ZERO)
    debts = await open_debts(connection, student_ids, with_opening=payment_id is not None)
    takes, left = spread(amount, debts)
    for debt, take in takes:
        invoice_id = debt.invoice.id if debt.invoice is not None else None
        await _allocation(connection, school_id, payment_id, debt.student_id, invoice_id, take)
        if debt.invoice is not None:
            await move_invoice_money(connection, debt.invoice, paid=take)
        elif debt.opening is not None:
            await (
                OpeningBalance.filter(id=debt.opening.id)
                .using_db(connection)
                .update(allocated=Decimal(debt.opening.allocated) + take)
            )
    return left


async def _allocation(
    connection: BaseDBAsyncClient,
    school_id: int,
    payment_id: int | None,
    student_id: int,
    invoice_id: int | None,
    amount: Decimal,
) -> None:
    await PaymentAllocation.create(
        school_id=school_id,
        student_id=student_id,
        payment_id=payment_id,
        invoice_id=invoice_id,
        amount=amount,
        using_db=connection,
    )


async def apply_credit(connection: BaseDBAsyncClient, school_id: int, student_id: int) -> None:
    """Spend the student's credit on what they owe: a negative opening balance first, then
    unallocated payments, oldest first. The caller holds the school's money lock."""
    opening = await OpeningBalance.filter(student_id=student_id).using_db(connection).first()
    if opening is not None and Decimal(opening.amount) < 0:
        credit = -Decimal(opening.amount) - Decimal(opening.allocated)
        if credit > 0:
            left = await allocate(connection, Source(school_id, student_id, None), credit)
            await (
                OpeningBalance.filter(id=opening.id)
                .using_db(connection)
                .update(allocated=Decimal(opening.allocated) + credit - left)
            )
    # Compared in Python: SQLite keeps decimals as text, which compares above any number.
    payments = (
        await Payment.filter(student_id=student_id, reversed_at__isnull=True)
        .using_db(connection)
        .order_by("paid_on", "id")
    )
    for payment in payments:
        if Decimal(payment.unallocated_amount) <= 0:
            continue
        left = await allocate(
            connection,
            Source(school_id, student_id, payment.id),
            Decimal(payment.unallocated_amount),
        )
        await Payment.filter(id=payment.id).using_db(connection).update(unallocated_amount=left)
        if left > 0:
            break
