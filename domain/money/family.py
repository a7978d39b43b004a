"""A family's money: payments received for a family, spread over all its students' debts
together, and the family's ledger (its students' entries, each family payment once)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain import audit
from domain.access import Caller, get_visible
from domain.errors import DomainError, ErrorCode
from domain.models import (
    Family,
    Invoice,
    InvoiceStatus,
    OpeningBalance,
    Payment,
    PaymentAllocation,
    ReversedPart,
    School,
    Student,
)
from domain.models.audit import AuditAction
from domain.money.allocation import ZERO, invoice_balance, move_invoice_money
from domain.money.ledger import Entry, EntryKind, Ledger, payment_entries, student_ledger
from domain.money.numbers import lock_school_money
from domain.money.payment_input import Foreign, PaymentIn, clean_payment
from domain.money.payments import PAYMENT_ROLE, create_payment


async def _part(
    connection: BaseDBAsyncClient,
    payment: Payment,
    student_id: int,
    invoice_id: int | None,
    amount: Decimal,
) -> None:
    await PaymentAllocation.create(
        school_id=payment.school_id,
        student_id=student_id,
        payment_id=payment.id,
        invoice_id=invoice_id,
        amount=amount,
        using_db=connection,
    )


async def allocate_family(
    connection: BaseDBAsyncClient, payment: Payment, amount: Decimal
) -> Decimal:
    """Pay the family's students' debts together from `amount`: their opening balances first,
    then all their invoices by due date then number. Returns what is left (the family's
    credit). The caller holds the school's money lock."""
    left = amount
    student_ids = list(
        await Student.filter(family_id=payment.family_id)
        .using_db(connection)
        .values_list("id", flat=True)
    )
    if not student_ids or left <= 0:
        return max(left, ZERO)
    openings = (
        await OpeningBalance.filter(student_id__in=student_ids)
        .using_db(connection)
        .order_by("as_of", "student_id")
    )
    for opening in openings:
        owed = Decimal(opening.amount) - Decimal(opening.allocated)
        if owed <= 0 or left <= 0:
            continue
        take = min(owed, left)
        await _part(connection, payment, opening.student_id, None, take)
        await (
            OpeningBalance.filter(id=opening.id)
            .using_db(connection)
            .update(allocated=Decimal(opening.allocated) + take)
        )
        left -= take
    if left <= 0:
        return left
    invoices = (
        await Invoice.filter(student_id__in=student_ids)
        .exclude(status=InvoiceStatus.CANCELLED)
        .using_db(connection)
        .order_by("due_date", "number")
    )
    for invoice in invoices:
        owed = invoice_balance(invoice)
        if owed <= 0:
            continue
        take = min(owed, left)
        await _part(connection, payment, invoice.student_id, invoice.id, take)
        await move_invoice_money(connection, invoice, paid=take)
        left -= take
        if left <= 0:
            break
    return left


async def apply_family_credit(connection: BaseDBAsyncClient, family_id: int) -> None:
    """Spend the family's credit (its payments' unallocated amounts, oldest first) on what
    its students owe. The caller holds the school's money lock."""
    rows = (
        await Payment.filter(family_id=family_id, reversed_at__isnull=True)
        .using_db(connection)
        .order_by("paid_on", "id")
    )
    for payment in rows:
        if Decimal(payment.unallocated_amount) <= 0:
            continue
        left = await allocate_family(connection, payment, Decimal(payment.unallocated_amount))
        await Payment.filter(id=payment.id).using_db(connection).update(unallocated_amount=left)
        if left > 0:
            break


async def keep_reversed_parts(connection: BaseDBAsyncClient, payment: Payment) -> None:
    """Before a family payment's allocations are removed, keep each student's part of it:
    their ledgers go on showing the part paid, and its reversal."""
    parts: dict[int, Decimal] = {}
    for a in await PaymentAllocation.filter(payment_id=payment.id).using_db(connection):
        parts[a.student_id] = parts.get(a.student_id, ZERO) + Decimal(a.amount)
    await ReversedPart.bulk_create(
        [
            ReversedPart(
                school_id=payment.school_id, payment_id=payment.id, student_id=s, amount=amount
            )
            for s, amount in parts.items()
        ],
        using_db=connection,
    )


async def receive_for_family(
    connection: BaseDBAsyncClient,
    family: Family,
    payment: PaymentIn,
    *,
    user_id: int | None,
) -> Payment:
    """Record money for a family and allocate it across its students; the rest stays the
    family's credit. The caller holds the school's money lock."""
    row = await create_payment(
        connection, family.school_id, None, payment, user_id=user_id, family_id=family.id
    )
    left = await allocate_family(connection, row, payment.amount)
    if left != payment.amount:
        await Payment.filter(id=row.id).using_db(connection).update(unallocated_amount=left)
        row.unallocated_amount = left
    return row


async def receive_family_payment(
    caller: Caller,
    family_id: int | None,
    *,
    amount: Decimal,
    paid_on: date,
    method: str,
    reference: str | None = None,
    foreign: Foreign | None = None,
) -> Payment:
    """Money received for a family, spread over all its students' debts oldest due first."""
    family = await get_visible(caller, Family, family_id, "Family", ["familyId"])
    caller.require(PAYMENT_ROLE, family.school_id)
    school = await School.get(id=family.school_id)
    clean = clean_payment(
        amount, paid_on, method, reference, foreign, school_currency=school.currency
    )
    if not await Student.filter(family_id=family.id).exists():
        raise DomainError(ErrorCode.INVALID_STATE, "The family has no students.", ["familyId"])
    async with in_transaction() as connection:
        await lock_school_money(connection, school.id)
        row = await receive_for_family(connection, family, clean, user_id=caller.user_id)
        await audit.record(
            caller,
            AuditAction.RECEIVED_PAYMENT,
            row,
            school_id=school.id,
            amount=str(clean.amount),
            receipt=row.receipt_number,
        )
    return await Payment.get(id=row.id)


async def family_ledger(family: Family, on: date | None = None) -> Ledger:
    """The family's students' entries with each family payment once for its whole amount;
    balance = the students' balances less the family's credit."""
    students = await Student.filter(family_id=family.id).order_by("id")
    ledgers = [await student_ledger(s, on) for s in students]
    payments = await Payment.filter(family_id=family.id).order_by("id")
    first_student = {
        a.payment_id: a.student_id
        for a in await PaymentAllocation.filter(payment__family_id=family.id).order_by("-id")
    }
    family_payments = {p.id for p in payments}
    raw: list[tuple[tuple[object, ...], Entry]] = []
    epoch = datetime.min.replace(tzinfo=UTC)
    for lg in ledgers:
        for e in lg.entries:
            if e.payment_id in family_payments:
                continue  # a family payment's part (or its reversal): the whole is added below
            order = 0 if e.kind == EntryKind.OPENING_BALANCE else 1
            raw.append(((e.date, order, e.created or epoch, len(raw)), e))
    default_student = students[0].id if students else 0
    for p in payments:
        what = f"Family payment ({p.method})"
        student_id = first_student.get(p.id, default_student)
        for entry in payment_entries(p, student_id, Decimal(p.amount), what):
            raw.append(((entry.date, 1, entry.created or epoch, len(raw)), entry))
    raw.sort(key=lambda pair: pair[0])  # type: ignore[arg-type, return-value]
    running = ZERO
    entries = []
    for _, entry in raw:
        running += entry.net
        entries.append(replace(entry, balance=running))
    credit = sum((Decimal(p.unallocated_amount) for p in payments if p.reversed_at is None), ZERO)
    balance = sum((lg.balance for lg in ledgers), ZERO) - credit
    return Ledger(
        None,
        entries,
        balance,
        credit,
        sum((lg.overdue_amount for lg in ledgers), ZERO),
        sum((lg.opening_balance for lg in ledgers), ZERO),
    )


async def get_family_ledger(caller: Caller, family_id: int) -> Ledger:
    family = await get_visible(caller, Family, family_id, "Family")
    return await family_ledger(family)
