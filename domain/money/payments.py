"""Money in: a payment for one invoice or for a student, its receipt, and its reversal."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeVar, Unpack

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain import audit
from domain.access import Caller, get_visible
from domain.errors import DomainError, ErrorCode, Problems
from domain.models import (
    Family,
    Invoice,
    InvoiceStatus,
    OpeningBalance,
    Payment,
    PaymentAllocation,
    Role,
    School,
    Student,
)
from domain.models.audit import AuditAction
from domain.money.allocation import (
    Source,
    allocate,
    apply_credit,
    invoice_balance,
    move_invoice_money,
)
from domain.money.numbers import lock_school_money, next_number
from domain.money.payment_input import Foreign, PaymentIn, PaymentTerms, clean_payment
from domain.validation import clean_text

__all__ = ["Foreign", "receive_payment", "record_payment", "reverse_payment"]

#: Who records, receives and reverses payments.
PAYMENT_ROLE = Role.FINANCE

REASON_MAX = 500


async def create_payment(
    connection: BaseDBAsyncClient,
    school_id: int,
    student_id: int | None,
    payment: PaymentIn,
    *,
    user_id: int | None,
    invoice_id: int | None = None,
    family_id: int | None = None,
) -> Payment:
    """Record a payment of a student (or of a family: no student) with the next receipt
    number, wholly unallocated (the caller allocates it). The caller holds the school's
    money lock."""
    number = await next_number(connection, school_id, "last_receipt_number", "RCT", payment.paid_on)
    foreign = payment.foreign
    return await Payment.create(
        school_id=school_id,
        student_id=student_id,
        family_id=family_id,
        invoice_id=invoice_id,
        receipt_number=number,
        channel=payment.channel,
        amount=payment.amount,
        unallocated_amount=payment.amount,
        paid_on=payment.paid_on,
        method=payment.method,
        reference=payment.reference,
        received_amount=foreign.amount if foreign else None,
        received_currency=foreign.currency if foreign else None,
        exchange_rate=foreign.rate if foreign else None,
        recorded_by_id=user_id,
        using_db=connection,
    )


async def receive_for_student(
    connection: BaseDBAsyncClient,
    school_id: int,
    student_id: int,
    payment: PaymentIn,
    *,
    user_id: int | None,
) -> Payment:
    """Record money for a student and allocate it oldest due first; the rest stays credit.
    The caller holds the school's money lock."""
    row = await create_payment(connection, school_id, student_id, payment, user_id=user_id)
    left = await allocate(connection, Source(school_id, student_id, row.id), payment.amount)
    if left != payment.amount:
        await Payment.filter(id=row.id).using_db(connection).update(unallocated_amount=left)
        row.unallocated_amount = left
    return row


Payer = TypeVar("Payer", Student, Invoice, Family)


async def paid_for(
    caller: Caller, model: type[Payer], pk: int | None, field: str, terms: PaymentTerms
) -> tuple[Payer, School, PaymentIn]:
    """What a payment is for (NOT_FOUND unless visible; FINANCE only), its school, and the
    payment checked in the school's currency (every INVALID_INPUT at once)."""
    payer = await get_visible(caller, model, pk, model.__name__, [field])
    caller.require(PAYMENT_ROLE, payer.school_id)
    school = await School.get(id=payer.school_id)
    return payer, school, clean_payment(terms, school_currency=school.currency)


async def audit_payment(caller: Caller, action: AuditAction, row: Payment) -> None:
    """The audit event of money in: its amount and receipt number."""
    await audit.record(
        caller,
        action,
        row,
        school_id=row.school_id,
        amount=str(row.amount),
        receipt=row.receipt_number,
    )


async def receive_payment(
    caller: Caller, student_id: int | None, **terms: Unpack[PaymentTerms]
) -> Payment:
    """Money received for a student, spread over their debts oldest due first."""
    student, school, clean = await paid_for(caller, Student, student_id, "studentId", terms)
    async with in_transaction() as connection:
        await lock_school_money(connection, school.id)
        row = await receive_for_student(
            connection, school.id, student.id, clean, user_id=caller.user_id
        )
        await audit_payment(caller, AuditAction.RECEIVED_PAYMENT, row)
    return await Payment.get(id=row.id)


async def record_payment(
    caller: Caller, invoice_id: int | None, **terms: Unpack[PaymentTerms]
) -> Invoice:
    """Money received for one invoice: at most its balance (EXCEEDS_BALANCE), it all goes
    there; PARTIALLY_PAID, then PAID."""
    invoice, school, clean = await paid_for(caller, Invoice, invoice_id, "invoiceId", terms)
    async with in_transaction() as connection:
        await lock_school_money(connection, school.id)
        locked = await Invoice.filter(id=invoice.id).using_db(connection).get()
        if locked.status == InvoiceStatus.CANCELLED:
            raise DomainError(ErrorCode.INVALID_STATE, "A cancelled invoice takes no payments.")
        balance = invoice_balance(locked)
        if balance <= 0:
            raise DomainError(ErrorCode.INVALID_STATE, "The invoice is paid in full.")
        if clean.amount > balance:
            raise DomainError(
                ErrorCode.EXCEEDS_BALANCE,
                f"The amount is more than the balance of {balance:.2f}.",
                ["amount"],
            )
        row = await create_payment(
            connection,
            school.id,
            locked.student_id,
            clean,
            user_id=caller.user_id,
            invoice_id=locked.id,
        )
        await _pay_invoice(connection, row, locked, clean.amount)
        await audit_payment(caller, AuditAction.RECORDED_PAYMENT, row)
    return await Invoice.get(id=invoice.id)


async def _pay_invoice(
    connection: BaseDBAsyncClient, payment: Payment, invoice: Invoice, amount: Decimal
) -> None:
    """The one-invoice case of allocation: the amount goes to the invoice named."""
    await PaymentAllocation.create(
        school_id=payment.school_id,
        student_id=invoice.student_id,
        payment_id=payment.id,
        invoice_id=invoice.id,
        amount=amount,
        using_db=connection,
    )
    await move_invoice_money(connection, invoice, paid=amount)
    await (
        Payment.filter(id=payment.id)
        .using_db(connection)
        .update(unallocated_amount=Decimal(payment.amount) - amount)
    )


async def reverse_payment(caller: Caller, payment_id: int | None, *, reason: str) -> Payment:
    """Undo a payment: its allocations are removed, the invoices owe again, and any other
    credit of the student pays them as it would have."""
    payment = await get_visible(caller, Payment, payment_id, "Payment", ["paymentId"])
    caller.require(PAYMENT_ROLE, payment.school_id)
    problems = Problems()
    clean_reason = clean_text(problems, reason, "reason", max_length=REASON_MAX)
    problems.raise_if_any()
    async with in_transaction() as connection:
        await lock_school_money(connection, payment.school_id)
        locked = await Payment.filter(id=payment.id).using_db(connection).get()
        if locked.reversed_at is not None:
            raise DomainError(ErrorCode.INVALID_STATE, "The payment is already reversed.")
        # The family module builds on this one: imported here, not at the top.
        from domain.money.family import apply_family_credit, keep_reversed_parts

        if locked.family_id is not None:
            await keep_reversed_parts(connection, locked)
        await undo_allocations(connection, locked)
        await (
            Payment.filter(id=locked.id)
            .using_db(connection)
            .update(
                unallocated_amount=Decimal("0.00"),
                reversed_at=datetime.now(UTC),
                reversal_reason=clean_reason,
                reversed_by_id=caller.user_id,
            )
        )
        if locked.student_id is not None:
            await apply_credit(connection, locked.school_id, locked.student_id)
        if locked.family_id is not None:
            await apply_family_credit(connection, locked.family_id)
        await audit.record(
            caller,
            AuditAction.REVERSED_PAYMENT,
            locked,
            school_id=locked.school_id,
            amount=str(locked.amount),
        )
    return await Payment.get(id=payment.id)


async def undo_allocations(connection: BaseDBAsyncClient, payment: Payment) -> None:
    """Remove a payment's allocations and give the debts they paid back their balance."""
    parts = await PaymentAllocation.filter(payment_id=payment.id).using_db(connection)
    for part in parts:
        if part.invoice_id is None:
            opening = (
                await OpeningBalance.filter(student_id=part.student_id).using_db(connection).get()
            )
            await (
                OpeningBalance.filter(id=opening.id)
                .using_db(connection)
                .update(allocated=Decimal(opening.allocated) - Decimal(part.amount))
            )
        else:
            invoice = await Invoice.filter(id=part.invoice_id).using_db(connection).get()
            await move_invoice_money(connection, invoice, paid=-Decimal(part.amount))
    await PaymentAllocation.filter(payment_id=payment.id).using_db(connection).delete()
